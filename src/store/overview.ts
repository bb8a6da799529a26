import { eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { scenes, segments } from '../db/schema.ts';

export interface Progress {
  done: number;
  total: number;
}

/** Frames rendered of frames planned, per job (a job still planning has total 0). */
export async function jobsProgress(db: Tx, jobIds: string[]): Promise<Map<string, Progress>> {
  const out = new Map<string, Progress>(jobIds.map((id) => [id, { done: 0, total: 0 }]));
  if (!jobIds.length) return out;
  const totals = await db
    .select({ jobId: scenes.jobId, n: sql<number>`coalesce(sum(${scenes.totalFrames}), 0)::int` })
    .from(scenes)
    .where(inArray(scenes.jobId, jobIds))
    .groupBy(scenes.jobId);
  // as the job detail counts them: a done segment by its frames, any other by what it got through
  const done = await db
    .select({ jobId: segments.jobId, n: sql<number>`coalesce(sum(case when ${segments.state} = 'done' then ${segments.frames} else ${segments.framesDone} end), 0)::int` })
    .from(segments)
    .where(inArray(segments.jobId, jobIds))
    .groupBy(segments.jobId);
  for (const t of totals) out.get(t.jobId)!.total = t.n;
  // segments that overlap (a lead and the cuts after it) can count frames twice: never past the total
  for (const d of done) out.get(d.jobId)!.done = Math.min(d.n, out.get(d.jobId)!.total);
  return out;
}

/** Every running segment with its scene's name: what the nodes are rendering right now. */
export async function runningSegments(db: Tx) {
  return db
    .select({
      id: segments.id,
      jobId: segments.jobId,
      nodeId: segments.nodeId,
      scene: scenes.name,
      position: segments.position,
      fromPlay: segments.fromPlay,
      toPlay: segments.toPlay,
      fromFrame: segments.fromFrame,
      toFrame: segments.toFrame,
      frames: segments.frames,
      framesDone: segments.framesDone,
    })
    .from(segments)
    .innerJoin(scenes, eq(scenes.id, segments.sceneId))
    .where(eq(segments.state, 'running'));
}
export type RunningSegment = Awaited<ReturnType<typeof runningSegments>>[number];
