import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/tx.ts';
import { segments } from '../../db/schema.ts';
import type { Queue } from '../../queue/queue.ts';
import { OPEN_SEGMENT_STATES } from '../../model/states.ts';
import { segmentKey } from '../queue-keys.ts';

/** A segment that has not started by the time the plan is ready, a scout with no share, or the next
 *  segment a running render went on into: its row and its queue job go. */
export async function dropSegment(tx: Tx, queue: Queue, id: string): Promise<void> {
  await tx.delete(segments).where(eq(segments.id, id));
  await queue.remove(tx, segmentKey(id));
}

/** A cancelled job's or failed scene's open segments: queued ones leave the queue, running ones stop
 *  at their next check (they find the segment cancelled). */
export async function cancelOpenSegments(tx: Tx, queue: Queue, of: { jobId: string } | { sceneId: string }): Promise<void> {
  const owner = 'jobId' in of ? eq(segments.jobId, of.jobId) : eq(segments.sceneId, of.sceneId);
  const open = await tx
    .update(segments)
    .set({ state: 'cancelled' })
    .where(and(owner, inArray(segments.state, [...OPEN_SEGMENT_STATES])))
    .returning({ id: segments.id });
  for (const s of open) await queue.remove(tx, segmentKey(s.id));
}
