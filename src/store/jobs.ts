import { and, asc, desc, eq, like, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { Tx } from '../db/tx.ts';
import { jobs, scenes, segments, nodes, type JobError } from '../db/schema.ts';
import type { Queue } from '../queue/queue.ts';
import type { JobRequest } from '../model/job-request.ts';
import type { RenderOptions } from '../model/render-options.ts';
import { TERMINAL_JOB_STATES, TERMINAL_SCENE_STATES } from '../model/states.ts';
import { segmentPieces } from '../model/plan.ts';
import { putBundle } from './bundles.ts';
import { appendEvent, hasEvent } from './events.ts';
import { outputUrl } from '../lib/output-url.ts';
import { listArtifacts } from './artifacts.ts';
import { functionKey, NEEDS_LATEX, planKey, stitchKey } from './queue-keys.ts';
import { cancelOpenSegments } from './segments/drop.ts';

/** Which trigger made a job, and from which commit (in a filter: a commit id or its first digits). */
export interface JobOrigin {
  trigger?: string;
  commit?: string;
}

/** Records a job and enqueues its first work in one transaction: a job is never half-created. */
export async function createJob(db: Tx, queue: Queue, req: JobRequest, source = 'api', origin: JobOrigin = {}): Promise<string> {
  return db.transaction(async (tx) => {
    if (req.kind === 'function') {
      const [job] = await tx.insert(jobs).values({ kind: 'function', source, functionName: req.function, input: req.input, priority: req.priority }).returning({ id: jobs.id });
      await appendEvent(tx, job!.id, 'job.queued', { function: req.function });
      await queue.add(tx, req.function, { nnJob: job!.id, input: req.input }, { jobKey: functionKey(job!.id) });
      return job!.id;
    }
    const bundleId = await putBundle(tx, req.files);
    return enqueueRenderJob(tx, queue, { source, ...origin, bundleId, entry: req.entry, project: req.project, sceneNames: req.scenes, options: req.options, priority: req.priority });
  });
}

/** A render job of a stored bundle, queued for planning (a new job, or a retry of one). */
export async function enqueueRenderJob(
  tx: Tx,
  queue: Queue,
  job: { source: string; trigger?: string; commit?: string; bundleId: string; entry: string; project?: string | null; sceneNames: string[]; options: RenderOptions; priority: number; retryOf?: string },
): Promise<string> {
  const [row] = await tx.insert(jobs).values({ kind: 'render', ...job }).returning({ id: jobs.id });
  await appendEvent(tx, row!.id, 'job.queued', { entry: job.entry, scenes: job.sceneNames, options: job.options, ...(job.retryOf ? { retryOf: job.retryOf } : {}) });
  await enqueuePlan(tx, queue, row!.id);
  return row!.id;
}

/** A job's plan in the queue: the one place it is added (`runAt`: offered again then). */
export async function enqueuePlan(tx: Tx, queue: Queue, jobId: string, runAt?: Date): Promise<void> {
  await queue.add(tx, 'plan', { jobId }, { jobKey: planKey(jobId), priority: -10, flags: [NEEDS_LATEX], runAt });
}

export async function getJobRow(db: Tx, id: string) {
  const [job] = await db.select().from(jobs).where(eq(jobs.id, id));
  return job;
}

/** A job with everything a user asks about it: per-scene and per-segment progress, nodes, outputs. */
export async function getJobDetail(db: Db, id: string) {
  const job = await getJobRow(db, id);
  if (!job) return undefined;
  const sceneRows = await db.select().from(scenes).where(eq(scenes.jobId, id)).orderBy(asc(scenes.position));
  const segRows = await db
    .select({ seg: segments, nodeName: nodes.name })
    .from(segments)
    .leftJoin(nodes, eq(nodes.id, segments.nodeId))
    .where(eq(segments.jobId, id))
    .orderBy(asc(segments.position));
  const outputs = await listArtifacts(db, { jobId: id, kind: 'output' });
  const ms = (a?: Date | null, b?: Date | null) => (a && b ? b.getTime() - a.getTime() : null);
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    source: job.source,
    trigger: job.trigger,
    commit: job.commit,
    entry: job.entry,
    project: job.project,
    function: job.functionName,
    options: job.options,
    priority: job.priority,
    retryOf: job.retryOf,
    retriedBy: (await db.select({ id: jobs.id }).from(jobs).where(eq(jobs.retryOf, id)).orderBy(asc(jobs.createdAt))).map((r) => r.id),
    result: job.result,
    error: job.error,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    wallMs: ms(job.createdAt, job.finishedAt),
    scenes: sceneRows.map((s) => {
      const segs = segRows.filter((r) => r.seg.sceneId === s.id);
      const framesDone = (seg: typeof segments.$inferSelect) => (seg.state === 'done' ? seg.frames : seg.framesDone);
      return {
        id: s.id,
        name: s.name,
        state: s.state,
        error: s.error,
        totalFrames: s.totalFrames,
        framesDone: segs.reduce((n, r) => n + framesDone(r.seg), 0),
        wallMs: ms(s.startedAt, s.finishedAt),
        /** Per play: served from the play cache, or rendered (and why it could not be cached). */
        plays: s.plan?.plays.map((p) => ({ index: p.index, cached: !!p.cached, ...(p.sliced ? { sliced: p.sliced } : {}), ...(p.uncachable ? { uncachable: p.uncachable } : {}) })) ?? [],
        outputs: outputs.filter((o) => o.sceneId === s.id).map((o) => ({ name: o.name, size: o.size, url: outputUrl(id, s.name, o.name) })),
        segments: segs.map(({ seg, nodeName }) => ({
          id: seg.id,
          plays: [seg.fromPlay, seg.toPlay] as [number, number],
          /** A slice of one play: its frames [from, to) of the play. */
          slice: segmentPieces(seg).slice ?? null,
          /** It starts at this frame of its first play (the previous share drew the frames before it). */
          head: segmentPieces(seg).head ?? null,
          /** It ends before this frame of its last play, and encodes that play. */
          tail: segmentPieces(seg).tail ?? null,
          /** Encodes its sliced play's partial movie file from the slices as they land. */
          encodes: seg.encodes,
          cost: seg.cost,
          frames: seg.frames,
          framesDone: framesDone(seg),
          state: seg.state,
          node: nodeName ?? seg.nodeId,
          attempts: seg.attempts,
          renderMs: ms(seg.startedAt, seg.finishedAt),
          startedAt: seg.startedAt,
          finishedAt: seg.finishedAt,
          error: seg.error,
          failures: seg.failures,
        })),
      };
    }),
  };
}
export type JobDetail = NonNullable<Awaited<ReturnType<typeof getJobDetail>>>;

export async function listJobs(db: Db, limit = 50, where: JobOrigin = {}) {
  return db
    .select({ id: jobs.id, kind: jobs.kind, state: jobs.state, source: jobs.source, trigger: jobs.trigger, commit: jobs.commit, entry: jobs.entry, function: jobs.functionName, priority: jobs.priority, retryOf: jobs.retryOf, createdAt: jobs.createdAt, finishedAt: jobs.finishedAt })
    .from(jobs)
    .where(and(where.trigger ? eq(jobs.trigger, where.trigger) : undefined, where.commit ? like(jobs.commit, `${where.commit}%`) : undefined))
    .orderBy(desc(jobs.createdAt))
    .limit(limit);
}

/** A function job starts when its function starts. */
export async function markFunctionJobStarted(db: Tx, jobId: string): Promise<void> {
  await db.update(jobs).set({ startedAt: sql`coalesce(${jobs.startedAt}, now())` }).where(eq(jobs.id, jobId));
}

/** Marks a job started the first time any of its work runs. */
export async function markJobRunning(tx: Tx, jobId: string): Promise<void> {
  const updated = await tx
    .update(jobs)
    .set({ state: 'running', startedAt: sql`coalesce(${jobs.startedAt}, now())` })
    .where(and(eq(jobs.id, jobId), eq(jobs.state, 'queued')))
    .returning({ id: jobs.id });
  if (updated.length) await appendEvent(tx, jobId, 'job.running');
}

export async function finishJob(tx: Tx, jobId: string, state: 'succeeded' | 'failed', extra: { result?: unknown; error?: JobError } = {}): Promise<void> {
  const updated = await tx
    .update(jobs)
    .set({ state, finishedAt: new Date(), ...extra })
    .where(and(eq(jobs.id, jobId), notInArray(jobs.state, [...TERMINAL_JOB_STATES])))
    .returning({ id: jobs.id });
  if (updated.length) await appendEvent(tx, jobId, `job.${state}`, extra.error ? { error: extra.error } : {});
}

/** A render job ends when every scene has ended; it failed if any scene failed. */
export async function finishRenderJobIfDone(tx: Tx, jobId: string): Promise<void> {
  // Scenes are opened one after another: the first may end before the next exists.
  if (!(await hasEvent(tx, jobId, 'job.planned'))) return;
  const rows = await tx.select({ state: scenes.state, name: scenes.name, error: scenes.error }).from(scenes).where(eq(scenes.jobId, jobId));
  if (!rows.length || rows.some((r) => !TERMINAL_SCENE_STATES.includes(r.state))) return;
  const failed = rows.filter((r) => r.state === 'failed');
  if (!failed.length) return finishJob(tx, jobId, 'succeeded');
  await finishJob(tx, jobId, 'failed', {
    error: { message: `${failed.length} of ${rows.length} scene(s) failed: ${failed.map((f) => `${f.name}: ${f.error?.message ?? 'failed'}`).join('; ')}` },
  });
}

/** Cancels a job: queued work is removed from the queue, running work stops at its next check. */
export async function cancelJob(db: Db, queue: Queue, id: string): Promise<'cancelled' | 'finished' | 'missing'> {
  return db.transaction(async (tx) => {
    const [job] = await tx.select().from(jobs).where(eq(jobs.id, id)).for('update');
    if (!job) return 'missing';
    if (TERMINAL_JOB_STATES.includes(job.state)) return 'finished';
    await tx.update(jobs).set({ state: 'cancelled', finishedAt: new Date() }).where(eq(jobs.id, id));
    await cancelOpenSegments(tx, queue, { jobId: id });
    const sceneRows = await tx.update(scenes).set({ state: 'cancelled' }).where(and(eq(scenes.jobId, id), notInArray(scenes.state, ['succeeded', 'failed']))).returning({ id: scenes.id });
    for (const key of [planKey(id), functionKey(id), ...sceneRows.map((s) => stitchKey(s.id))]) await queue.remove(tx, key);
    await appendEvent(tx, id, 'job.cancelled');
    return 'cancelled';
  });
}

export async function isJobOpen(db: Tx, jobId: string): Promise<boolean> {
  const job = await getJobRow(db, jobId);
  return !!job && !TERMINAL_JOB_STATES.includes(job.state);
}
