import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';

/**
 * A job's priority orders its queued work against other jobs' work, lowest first, as graphile-worker
 * and `nice` order theirs. graphile-worker keeps one smallint per queued task, and the farm already
 * orders a job's own tasks with it (planning and leads first, scouts last): each job priority is a
 * band of BAND values, and a task's own order is kept inside its band.
 */
export const BAND = 2048;

/** A task's order within its job's band: the farm's own orders reach ±1000. */
export function withinBand(priority: number): number {
  return Math.min(BAND / 2 - 1, Math.max(-BAND / 2, Math.round(priority)));
}

/**
 * The queue priority of a task, in SQL: its order within its band plus its job's band. The job is
 * found from the payload every farm task carries (plan: jobId, a function job: nnJob, render-segment:
 * segmentId, stitch: sceneId); other tasks take band 0. The job row is read without a lock: a
 * priority change that commits while this task is enqueued leaves this one task in the old band.
 */
export function queuePriority(payload: unknown, priority = 0): SQL {
  const p = (payload ?? {}) as Record<string, unknown>;
  // only ids that are UUIDs reach the cast: another task's payload must never fail its enqueue
  const id = (k: string) => (z.uuid().safeParse(p[k]).success ? (p[k] as string) : null);
  const job = sql`coalesce(
    ${id('jobId') ?? id('nnJob')}::uuid,
    (select job_id from segments where id = ${id('segmentId')}::uuid),
    (select job_id from scenes where id = ${id('sceneId')}::uuid))`;
  return sql`${withinBand(priority)} + ${BAND} * coalesce((select priority from jobs where id = ${job}), 0)`;
}
