import { and, eq, inArray, isNull, ne, notExists, notInArray, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { artifacts, jobs, scenes, segments, type JobError } from '../db/schema.ts';
import type { Queue } from '../queue/queue.ts';
import { appendEvent, hasEvent } from './events.ts';
import { finishRenderJobIfDone } from './jobs.ts';
import { stitchKey } from './queue-keys.ts';
import { createCutSegments, createOpenSegments, type OpenSegments } from './segments/create.ts';
import { cancelOpenSegments } from './segments/drop.ts';
import { isServed, type ScenePlan, type SegmentCut } from '../model/plan.ts';
import { TERMINAL_JOB_STATES, TERMINAL_SCENE_STATES } from '../model/states.ts';

/** Records a scene about to be planned, with the segments that start before its plan. */
export async function openScene(tx: Tx, queue: Queue, jobId: string, position: number, name: string, open: OpenSegments): Promise<string> {
  const [scene] = await tx.insert(scenes).values({ jobId, name, position, state: 'planning', startedAt: new Date() }).returning({ id: scenes.id });
  await createOpenSegments(tx, queue, jobId, scene!.id, position, open);
  return scene!.id;
}

/** Records a scene's plan and its segments, and enqueues them in the cutter's order. The event says
 *  how it was cut: `costs` from the model, from earlier renders (`remembered`) or both (`mixed`), and
 *  `plan: 'remembered'` when the plan itself was an earlier render's (no planning pass ran), `'earlier
 *  version'` when that render's files were others. */
export async function addPlan(tx: Tx, queue: Queue, jobId: string, sceneId: string, name: string, plan: ScenePlan, cuts: SegmentCut[], firstPosition: number, how: { slots: number; rememberedPlan: boolean }): Promise<void> {
  await tx.update(scenes).set({ state: 'rendering', plan, totalFrames: plan.totalFrames }).where(eq(scenes.id, sceneId));
  await createCutSegments(tx, queue, jobId, sceneId, cuts, firstPosition);
  const drawn = plan.plays.filter((p) => !p.skipped && p.frames > 0 && !isServed(p));
  const remembered = drawn.filter((p) => p.rememberedSeconds !== undefined).length;
  const costs = remembered === 0 ? 'model' : remembered === drawn.length ? 'remembered' : 'mixed';
  await appendEvent(tx, jobId, 'scene.planned', { scene: name, plays: plan.plays.length, frames: plan.totalFrames, segments: cuts.length + firstPosition, slots: how.slots, costs, ...(how.rememberedPlan ? { plan: plan.earlierVersion ? 'earlier version' : 'remembered' } : {}) });
}

export async function addFailedScene(tx: Tx, jobId: string, position: number, name: string, error: JobError): Promise<void> {
  await tx.insert(scenes).values({ jobId, name, position, state: 'failed', error, startedAt: new Date(), finishedAt: new Date() });
  await appendEvent(tx, jobId, 'scene.failed', { scene: name, error });
}

/** A scene fails as a whole (unless it already ended); its other segments stop, the job's other scenes go on. */
export async function failScene(tx: Tx, queue: Queue, sceneId: string, error: JobError): Promise<void> {
  const [scene] = await tx
    .update(scenes)
    .set({ state: 'failed', error, finishedAt: new Date() })
    .where(and(eq(scenes.id, sceneId), notInArray(scenes.state, [...TERMINAL_SCENE_STATES])))
    .returning();
  if (!scene) return;
  await cancelOpenSegments(tx, queue, { sceneId });
  await appendEvent(tx, scene.jobId, 'scene.failed', { scene: scene.name, error });
  await finishRenderJobIfDone(tx, scene.jobId);
}

/** The transaction that records a scene's last segment enqueues its stitch. */
export async function stitchIfComplete(tx: Tx, queue: Queue, sceneId: string): Promise<void> {
  // Row lock: two segments finishing together must not both (or neither) see "all done".
  const [scene] = await tx.select().from(scenes).where(eq(scenes.id, sceneId)).for('update');
  if (!scene || scene.state !== 'rendering') return;
  const [{ open } = { open: 0 }] = await tx
    .select({ open: sql<number>`count(*)::int` })
    .from(segments)
    .where(and(eq(segments.sceneId, sceneId), ne(segments.state, 'done')));
  if (open > 0) return;
  await tx.update(scenes).set({ state: 'stitching' }).where(eq(scenes.id, sceneId));
  await queue.add(tx, 'stitch', { sceneId }, { jobKey: stitchKey(sceneId), priority: -5 });
  await appendEvent(tx, scene.jobId, 'scene.stitching', { scene: scene.name });
}

/** A scene and its job, as the stitch reads them. */
export async function sceneWithJob(db: Tx, sceneId: string) {
  const [row] = await db.select({ scene: scenes, job: jobs }).from(scenes).innerJoin(jobs, eq(jobs.id, scenes.jobId)).where(eq(scenes.id, sceneId));
  return row;
}

/** The node that stitches a scene, for the dashboard. */
export async function recordStitchNode(db: Tx, sceneId: string, nodeId: string): Promise<void> {
  await db.update(scenes).set({ stitchNode: nodeId }).where(eq(scenes.id, sceneId));
}

/**
 * Whether a stitch's (or still's) outputs are still wanted, its job and scene locked until the
 * transaction ends: a job cancelled meanwhile, or a scene already done by a redelivered stitch,
 * gets no second set of outputs and no success.
 */
export async function sceneStillOpen(tx: Tx, scene: { id: string; jobId: string }): Promise<boolean> {
  const [job] = await tx.select({ state: jobs.state }).from(jobs).where(eq(jobs.id, scene.jobId)).for('update');
  const [row] = await tx.select({ state: scenes.state }).from(scenes).where(eq(scenes.id, scene.id)).for('update');
  return !!job && !!row && !TERMINAL_JOB_STATES.includes(job.state) && !TERMINAL_SCENE_STATES.includes(row.state);
}

/** A stitched scene is done (its outputs stored in the same transaction, after sceneStillOpen); its
 *  job may be too. The pieces it was stitched from are no longer needed and go. PNG frames need no
 *  stitching: `framesAreOutputs` makes the segments' frames its outputs. */
export async function completeScene(tx: Tx, scene: { id: string; jobId: string; name: string }, stitch: { node: string; ms: number; framesAreOutputs?: boolean; frames?: number }): Promise<void> {
  if (stitch.framesAreOutputs) await tx.update(artifacts).set({ kind: 'output' }).where(and(eq(artifacts.sceneId, scene.id), eq(artifacts.kind, 'frame')));
  await tx.delete(artifacts).where(and(eq(artifacts.sceneId, scene.id), inArray(artifacts.kind, ['partial', 'slice'])));
  await tx.update(scenes).set({ state: 'succeeded', finishedAt: new Date(), ...(stitch.frames !== undefined ? { totalFrames: stitch.frames } : {}) }).where(eq(scenes.id, scene.id));
  await appendEvent(tx, scene.jobId, 'scene.done', { scene: scene.name, node: stitch.node, stitchMs: stitch.ms });
  await finishRenderJobIfDone(tx, scene.jobId);
}

/**
 * A plan that runs again (its node died, or its queue job failed) goes on where the last run
 * stopped. Returns the scenes already opened that go on without it (planned, failed, or planned by
 * their own lead segments), to be skipped; a scene the last run was planning itself is dropped and
 * planned again. Undefined when the last run opened every scene (endPlanning): nothing is left to do.
 */
export async function resumePlanning(db: Tx, jobId: string): Promise<Set<string> | undefined> {
  if (await hasEvent(db, jobId, 'job.planned')) return undefined;
  const ownSegments = db.select({ id: segments.id }).from(segments).where(eq(segments.sceneId, scenes.id));
  await db.delete(scenes).where(and(eq(scenes.jobId, jobId), eq(scenes.state, 'planning'), isNull(scenes.plan), notExists(ownSegments)));
  const kept = await db.select({ name: scenes.name }).from(scenes).where(eq(scenes.jobId, jobId));
  return new Set(kept.map((r) => r.name));
}

/** Every scene of the job is open (each planned here or by its own segments from now on). */
export async function endPlanning(tx: Tx, jobId: string, names: string[]): Promise<void> {
  await appendEvent(tx, jobId, 'job.planned', { scenes: names });
}
