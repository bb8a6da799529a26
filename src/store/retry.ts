import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { jobs, scenes } from '../db/schema.ts';
import type { Queue } from '../queue/queue.ts';
import { appendEvent } from './events.ts';
import { enqueueRenderJob } from './jobs.ts';

/** `failed`: the scenes that did not succeed; `all`: every scene the job asked for. */
export type RetryScenes = 'failed' | 'all';

export type RetryOutcome =
  | { outcome: 'retried'; id: string; scenes: string[] }
  | { outcome: 'missing' }
  | { outcome: 'refused'; message: string };

/**
 * Retries a failed or cancelled render job as a NEW job (`retryOf` links it to the old one): the same
 * bundle, entry, options (its seed too, so the frames are the ones the old job would have made) and
 * priority. The old job and its outputs stay as they were: its succeeded scenes keep their videos,
 * and its history is not rewritten.
 */
export async function retryJob(db: Db, queue: Queue, id: string, which: RetryScenes, source: string): Promise<RetryOutcome> {
  return db.transaction(async (tx) => {
    const [job] = await tx.select().from(jobs).where(eq(jobs.id, id)).for('update');
    if (!job) return { outcome: 'missing' };
    if (job.kind !== 'render' || !job.bundleId || !job.entry) return { outcome: 'refused', message: 'only render jobs can be retried' };
    if (job.state !== 'failed' && job.state !== 'cancelled') {
      return { outcome: 'refused', message: `the job is ${job.state}: only a failed or cancelled job can be retried` };
    }
    const rows = await tx.select({ name: scenes.name, state: scenes.state }).from(scenes).where(eq(scenes.jobId, id)).orderBy(asc(scenes.position));
    // A job that ended before its scenes were listed (a cancelled queue entry, a file that does not
    // import) is retried as it was asked for.
    const asked = job.sceneNames ?? [];
    const names = which === 'all' || !rows.length ? asked : rows.filter((r) => r.state !== 'succeeded').map((r) => r.name);
    const retry = await enqueueRenderJob(tx, queue, {
      source, bundleId: job.bundleId, entry: job.entry, project: job.project, sceneNames: names, options: job.options, priority: job.priority, retryOf: id,
    });
    await appendEvent(tx, id, 'job.retried', { retry, scenes: which });
    return { outcome: 'retried', id: retry, scenes: names };
  });
}
