import { join, basename, extname } from 'node:path';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { defineFunction, type FunctionEnv } from '../src/function/define.ts';
import { jobs, nodes, scenes, segments, type JobError, type SegmentFailure } from '../src/db/schema.ts';
import type { Tx } from '../src/db/tx.ts';
import { segmentKey } from '../src/store/jobs.ts';
import { OPEN_SEGMENT_STATES, TERMINAL_JOB_STATES } from '../src/model/states.ts';
import { materializeBundle } from '../src/store/bundles.ts';
import { putArtifact } from '../src/store/artifacts.ts';
import { appendEvent } from '../src/store/events.ts';
import { failScene, OPEN_END, stitchIfComplete, UNKNOWN_START } from '../src/store/scenes.ts';
import { liveNodes } from '../src/store/nodes.ts';
import { extendSegment, handBack, recordProgress } from '../src/store/segments.ts';
import { RangeFiles } from '../src/driver/range-files.ts';
import { log } from '../src/lib/log.ts';
import { recordPlan } from '../src/planner/record-plan.ts';
import { shouldSteal } from '../src/planner/steal.ts';
import { renderResultSchema, type RenderResult } from '../src/driver/protocol.ts';
import { errorDetail } from '../src/driver/errors.ts';
import { posterFrom } from '../src/video/poster.ts';
import { contentType } from '../src/video/content-type.ts';
import { jobSignal } from '../src/function/job-signal.ts';
import { planSchema, type ScenePlan } from '../src/model/plan.ts';
import { SceneError } from '../src/model/errors.ts';

/** What a planning scout writes when its pass reaches the end: the plan and how far its copies go. */
const planFileSchema = planSchema.extend({ reach: z.number().int() });

interface Steering {
  jobId: string;
  segmentId: string;
  files: RangeFiles;
  seg: { fromPlay: number; toPlay: number };
  drop: AbortController;
  /** A planning scout's plan file, and the scene it plans. */
  planning?: { file: string; mediaDir: string; sceneId: string; name: string };
}

/**
 * Steers a running render through its range files: records how far it is, and when it reaches the
 * last play of its segment either takes the next segment while that is still queued (the render
 * goes on with no new set-up or fast-forward) or tells it to stop there. A lead or a scout learns
 * where its segment starts and ends when the scene's plan is cut (an event on the job); a planning
 * scout records that plan itself when its pass writes it. A segment that is dropped or cancelled
 * meanwhile aborts `drop`.
 */
function steer(env: FunctionEnv, { jobId, segmentId, files, seg, drop, planning }: Steering): () => void {
  const { db } = env.database;
  let end = seg.toPlay;
  let started = seg.fromPlay !== UNKNOWN_START;
  let final = false;
  let check = end === OPEN_END;
  let planned = !planning;
  let busy = false;
  let reported = { play: -1, frames: 0, at: 0 };
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      if (!planned && planning) {
        const text = await readFile(planning.file, 'utf8').catch(() => undefined);
        if (text !== undefined) {
          const { reach, ...plan } = planFileSchema.parse(JSON.parse(text));
          await recordPlan(env, jobId, planning.sceneId, planning.name, plan, planning.mediaDir, { segmentId, reach });
          planned = true;
          check = true;
        }
      }
      if (check) {
        check = false;
        const [row] = await db.select({ fromPlay: segments.fromPlay, toPlay: segments.toPlay, state: segments.state }).from(segments).where(eq(segments.id, segmentId));
        if (row?.state !== 'running') return drop.abort();
        if (!started && row.fromPlay !== UNKNOWN_START) await files.setStart(row.fromPlay);
        started = row.fromPlay !== UNKNOWN_START;
        if (row.toPlay !== OPEN_END) end = row.toPlay;
      }
      const at = await files.progress();
      if (!at) return;
      if ((at.play !== reported.play || at.frames !== reported.frames) && Date.now() - reported.at > 500) {
        reported = { play: at.play, frames: at.frames, at: Date.now() };
        await recordProgress(db, segmentId, at.play, at.frames);
      }
      if (end === OPEN_END || final || at.scouting || at.play < end) return;
      const next = env.config.segments.rebalance ? await db.transaction((tx) => extendSegment(tx, segmentId, env.nodeId)) : null;
      final = next === null;
      end = next ?? end;
      await files.setEnd(end, final);
    } finally {
      busy = false;
    }
  };
  const onEvent = () => {
    if (end === OPEN_END || !started) check = true;
  };
  env.events.on(jobId, onEvent);
  const timer = setInterval(() => void tick().catch((err) => log.warn({ err, segmentId }, 'steering a render failed')), 100);
  return () => {
    clearInterval(timer);
    env.events.off(jobId, onEvent);
  };
}

/**
 * Where a finished render's segment ends: a lead the planner has not cut yet keeps every play it
 * drew; a render that stopped short of its end keeps what it drew and hands the rest back.
 */
async function settleEnd(env: FunctionEnv, segmentId: string, drawn: number, plan: ScenePlan | undefined): Promise<number> {
  return env.database.db.transaction(async (tx) => {
    const [row] = await tx.select({ toPlay: segments.toPlay }).from(segments).where(eq(segments.id, segmentId)).for('update');
    if (!row) return drawn;
    if (row.toPlay === OPEN_END) {
      await tx.update(segments).set({ toPlay: drawn }).where(eq(segments.id, segmentId));
      return drawn;
    }
    if (drawn < row.toPlay && plan) {
      await handBack(tx, env.queue, segmentId, drawn, plan.plays);
      return drawn;
    }
    return row.toPlay;
  });
}

/** A lead or scout started before the plan existed: its frame counts must be the plan's, or the
 *  scene's timing depends on state the planning pass cannot see. */
async function checkAgainstPlan(tx: Tx, sceneId: string, result: RenderResult): Promise<void> {
  const [row] = await tx.select({ plan: scenes.plan }).from(scenes).where(eq(scenes.id, sceneId));
  if (!row?.plan) return;
  const planned = new Map(row.plan.plays.map((p) => [p.index, p.frames]));
  const off = result.partials.find((p) => planned.get(p.index) !== p.frames);
  if (off) {
    throw new SceneError({ type: 'PlanMismatch', message: `play ${off.index} drew ${off.frames} frames, the plan said ${planned.get(off.index)}: this scene's timing depends on state the planning pass can't see`, traceback: '', file: null, line: null });
  }
}

/** A lead that drew every play of a scene nobody planned (a lone render slot) gives it its plan. */
async function adoptPlan(tx: Tx, jobId: string, sceneId: string, name: string, plan: ScenePlan): Promise<void> {
  const adopted = await tx
    .update(scenes)
    .set({ state: 'rendering', plan, totalFrames: plan.totalFrames })
    .where(and(eq(scenes.id, sceneId), eq(scenes.state, 'planning'), isNull(scenes.plan)))
    .returning({ id: scenes.id });
  if (adopted.length) await appendEvent(tx, jobId, 'scene.planned', { scene: name, plays: plan.plays.length, frames: plan.totalFrames, segments: 1 });
}

type Row = { seg: typeof segments.$inferSelect; scene: typeof scenes.$inferSelect; job: typeof jobs.$inferSelect };

/** The plan's TeX and text SVGs, for the driver to put where manim looks for them: no LaTeX here. */
async function cacheFiles(env: FunctionEnv, plan: ScenePlan) {
  const sources = await env.tex.ensure(plan.texFiles);
  return plan.texFiles.map((path, i) => ({ path, source: sources[i]! }));
}

/**
 * A failed try: the segment is queued again, avoiding every node that failed it (as long as another
 * live render node exists), until the attempts run out; then the scene fails naming each node's error.
 */
async function retryOrFail(env: FunctionEnv, { seg, scene, job }: Row, error: JobError, permanent: boolean): Promise<void> {
  const { db } = env.database;
  const failures: SegmentFailure[] = [...seg.failures, { node: env.nodeId, error: error.message, at: new Date().toISOString() }];
  const final = permanent || seg.attempts + 1 >= env.config.maxAttempts;
  await db.transaction(async (tx) => {
    if (final) {
      const names = new Map((await liveNodes(tx)).map((n) => [n.id, n.name]));
      const who = failures.map((f) => `${f.nodeName ?? names.get(f.node) ?? f.node.slice(0, 8)}: ${f.error}`);
      const message = permanent ? error.message : `segment ${seg.position} (plays ${seg.fromPlay}-${seg.toPlay}) failed ${failures.length} time(s): ${who.join('; ')}`;
      await tx.update(segments).set({ state: 'failed', failures, error: { ...error, message } }).where(eq(segments.id, seg.id));
      await appendEvent(tx, job.id, 'segment.failed', { scene: scene.name, segment: seg.position, node: env.nodeId, error: message });
      await failScene(tx, scene.id, { ...error, message });
      return;
    }
    const failed = new Set(failures.map((f) => f.node));
    const others = (await liveNodes(tx)).filter((n) => n.functions.includes('render-segment') && !failed.has(n.id));
    await tx.update(segments).set({ state: 'queued', failures, error: { ...error, node: env.nodeId } }).where(eq(segments.id, seg.id));
    await env.queue.add(tx, 'render-segment', { segmentId: seg.id }, { jobKey: segmentKey(seg.id), flags: others.length ? [...failed].map((n) => `avoid:${n}`) : [] });
    await appendEvent(tx, job.id, 'segment.retry', { scene: scene.name, segment: seg.position, node: env.nodeId, error: error.message, attempt: seg.attempts + 1 });
  });
}

/**
 * A queued segment that a running render reaches sooner by going on into it than this slot would
 * after its set-up and fast-forward waits for it (the queue offers it again later, in case that
 * render stops); see shouldSteal.
 */
async function deferred(env: FunctionEnv, { seg, scene }: Row, plan: ScenePlan | undefined): Promise<boolean> {
  if (!env.config.segments.rebalance || seg.fromPlay <= 0 || !plan) return false;
  const { db } = env.database;
  const before = await db
    .select({ toPlay: segments.toPlay, state: segments.state, atPlay: segments.atPlay, goesOn: sql<boolean>`coalesce(${nodes.state} = 'online', false)` })
    .from(segments)
    .leftJoin(nodes, eq(nodes.id, segments.nodeId))
    .where(eq(segments.sceneId, scene.id));
  const steal = shouldSteal(plan.plays, plan.width * plan.height, seg, before, env.config.segments.setupSeconds);
  if (steal.take) return false;
  await db.transaction((tx) =>
    env.queue.add(tx, 'render-segment', { segmentId: seg.id }, {
      jobKey: segmentKey(seg.id),
      runAt: new Date(Date.now() + steal.retryInSeconds * 1000),
      flags: seg.failures.map((f) => `avoid:${f.node}`),
    }),
  );
  return true;
}

/**
 * Renders one segment (plays A..B of a scene) after an exact fast-forward over the plays before A,
 * and stores its partial movie files (or numbered PNG frames) and a poster frame in Postgres.
 */
export default defineFunction({
  name: 'render-segment',
  input: z.object({ segmentId: z.uuid() }),
  async run({ segmentId }, env) {
    const { db } = env.database;
    const [row] = await db
      .select({ seg: segments, scene: scenes, job: jobs })
      .from(segments)
      .innerJoin(scenes, eq(scenes.id, segments.sceneId))
      .innerJoin(jobs, eq(jobs.id, segments.jobId))
      .where(eq(segments.id, segmentId));
    // Gone: another segment's render went on into its plays (extendSegment), or the job was deleted.
    if (!row) return { skipped: true };
    const { seg, scene, job } = row;
    if (TERMINAL_JOB_STATES.includes(job.state) || !OPEN_SEGMENT_STATES.includes(seg.state)) return { skipped: true };

    const plan = scene.plan ?? undefined;
    if (seg.state === 'queued' && (await deferred(env, row, plan))) return { deferred: true };

    const started = new Date();
    const claimed = await db.transaction(async (tx) => {
      // A cancelled, done or failed segment does not start again. One still marked running is the
      // queue's retry of an attempt whose ending was lost (the database was away): the queue's lock,
      // not this column, says who runs it, and the earlier attempt can no longer commit.
      const rows = await tx
        .update(segments)
        .set({ state: 'running', nodeId: env.nodeId, attempts: sql`${segments.attempts} + 1`, startedAt: started, error: null })
        .where(and(eq(segments.id, segmentId), inArray(segments.state, [...OPEN_SEGMENT_STATES])))
        .returning({ id: segments.id });
      if (rows.length) await appendEvent(tx, job.id, 'segment.started', { scene: scene.name, segment: seg.position, plays: [seg.fromPlay, seg.toPlay], node: env.nodeId });
      return rows.length > 0;
    });
    if (!claimed) return { skipped: true };
    // Started before the plan: a lead from play 0, or a scout that learns its start later.
    const open = seg.toPlay === OPEN_END;
    const scout = seg.fromPlay === UNKNOWN_START;

    const cwd = await materializeBundle(db, job.bundleId!, join(env.workDir, 'bundles'));
    const work = join(env.workDir, 'segments', `${segmentId}-${seg.attempts}`);
    const cancel = jobSignal(env, job.id);
    const drop = new AbortController();
    try {
      const request = {
        file: join(cwd, job.entry!), cwd, scene: scene.name, options: job.options,
        mediaDir: join(work, 'media'), from: scout ? 0 : seg.fromPlay,
      };
      const range = new RangeFiles(join(work, 'stop'), join(work, 'progress'), join(work, 'start'));
      await mkdir(work, { recursive: true });
      // A lead has no end yet; any other segment may go on into the next one (see steer).
      if (!open) await range.setEnd(seg.toPlay, !env.config.segments.rebalance);
      // A planning scout plans until the plan is recorded; retried after that, it renders its share.
      const planFile = seg.plans && scout ? join(work, 'plan.json') : undefined;
      const planning = planFile ? { file: planFile, mediaDir: request.mediaDir, sceneId: scene.id, name: scene.name } : undefined;
      const stopSteering = steer(env, { jobId: job.id, segmentId, files: range, seg, drop, planning });
      const result = await env.driver
        .call(
          'render',
          {
            ...request,
            texCache: env.tex.dir,
            to: OPEN_END,
            stopFile: range.stopFile,
            progressFile: range.progressFile,
            ...(scout ? { startFile: range.startFile } : {}),
            ...(planFile ? { planFile } : {}),
            ...(open ? {} : { expect: plan!.plays.map((p) => ({ index: p.index, frames: p.frames })), cacheFiles: await cacheFiles(env, plan!) }),
          },
          renderResultSchema,
          AbortSignal.any([cancel.signal, drop.signal]),
        )
        .finally(stopSteering);
      const toPlay = await settleEnd(env, segmentId, result.lastPlay, plan);
      result.partials = result.partials.filter((p) => p.index <= toPlay);
      const files = [
        ...result.partials.map((p) => ({ kind: 'partial' as const, name: `${p.index}${extname(p.path)}`, position: p.index, path: p.path })),
        ...result.frames.map((f) => ({ kind: 'frame' as const, name: `${scene.name}/${basename(f.path)}`, position: f.index, path: f.path })),
      ];
      const last = files.at(-1);
      const poster = last ? await posterFrom(last.path) : undefined;
      await db.transaction(async (tx) => {
        // The scene first: two segments finishing together would each hold a key-share lock on it
        // (their artifacts reference it) and deadlock upgrading to stitchIfComplete's update lock.
        await tx.select({ id: scenes.id }).from(scenes).where(eq(scenes.id, scene.id)).for('update');
        const [now] = await tx.select({ state: segments.state, nodeId: segments.nodeId }).from(segments).where(eq(segments.id, segmentId)).for('update');
        // Cancelled, or taken back and given to another node while this one was presumed dead: keep theirs.
        if (now?.state !== 'running' || now.nodeId !== env.nodeId) return;
        if (open) await checkAgainstPlan(tx, scene.id, result);
        if (open && result.plan) await adoptPlan(tx, job.id, scene.id, scene.name, result.plan);
        for (const f of files) {
          await putArtifact(tx, { jobId: job.id, sceneId: scene.id, segmentId, kind: f.kind, name: f.name, position: f.position, contentType: contentType(f.path), bytes: await readFile(f.path) });
        }
        if (poster) await putArtifact(tx, { jobId: job.id, sceneId: scene.id, segmentId, kind: 'poster', name: `poster-${seg.position}.webp`, position: seg.position, contentType: 'image/webp', bytes: poster });
        const frames = result.partials.reduce((n, p) => n + p.frames, 0) || result.frames.length;
        await tx.update(segments).set({ state: 'done', finishedAt: new Date(), framesDone: frames, ...(open ? { frames } : {}) }).where(and(eq(segments.id, segmentId), eq(segments.state, 'running')));
        await appendEvent(tx, job.id, 'segment.done', { scene: scene.name, segment: seg.position, frames, node: env.nodeId, ms: Date.now() - started.getTime() });
        await stitchIfComplete(tx, env.queue, scene.id);
      });
      return { partials: result.partials.length, frames: result.frames.length };
    } catch (err) {
      // Shutting down: the queue gives this segment to another node; it is not this node's failure.
      if (env.signal.aborted) throw err;
      if (cancel.signal.aborted) return { cancelled: true };
      if (drop.signal.aborted) return { dropped: true };
      // A scene that raises raises on every node: fail it now instead of retrying.
      const permanent = err instanceof SceneError && err.detail.type !== 'WorkerCrashed';
      const error = err instanceof SceneError ? errorDetail(err, cwd) : { message: err instanceof Error ? err.message : String(err) };
      await retryOrFail(env, row, error, permanent);
      return { failed: error.message };
    } finally {
      cancel.release();
      await rm(work, { recursive: true, force: true });
    }
  },
});
