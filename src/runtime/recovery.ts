import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Queue } from '../queue/queue.ts';
import { nodes, segments } from '../db/schema.ts';
import { staleNodes } from '../store/nodes.ts';
import { appendEvent } from '../store/events.ts';
import { log } from '../lib/log.ts';

// Any constant shared by all nodes: one reaper at a time in the whole cluster.
const REAPER_LOCK = 0x6e6e7270;

/**
 * Takes back the work of nodes that stopped heart-beating (killed, unplugged, asleep): they are
 * marked offline, their segments go back to queued, and their graphile-worker locks are released
 * at once — graphile-worker alone would wait four hours. Every node runs this; the advisory lock
 * makes one of them do it.
 */
export async function reapDeadNodes(database: Database, queue: Queue): Promise<string[]> {
  return database.db.transaction(async (tx) => {
    const [lock] = await tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(${REAPER_LOCK}) as ok`);
    if (!lock?.ok) return [];
    const reaped: string[] = [];
    for (const node of await staleNodes(tx)) {
      if (node.state !== 'offline') {
        await tx.update(nodes).set({ state: 'offline', current: [] }).where(eq(nodes.id, node.id));
        const lost = await tx
          .update(segments)
          .set({
            state: 'queued',
            failures: sql`${segments.failures} || ${JSON.stringify([{ node: node.id, nodeName: node.name, error: 'the node stopped responding', at: new Date().toISOString() }])}::jsonb`,
          })
          .where(and(eq(segments.nodeId, node.id), eq(segments.state, 'running')))
          .returning({ jobId: segments.jobId, position: segments.position });
        for (const s of lost) await appendEvent(tx, s.jobId, 'segment.requeued', { segment: s.position, node: node.name, reason: 'the node stopped responding' });
        log.warn({ node: node.name, segments: lost.length }, 'node stopped heart-beating: its work goes back to the queue');
      }
      if (node.workerIds.length) {
        // Same connection pool as the queue, but its own transaction: idempotent, so a crash between
        // the two only means the next reaper does it again.
        await queue.utils.forceUnlockWorkers(node.workerIds);
        await tx.update(nodes).set({ workerIds: [] }).where(eq(nodes.id, node.id));
      }
      reaped.push(node.name);
    }
    return reaped;
  });
}
