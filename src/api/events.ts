import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Services } from '../runtime/services.ts';
import { ANY_JOB, eventsAfterId, latestEventId } from '../store/events.ts';
import { listedNodes } from '../store/nodes.ts';
import { runningSegments } from '../store/overview.ts';
import { seqParam } from './jobs.ts';

/** How often the stream looks at what has no event of its own: node heartbeats and frame counts. */
const LOOK_MS = 1_000;

/**
 * `GET /events`: the whole cluster as Server-Sent Events, for the web page. `job` events carry
 * every job's events (id: the event's global id, so Last-Event-ID resumes); `nodes` says the nodes
 * changed (state, work, heartbeat); `progress` names the jobs whose running segments moved on.
 */
export function clusterEventRoutes(s: Services): Hono {
  const app = new Hono();
  const db = s.database.db;
  app.get('/', async (c) => {
    const after = c.req.header('last-event-id') ?? c.req.query('after');
    const from = seqParam.safeParse(after ?? '0');
    if (!from.success) return c.json({ error: `Last-Event-ID (or after) must be an event id, a whole number, got ${JSON.stringify(after?.slice(0, 50))}` }, 400);
    // no id asked for: from now on (the page that connects was rendered from the current state)
    let last = after === undefined ? await latestEventId(db) : from.data;
    return streamSSE(c, async (stream) => {
      let wake: () => void = () => {};
      const onNotify = () => wake();
      s.hub.on(ANY_JOB, onNotify);
      stream.onAbort(() => wake());
      let nodesSeen = '';
      let framesSeen = new Map<string, string>();
      try {
        while (!stream.aborted) {
          const pending = new Promise<void>((r) => (wake = r));
          for (const e of await eventsAfterId(db, last)) {
            await stream.writeSSE({ id: String(e.id), event: 'job', data: JSON.stringify(e) });
            last = e.id;
          }
          const nodes = JSON.stringify((await listedNodes(db)).map((n) => ({ id: n.id, name: n.name, state: n.state, power: n.power, offWork: n.offWork, current: n.current, lastSeen: n.lastSeen })));
          if (nodes !== nodesSeen) await stream.writeSSE({ event: 'nodes', data: nodes });
          nodesSeen = nodes;
          const frames = new Map((await runningSegments(db)).map((r) => [r.id, `${r.jobId} ${r.framesDone}`]));
          const moved = new Set([...frames, ...framesSeen].filter(([id]) => frames.get(id) !== framesSeen.get(id)).map(([, v]) => v.split(' ')[0]!));
          if (moved.size) await stream.writeSSE({ event: 'progress', data: JSON.stringify({ jobs: [...moved] }) });
          framesSeen = frames;
          await Promise.race([pending, new Promise((r) => setTimeout(r, LOOK_MS))]);
        }
      } finally {
        s.hub.off(ANY_JOB, onNotify);
      }
    });
  });
  return app;
}
