import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { segments } from '../../db/schema.ts';
import type { Queue } from '../../queue/queue.ts';
import type { JobError, SegmentFailure } from '../../model/errors.ts';
import { appendEvent } from '../events.ts';
import { liveNodes } from '../nodes.ts';
import { failScene } from '../scenes.ts';
import type { SegmentWithJob } from './claim.ts';
import { enqueueSegment } from './create.ts';
import { lockOwnSegment } from './running.ts';

/**
 * A failed try: the segment is queued again, avoiding every node that failed it (as long as another
 * live render node exists), until the attempts run out (or at once when `permanent`); then the scene
 * fails naming each node's error. Nothing changes when the segment is no longer this node's.
 */
export async function retryOrFail(db: Db, queue: Queue, { seg, scene, job }: SegmentWithJob, nodeId: string, error: JobError, opts: { permanent: boolean; maxAttempts: number }): Promise<void> {
  const failures: SegmentFailure[] = [...seg.failures, { node: nodeId, error: error.message, at: new Date().toISOString() }];
  const final = opts.permanent || seg.attempts + 1 >= opts.maxAttempts;
  await db.transaction(async (tx) => {
    // Taken back while this node was presumed dead: the segment is another node's try now, and
    // queueing it again would have two nodes render it.
    if (!(await lockOwnSegment(tx, seg.id, nodeId))) return;
    if (final) {
      const names = new Map((await liveNodes(tx)).map((n) => [n.id, n.name]));
      const who = failures.map((f) => `${f.nodeName ?? names.get(f.node) ?? f.node.slice(0, 8)}: ${f.error}`);
      const message = opts.permanent ? error.message : `segment ${seg.position} (plays ${seg.fromPlay}-${seg.toPlay}) failed ${failures.length} time(s): ${who.join('; ')}`;
      await tx.update(segments).set({ state: 'failed', failures, error: { ...error, message } }).where(eq(segments.id, seg.id));
      await appendEvent(tx, job.id, 'segment.failed', { scene: scene.name, segment: seg.position, node: nodeId, error: message });
      await failScene(tx, queue, scene.id, { ...error, message });
      return;
    }
    await tx.update(segments).set({ state: 'queued', failures, error: { ...error, node: nodeId } }).where(eq(segments.id, seg.id));
    await enqueueSegment(tx, queue, seg.id);
    await appendEvent(tx, job.id, 'segment.retry', { scene: scene.name, segment: seg.position, node: nodeId, error: error.message, attempt: seg.attempts + 1 });
  });
}
