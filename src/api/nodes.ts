import { Hono } from 'hono';
import type { Services } from '../runtime/services.ts';
import { findLiveNode, listedNodes, setNodeState } from '../store/nodes.ts';
import type { NodeState } from '../model/states.ts';
import { databaseProblem } from '../db/problem.ts';
import { homeDir } from '../lib/home.ts';

/** What each control asks of a node; the node reads it at its next heartbeat. */
const CONTROLS: Record<string, NodeState> = { drain: 'draining', pause: 'paused', resume: 'online' };

export function nodeRoutes(s: Services): Hono {
  const app = new Hono();
  const db = s.database.db;
  app.get('/', async (c) => {
    // The coordinator's embedded Postgres that stopped (its disk full) is the first thing to say.
    const problem = databaseProblem(homeDir(s.config.home));
    let rows;
    try {
      rows = await listedNodes(db);
    } catch (err) {
      return c.json({ error: problem?.message ?? `the database does not answer: ${err instanceof Error ? err.message : String(err)}` }, 503);
    }
    return c.json({
      database: { problem: problem?.message ?? null },
      nodes: rows.map((n) => ({
        id: n.id,
        name: n.name,
        hostname: n.hostname,
        addresses: n.addresses,
        os: n.os,
        cores: n.cores,
        memoryBytes: n.memoryBytes,
        versions: n.versions,
        functions: n.functions,
        concurrency: n.concurrency,
        state: n.state,
        reason: n.reason,
        offWork: n.offWork,
        power: n.power,
        powerSince: n.powerSince,
        powerNote: n.powerNote,
        wakeable: n.wakeable,
        mac: n.mac,
        broadcast: n.broadcast,
        coordinator: n.coordinator,
        current: n.current,
        lastSeen: n.lastSeen,
      })),
    });
  });
  app.post('/:ref/:action{drain|pause|resume}', async (c) => {
    const node = await findLiveNode(db, c.req.param('ref'));
    if (node === 'ambiguous') return c.json({ error: `more than one live node matches "${c.req.param('ref')}": use its id` }, 409);
    if (!node) return c.json({ error: `no live node named or with id "${c.req.param('ref')}"` }, 404);
    const state = CONTROLS[c.req.param('action')]!;
    await setNodeState(db, node.id, state);
    return c.json({ id: node.id, name: node.name, state });
  });
  return app;
}
