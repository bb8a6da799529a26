import { and, eq, ne, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { scenes, segments, type JobError } from '../db/schema.ts';
import type { Queue } from '../queue/queue.ts';
import type { ScenePlan } from '../driver/protocol.ts';
import type { SegmentPlan } from '../planner/segments.ts';
import { appendEvent } from './events.ts';
import { putArtifact } from './artifacts.ts';
import { finishRenderJobIfDone, segmentKey, stitchKey } from './jobs.ts';

/** Records a planned scene and enqueues its segments, costliest first (longest-processing-time first
 *  keeps the last segments of a job small, so no node is left finishing a big one alone). */
export async function addPlannedScene(
  tx: Tx, queue: Queue, jobId: string, position: number, name: string, plan: ScenePlan, cuts: SegmentPlan[], cache: { name: string; bytes: Buffer }[],
): Promise<void> {
  const [scene] = await tx
    .insert(scenes)
    .values({ jobId, name, position, state: 'rendering', plan, totalFrames: plan.totalFrames, startedAt: new Date() })
    .returning({ id: scenes.id });
  for (const c of cache) {
    await putArtifact(tx, { jobId, sceneId: scene!.id, kind: 'cache', name: c.name, contentType: 'image/svg+xml', bytes: c.bytes });
  }
  const rows = await tx
    .insert(segments)
    .values(cuts.map((c, i) => ({ jobId, sceneId: scene!.id, position: i, ...c })))
    .returning({ id: segments.id, cost: segments.cost });
  const byCost = [...rows].sort((a, b) => b.cost - a.cost);
  for (const [rank, seg] of byCost.entries()) {
    await queue.add(tx, 'render-segment', { segmentId: seg.id }, { jobKey: segmentKey(seg.id), priority: rank });
  }
  await appendEvent(tx, jobId, 'scene.planned', { scene: name, plays: plan.plays.length, frames: plan.totalFrames, segments: cuts.length });
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
