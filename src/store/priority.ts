import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { jobs, scenes, segments } from '../db/schema.ts';
import { BAND } from '../queue/job-priority.ts';
import { appendEvent } from './events.ts';
import { functionKey, planKey, segmentKey, stitchKey } from './queue-keys.ts';
import { TERMINAL_JOB_STATES } from '../model/states.ts';

/**
 * Changes a queued or running job's priority: its queued tasks move to the new band in the same
 * transaction (tasks enqueued later read the job's priority when they are added). Running tasks
 * keep running; a finished job has nothing left to order.
 */
export async function setJobPriority(db: Db, id: string, priority: number): Promise<{ outcome: 'changed'; from: number } | { outcome: 'finished' } | { outcome: 'missing' }> {
  return db.transaction(async (tx) => {
    const [job] = await tx.select({ state: jobs.state, priority: jobs.priority }).from(jobs).where(eq(jobs.id, id)).for('update');
    if (!job) return { outcome: 'missing' };
    if (TERMINAL_JOB_STATES.includes(job.state)) return { outcome: 'finished' };
    await tx.update(jobs).set({ priority }).where(eq(jobs.id, id));
    const segs = await tx.select({ id: segments.id }).from(segments).where(eq(segments.jobId, id));
    const scns = await tx.select({ id: scenes.id }).from(scenes).where(eq(scenes.jobId, id));
    const keys = [planKey(id), functionKey(id), ...segs.map((s) => segmentKey(s.id)), ...scns.map((s) => stitchKey(s.id))];
    await tx.execute(sql`update graphile_worker._private_jobs
      set priority = priority + ${BAND * (priority - job.priority)}
      where key = any(${`{${keys.join(',')}}`}::text[])`);
    await appendEvent(tx, id, 'job.priority', { from: job.priority, to: priority });
    return { outcome: 'changed', from: job.priority };
  });
}
