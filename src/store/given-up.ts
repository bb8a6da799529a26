import { and, eq, inArray, notInArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../db/tx.ts';
import { scenes, segments } from '../db/schema.ts';
import type { Queue } from '../queue/queue.ts';
import { OPEN_SEGMENT_STATES, TERMINAL_SCENE_STATES } from '../model/states.ts';
import { appendEvent } from './events.ts';
import { finishJob } from './jobs.ts';
import { failScene } from './scenes.ts';
import { cancelOpenSegments } from './segments/drop.ts';

const planPayload = z.object({ jobId: z.uuid(), sceneId: z.uuid().optional() });
const stitchPayload = z.object({ sceneId: z.uuid() });
const segmentPayload = z.object({ segmentId: z.uuid() });
const functionPayload = z.object({ nnJob: z.uuid() });

/**
 * The queue gave up on a job of the render pipeline (its last try failed, or it failed in a way no
 * try mends): what it was doing ends as failed, saying why, so no job, scene or segment waits in
 * `running` or `queued` for work that will never run again. Safe to call again for the same work.
 */
export async function failGivenUpWork(db: Tx, queue: Queue, task: string, payload: unknown, tries: number, error: string): Promise<void> {
  const why = (what: string) => ({ message: `${what} failed ${tries === 1 ? 'for good' : `on all ${tries} tries`}: ${error}` });
  await db.transaction(async (tx) => {
    // A payload of another shape (a bad direct call) has no records to end.
    const plan = planPayload.safeParse(payload);
    const stitch = stitchPayload.safeParse(payload);
    const segment = segmentPayload.safeParse(payload);
    const fn = functionPayload.safeParse(payload);
    if (task === 'plan' && plan.success) {
      const { jobId, sceneId } = plan.data;
      if (sceneId) return failScene(tx, queue, sceneId, why('planning the scene again'));
      const error = why('planning the job');
      await finishJob(tx, jobId, 'failed', { error });
      await cancelOpenSegments(tx, queue, { jobId });
      await tx
        .update(scenes)
        .set({ state: 'failed', error, finishedAt: new Date() })
        .where(and(eq(scenes.jobId, jobId), notInArray(scenes.state, [...TERMINAL_SCENE_STATES])));
    } else if (task === 'stitch' && stitch.success) {
      await failScene(tx, queue, stitch.data.sceneId, why('stitching the scene'));
    } else if (task === 'render-segment' && segment.success) {
      const { segmentId } = segment.data;
      const error = why('rendering the segment');
      const [seg] = await tx
        .update(segments)
        .set({ state: 'failed', error })
        .where(and(eq(segments.id, segmentId), inArray(segments.state, [...OPEN_SEGMENT_STATES])))
        .returning();
      if (!seg) return;
      await appendEvent(tx, seg.jobId, 'segment.failed', { segment: seg.position, error: error.message });
      await failScene(tx, queue, seg.sceneId, error);
    } else if (fn.success) {
      await finishJob(tx, fn.data.nnJob, 'failed', { error: { message: error } });
    }
  });
}
