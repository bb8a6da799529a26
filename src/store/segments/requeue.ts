import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { Tx } from '../../db/tx.ts';
import { segments } from '../../db/schema.ts';
import { appendEvent } from '../events.ts';

/**
 * A node that stopped heart-beating lost its running segments: they are queued again, each noting
 * the node as a failure (their queue jobs are unlocked by the reaper, so another node takes them).
 */
export async function requeueLostSegments(tx: Tx, node: { id: string; name: string }): Promise<number> {
  const reason = 'the node stopped responding';
  const lost = await tx
    .update(segments)
    .set({
      state: 'queued',
      failures: sql`${segments.failures} || ${JSON.stringify([{ node: node.id, nodeName: node.name, error: reason, at: new Date().toISOString() }])}::jsonb`,
    })
    .where(and(eq(segments.nodeId, node.id), eq(segments.state, 'running')))
    .returning({ jobId: segments.jobId, position: segments.position });
  for (const s of lost) await appendEvent(tx, s.jobId, 'segment.requeued', { segment: s.position, node: node.name, reason });
  return lost.length;
}

/** A node that stops hands its running segments back to the queue (their queue jobs were just
 *  unlocked): not a failure of theirs. */
export async function handBackOnStop(db: Db, nodeId: string): Promise<void> {
  await db.update(segments).set({ state: 'queued' }).where(and(eq(segments.nodeId, nodeId), eq(segments.state, 'running')));
}
