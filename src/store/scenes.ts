import { and, eq, ne, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { scenes, segments, type JobError } from '../db/schema.ts';
import type { Queue } from '../queue/queue.ts';
import { appendEvent } from './events.ts';
import { finishRenderJobIfDone, NEEDS_LATEX, segmentKey, stitchKey } from './jobs.ts';
import type { ScenePlan, SegmentCut } from '../model/plan.ts';

/** A lead segment's toPlay while nobody knows yet where it ends. */
export const OPEN_END = -1;
/** A scouting segment's fromPlay while nobody knows yet where it starts. */
export const UNKNOWN_START = -1;
/** Scouts come after any other work: they are for render slots that would otherwise wait. */
const SCOUT_PRIORITY = 1000;

/** Queue order of the segments that start before a plan: scene by scene, the lead then the planner,
 *  ahead of all other work (a planner's plan is what every other slot waits for). */
function openPriority(position: number, planner: boolean): number {
  return -1000 + 2 * Math.min(position, 400) + (planner ? 1 : 0);
}

export interface OpenSegments {
  /** A segment rendering from play 0 at once, while the scene is planned. */
  lead: boolean;
  /** A scout that is the planning pass: it records the plan, then renders a share (scout.py). */
  planner: boolean;
  /** Scouts: fast-forwarding from play 0, a paused copy at every play, until they get a share. */
  scouts: number;
}

/**
 * Records a scene about to be planned, with the segments that start before its plan: a lead that
 * renders from play 0, a planner whose planning pass records the plan, and scouts that
 * fast-forward from play 0 leaving a paused copy at every play (driver/nn_driver/scout.py). The
 * plan decides where each of them starts and ends.
 */
export async function openScene(tx: Tx, queue: Queue, jobId: string, position: number, name: string, open: OpenSegments): Promise<string> {
  const [scene] = await tx.insert(scenes).values({ jobId, name, position, state: 'planning', startedAt: new Date() }).returning({ id: scenes.id });
  const rows = [
    ...(open.lead ? [{ fromPlay: 0, plans: false, priority: openPriority(position, false) }] : []),
    ...(open.planner ? [{ fromPlay: UNKNOWN_START, plans: true, priority: openPriority(position, true) }] : []),
    ...Array.from({ length: open.scouts }, () => ({ fromPlay: UNKNOWN_START, plans: false, priority: SCOUT_PRIORITY })),
  ];
  for (const [i, { fromPlay, plans, priority }] of rows.entries()) {
    const [seg] = await tx
      .insert(segments)
      .values({ jobId, sceneId: scene!.id, position: i, fromPlay, toPlay: OPEN_END, frames: 0, cost: 0, plans })
      .returning({ id: segments.id });
    await queue.add(tx, 'render-segment', { segmentId: seg!.id }, { jobKey: segmentKey(seg!.id), priority, flags: [NEEDS_LATEX] });
  }
  return scene!.id;
}

/** The segments that started before the plan: the lead (from play 0) and the scouts. */
export async function openSegments(tx: Tx, sceneId: string) {
  const rows = await tx.select().from(segments).where(eq(segments.sceneId, sceneId)).orderBy(segments.position).for('update');
  return { lead: rows.find((r) => r.fromPlay === 0), scouts: rows.filter((r) => r.fromPlay === UNKNOWN_START), count: rows.length };
}

/** A segment that has not started by the time the plan is ready, or a scout with no share, goes. */
export async function dropSegment(tx: Tx, id: string): Promise<void> {
  await tx.delete(segments).where(eq(segments.id, id));
  await tx.execute(sql`select graphile_worker.remove_job(${segmentKey(id)})`);
}

/** Gives a running lead or scout its first segment; its node reads this when the event arrives.
 *  It may go on into the next segment (extendSegment). */
export async function assignShare(tx: Tx, jobId: string, id: string, share: SegmentCut): Promise<void> {
  const { priority: _, ...where } = share;
  await tx.update(segments).set(where).where(eq(segments.id, id));
  await appendEvent(tx, jobId, 'segment.cut', { plays: [share.fromPlay, share.toPlay] });
}

/** Records a scene's plan and its segments, and enqueues them in the planner's order. */
export async function addPlan(tx: Tx, queue: Queue, jobId: string, sceneId: string, name: string, plan: ScenePlan, cuts: SegmentCut[], firstPosition: number): Promise<void> {
  await tx.update(scenes).set({ state: 'rendering', plan, totalFrames: plan.totalFrames }).where(eq(scenes.id, sceneId));
  const rows = cuts.length
    ? await tx
        .insert(segments)
        .values(cuts.map(({ priority: _, ...c }, i) => ({ jobId, sceneId, position: firstPosition + i, ...c })))
        .returning({ id: segments.id })
    : [];
  for (const [i, seg] of rows.entries()) {
    await queue.add(tx, 'render-segment', { segmentId: seg.id }, { jobKey: segmentKey(seg.id), priority: cuts[i]!.priority });
  }
  await appendEvent(tx, jobId, 'scene.planned', { scene: name, plays: plan.plays.length, frames: plan.totalFrames, segments: cuts.length + firstPosition });
}

export async function addFailedScene(tx: Tx, jobId: string, position: number, name: string, error: JobError): Promise<void> {
  await tx.insert(scenes).values({ jobId, name, position, state: 'failed', error, startedAt: new Date(), finishedAt: new Date() });
  await appendEvent(tx, jobId, 'scene.failed', { scene: name, error });
}

/** A scene fails as a whole; its other segments stop, the job's other scenes go on. */
export async function failScene(tx: Tx, sceneId: string, error: JobError): Promise<void> {
  const [scene] = await tx
    .update(scenes)
    .set({ state: 'failed', error, finishedAt: new Date() })
    .where(and(eq(scenes.id, sceneId), ne(scenes.state, 'failed')))
    .returning();
  if (!scene) return;
  const open = await tx
    .update(segments)
    .set({ state: 'cancelled' })
    .where(and(eq(segments.sceneId, sceneId), sql`${segments.state} in ('queued', 'running')`))
    .returning({ id: segments.id });
  for (const s of open) await tx.execute(sql`select graphile_worker.remove_job(${segmentKey(s.id)})`);
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
