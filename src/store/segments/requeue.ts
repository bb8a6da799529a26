import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { Tx } from '../../db/tx.ts';
import { jobs, nodes, scenes, segments } from '../../db/schema.ts';
import type { Queue } from '../../queue/queue.ts';
import { appendEvent } from '../events.ts';
import { failScene } from '../scenes.ts';
import { segmentKey } from '../queue-keys.ts';
import { enqueueSegment } from './create.ts';

export const LOST_REASON = 'the node stopped responding';
/**
 * How many nodes a segment may be lost with before its scene fails: a node's death is not counted
 * as a failed try of the segment (its queue try is given back), but a scene that kills every node
 * that renders it must still end.
 */
export const LOST_NODE_BUDGET = 5;

/**
 * A node that stopped heart-beating lost its running segments: they are queued again, each noting
 * the node as a failure (their queue jobs are unlocked by the reaper, so another node takes them);
 * a segment lost with more nodes than the budget fails its scene.
 */
export async function requeueLostSegments(tx: Tx, queue: Queue, node: { id: string; name: string }): Promise<number> {
  const lost = await tx
    .update(segments)
    .set({
      state: 'queued',
      failures: sql`${segments.failures} || ${JSON.stringify([{ node: node.id, nodeName: node.name, error: LOST_REASON, at: new Date().toISOString() }])}::jsonb`,
    })
    .from(scenes)
    .where(and(eq(scenes.id, segments.sceneId), eq(segments.nodeId, node.id), eq(segments.state, 'running')))
    .returning({ ...getTableColumns(segments), scene: scenes.name });
  for (const s of lost) {
    const deaths = s.failures.filter((f) => f.error === LOST_REASON).length;
    if (deaths > LOST_NODE_BUDGET) {
      const message = `segment ${s.position} (plays ${s.fromPlay}-${s.toPlay}) was lost with ${deaths} nodes that stopped responding while rendering it (the last: ${node.name}); the scene may be killing its nodes`;
      await tx.update(segments).set({ state: 'failed', error: { message } }).where(eq(segments.id, s.id));
      await queue.remove(tx, segmentKey(s.id));
      await appendEvent(tx, s.jobId, 'segment.failed', { scene: s.scene, segment: s.position, node: node.name, error: message });
      await failScene(tx, queue, s.sceneId, { message });
      continue;
    }
    await appendEvent(tx, s.jobId, 'segment.requeued', { scene: s.scene, segment: s.position, node: node.name, reason: LOST_REASON });
  }
  return lost.length;
}

export const ORPHAN_REASON = 'the queue lost its job';

/**
 * Queued segments of running jobs that the queue will never run (Queue.unheld): their queue job is
 * gone, or held by a pool no live node runs. The segments' rows are the truth and their queue jobs
 * follow from them: each such segment is queued again. Returns those that were.
 */
export async function requeueOrphans(tx: Tx, queue: Queue): Promise<{ segment: number; scene: string; lockedBy: string | null }[]> {
  // Looked for without locks: a render going on into the next segment skips a locked one
  // (extendSegment), and a sweep that locked every queued segment each second made renders end at
  // their segment's end and the next start over from play 0 on the lab.
  const seen = await unheldSegments(tx, queue);
  if (!seen.length) return [];
  // Only those are locked, and looked at again: one claimed or dropped meanwhile is no orphan.
  const locked = await tx.select({ id: segments.id }).from(segments).where(and(inArray(segments.id, seen.map((s) => s.id)), eq(segments.state, 'queued'))).for('update', { skipLocked: true });
  const lost = locked.length ? await unheldSegments(tx, queue, locked.map((s) => s.id)) : [];
  for (const s of lost) {
    await enqueueSegment(tx, queue, s.id);
    await appendEvent(tx, s.jobId, 'segment.requeued', { scene: s.scene, segment: s.position, reason: ORPHAN_REASON });
  }
  return lost.map(({ position, scene, lockedBy }) => ({ segment: position, scene, lockedBy }));
}

/** Queued segments of running jobs (of `ids`, when given) whose queue job the queue will not run (Queue.unheld). */
async function unheldSegments(tx: Tx, queue: Queue, ids?: string[]) {
  const open = await tx
    .select({ id: segments.id, jobId: segments.jobId, position: segments.position, scene: scenes.name })
    .from(segments)
    .innerJoin(scenes, eq(scenes.id, segments.sceneId))
    .innerJoin(jobs, eq(jobs.id, segments.jobId))
    .where(and(eq(segments.state, 'queued'), eq(jobs.state, 'running'), ids ? inArray(segments.id, ids) : undefined));
  if (!open.length) return [];
  const pools = (await tx.select({ workerIds: nodes.workerIds }).from(nodes)).flatMap((n) => n.workerIds);
  const unheld = new Map((await queue.unheld(tx, open.map((s) => segmentKey(s.id)), pools)).map((u) => [u.key, u.lockedBy]));
  return open.filter((s) => unheld.has(segmentKey(s.id))).map((s) => ({ ...s, lockedBy: unheld.get(segmentKey(s.id)) ?? null }));
}

/** A node that stops hands its running segments back to the queue (their queue jobs were just
 *  unlocked, their tries given back): not a failure of theirs. */
export async function handBackOnStop(db: Db, nodeId: string): Promise<void> {
  await db.update(segments).set({ state: 'queued' }).where(and(eq(segments.nodeId, nodeId), eq(segments.state, 'running')));
}
