import { join, basename, extname } from 'node:path';
import { mkdir, rm } from 'node:fs/promises';
import { z } from 'zod';
import { defineFunction, type FunctionEnv } from '../src/function/define.ts';
import { jobSignal } from '../src/function/job-signal.ts';
import { OPEN_SEGMENT_STATES, TERMINAL_JOB_STATES } from '../src/model/states.ts';
import { drawnElsewhere, segmentPieces, type ScenePlan, type SegmentCut } from '../src/model/plan.ts';
import { sliceName } from '../src/store/slices.ts';
import { SceneError, isSceneFault } from '../src/model/errors.ts';
import { materializeBundle } from '../src/store/bundles.ts';
import { claimSegment, deferSegment, segmentWithJob, stealable, type SegmentWithJob } from '../src/store/segments/claim.ts';
import { finishSegment } from '../src/store/segments/finish.ts';
import { retryOrFail } from '../src/store/segments/retry.ts';
import { settleEnd } from '../src/store/segments/running.ts';
import { askSplit } from '../src/store/segments/split.ts';
import { log } from '../src/lib/log.ts';
import { replanScene } from '../src/store/segments/replan.ts';
import { OPEN_END, UNKNOWN_START } from '../src/store/segments/range.ts';
import { RangeFiles } from '../src/driver/range-files.ts';
import { renderResultSchema } from '../src/driver/protocol.ts';
import { errorDetail } from '../src/driver/errors.ts';
import { segmentWallSeconds } from '../src/driver/limits.ts';
import { HEARTBEAT_MS, takesWork } from '../src/store/nodes.ts';
import { steerRender } from '../src/render/steer.ts';
import { posterFrom } from '../src/video/poster.ts';
import { contentType } from '../src/video/content-type.ts';
import { cachedKeys, storePlays } from '../src/store/play-cache.ts';
import { encodeSlices, EncoderHandedOff, EncoderYielded, type Encoded } from '../src/render/encode-slices.ts';

/**
 * A queued segment waits in the queue when this node was told to pause or drain (its runner stops
 * only at its next heartbeat), or when a running render ends it sooner than this slot would after
 * its set-up and fast-forward: by going on into it, or, on a faster machine, once it is free (the
 * queue offers it again about then, and that machine's free slot wakes it); see shouldSteal.
 */
async function deferred(env: FunctionEnv, { seg }: SegmentWithJob, plan: ScenePlan | undefined, offers: number): Promise<boolean> {
  if (!(await takesWork(env.database.db, env.nodeId))) {
    await deferSegment(env.database.db, env.queue, seg.id, new Date(Date.now() + HEARTBEAT_MS), env.lease);
    return true;
  }
  if (!env.config.segments.rebalance) return false;
  const steal = await stealable(env.database.db, seg, plan, env.config.segments.setupSeconds, env.nodeId, { offers });
  if (steal.take) return false;
  await deferSegment(env.database.db, env.queue, seg.id, new Date(Date.now() + steal.retryInSeconds * 1000), env.lease, steal.waitsFor === 'machine' ? offers + 1 : 0);
  return true;
}

/**
 * Renders one segment (plays A..B of a scene) after an exact fast-forward over the plays before A,
 * and stores its partial movie files (or numbered PNG frames) and a poster frame in Postgres. A slice
 * of a play stores its frames of the play, losslessly, for the play's encoder segment, which encodes
 * the play's partial movie file from them as they land.
 */
export default defineFunction({
  name: 'render-segment',
  // offers: how many times in a row it was left to a faster machine (claim.ts's MACHINE_OFFERS)
  input: z.object({ segmentId: z.uuid(), offers: z.number().int().nonnegative().default(0) }),
  async run({ segmentId, offers }, env) {
    const { db } = env.database;
    const row = await segmentWithJob(db, segmentId);
    // Gone: another segment's render went on into its plays (extendSegment), or the job was deleted.
    if (!row) return { skipped: true };
    const { seg, scene, job } = row;
    if (TERMINAL_JOB_STATES.includes(job.state) || !OPEN_SEGMENT_STATES.includes(seg.state)) return { skipped: true };

    const plan = scene.plan ?? undefined;
    if (seg.state === 'queued' && (await deferred(env, row, plan, offers))) return { deferred: true };

    const started = new Date();
    if (!(await claimSegment(db, env.queue, row, env.nodeId, started, env.lease))) return { skipped: true };
    // Started before the plan: a lead from play 0, or a scout that learns its start later.
    const open = seg.toPlay === OPEN_END;
    const scout = seg.fromPlay === UNKNOWN_START;
    // A slice of one play, or the last frames of the play the segment starts inside (segmentPieces).
    const pieces = segmentPieces(seg);
    const firstFrames = plan?.plays.find((p) => p.index === seg.fromPlay)?.frames;
    const slice = !plan ? undefined
      : pieces.slice ? { first: pieces.slice[0], end: pieces.slice[1], playFrames: firstFrames ?? pieces.slice[1] }
      : pieces.head !== undefined && firstFrames !== undefined ? { first: pieces.head, end: firstFrames, playFrames: firstFrames } : undefined;
    const video = job.options.format !== 'png-sequence';

    const work = join(env.workDir, 'segments', `${segmentId}-${seg.attempts}`);
    const cancel = jobSignal(env, job.id);
    const drop = new AbortController();
    // Everything after the claim is in here: an error that escaped would have the queue run the job
    // again, and a second start of a running segment would record no failed try.
    let cwd = '';
    try {
      cwd = await materializeBundle(db, job.bundleId!, join(env.workDir, 'bundles'));
      const request = {
        file: join(cwd, job.entry!), cwd, scene: scene.name, options: job.options,
        mediaDir: join(work, 'media'), from: scout ? 0 : seg.fromPlay,
        // the plays this render keys for the play cache start from a full render's state to the bit
        keyed: job.options.cache !== 'off',
      };
      const range = new RangeFiles(join(work, 'stop'), join(work, 'progress'), join(work, 'start'), join(work, 'cut'), join(work, 'join.bin'));
      await mkdir(work, { recursive: true });
      if (seg.encodes) {
        // a sliced play's encoder: its partial movie file, from the slices as they land
        const encoded = await encodeSlices(env, row, { cwd, work }, cancel.signal, drop);
        const key = plan?.plays.find((p) => p.index === seg.fromPlay)?.key;
        if (job.options.cache !== 'off' && key) await storePlays(db, scene.name, [{ path: encoded.path, key }], env.config.cache.maxBytes);
        const partial = { kind: 'partial' as const, name: `${seg.fromPlay}${extname(encoded.path)}`, position: seg.fromPlay, contentType: contentType(encoded.path), path: encoded.path };
        await finishSegment(db, env.queue, row, env.nodeId, { open: false, partials: [], lastPlay: seg.toPlay, stopped: false, frames: 0, artifacts: [partial], started });
        return { encoded: encoded.frames };
      }
      // A lead has no end yet; any other segment may go on into the next one (see steerRender).
      if (!open) await range.setEnd(seg.toPlay, !env.config.segments.rebalance || !!pieces.slice, pieces.tail);
      // A planning scout plans until the plan is recorded; retried after that, it renders its share.
      const planFile = seg.plans && scout ? join(work, 'plan.json') : undefined;
      const planning = planFile ? { file: planFile, mediaDir: request.mediaDir, sceneId: scene.id, name: scene.name } : undefined;
      const headFile = join(work, 'slice.bin');
      // Plays of its range the play cache holds are served from it, not drawn: a scene cut from an
      // earlier render's plan learns which only as each play is keyed (a warm pass marked them in `skip`).
      const serve = plan && video && !pieces.slice && job.options.cache !== 'off' ? await cachedKeys(db, scene.name) : [];
      const steering = steerRender(env, { jobId: job.id, sceneId: scene.id, segmentId, files: range, seg, video, drop, planning, ...(video ? { headFile } : {}) });
      const result = await env.driver
        .call(
          'render',
          {
            ...request,
            texCache: env.tex.dir,
            to: OPEN_END,
            stopFile: range.stopFile,
            progressFile: range.progressFile,
            // a scout may learn that it starts inside a play (its start file says so): its head goes here
            ...(scout ? { startFile: range.startFile, ...(video ? { headFile } : {}) } : {}),
            ...(planFile ? { planFile } : {}),
            // A lead whose end was settled before there was a plan (its node then died before it
            // finished) draws those plays again, with no plan to check them against yet.
            ...(open || !plan ? {} : { expect: plan.plays.map((p) => ({ index: p.index, frames: p.frames })), cacheFiles: await env.tex.cacheFiles(plan.texFiles) }),
            // plays served from the play cache or drawn in slices: fast-forwarded, not drawn, wherever this render goes
            ...(plan?.plays.some(drawnElsewhere) && !pieces.slice ? { skip: plan.plays.filter(drawnElsewhere).map((p) => p.index) } : {}),
            ...(slice ? { slice: { ...slice, ...(video ? { file: headFile } : {}) } } : {}),
            ...(serve.length ? { serve } : {}),
            // where its last play's first frames go when it ends inside that play (told by the stop file)
            ...(video && !pieces.slice ? { tailFile: join(work, 'tail.bin') } : {}),
            // a split inside the play it draws (steerRender asks it): not of a slice, which ends where it says
            ...(!pieces.slice ? { cutFile: range.cutFile, joinFile: range.joinFile } : {}),
          },
          renderResultSchema,
          AbortSignal.any([cancel.signal, drop.signal]),
          segmentWallSeconds(env.config.limits, plan, seg.fromPlay, seg.toPlay),
        )
        .finally(steering.stop);
      const toPlay = await settleEnd(db, env.queue, segmentId, env.nodeId, result.lastPlay);
      result.partials = result.partials.filter((p) => p.index <= toPlay);
      result.served = result.served.filter((p) => p.index <= toPlay);
      // It drew the first frames of its last play: it encodes the play, or leaves that to an encoder segment.
      const drewTail = result.tail?.path ? { play: result.tail.play, path: result.tail.path } : undefined;
      const tail = drewTail && (await encodeTail(env, row, { cwd, work }, drewTail, AbortSignal.any([cancel.signal, drop.signal]), drop));
      const encoded = tail && 'encoded' in tail ? { ...drewTail!, partial: tail.encoded.path } : undefined;
      const handOff = tail && 'handOff' in tail ? tail.handOff : undefined;
      const files = [
        ...result.partials.map((p) => ({ kind: 'partial' as const, name: `${p.index}${extname(p.path)}`, position: p.index, path: p.path })),
        ...result.frames.map((f) => ({ kind: 'frame' as const, name: `${scene.name}/${basename(f.path)}`, position: f.index, path: f.path })),
        // named by the play's frame it starts at: the stitch encodes a play's slices in that order
        // a head the steering stored as soon as the render was past its play is stored already
        ...(result.slice && !steering.headStored() ? [{ kind: 'slice' as const, name: sliceName(result.slice.play, result.slice.first), position: result.slice.play, path: result.slice.path }] : []),
        ...(encoded ? [{ kind: 'partial' as const, name: `${encoded.play}${extname(encoded.partial)}`, position: encoded.play, path: encoded.partial }] : []),
        ...(handOff && drewTail ? [{ kind: 'slice' as const, name: sliceName(drewTail.play, 0), position: drewTail.play, path: drewTail.path }] : []),
      ];
      // Every drawn play the render could key goes into the farm's play cache (store/play-cache.ts).
      const tailKey = encoded && plan?.plays.find((p) => p.index === encoded.play)?.key;
      if (job.options.cache !== 'off') await storePlays(db, scene.name, [...result.partials, ...(encoded && tailKey ? [{ path: encoded.partial, key: tailKey }] : [])], env.config.cache.maxBytes);
      // A lead that drew a whole scene may give it its plan (no planning pass then shares the scene's
      // SVGs): they go to the cluster from here, for its stitch (a still's one image) and later renders.
      if (open && result.plan) await env.tex.shareFromPlan(result.plan.texFiles, request.mediaDir);
      const last = result.tail?.poster ?? [...result.partials, ...result.frames].at(-1)?.path ?? result.slice?.poster;
      const poster = last ? await posterFrom(last) : undefined;
      await finishSegment(db, env.queue, row, env.nodeId, {
        open,
        partials: result.partials,
        forwarded: result.forwarded,
        served: result.served,
        lastPlay: result.lastPlay,
        // a render that ended inside its last play did not see whether the scene has a play after it
        stopped: result.stopped && !result.tail,
        plan: result.plan,
        ...(result.ending ? { ending: result.ending } : {}),
        frames: result.frames.length || result.partials.reduce((n, p) => n + p.frames, 0) + (result.slice?.frames ?? 0) + (result.tail?.frames ?? 0),
        artifacts: [
          ...files.map((f) => ({ kind: f.kind, name: f.name, position: f.position, contentType: contentType(f.path), path: f.path })),
          ...(poster ? [{ kind: 'poster' as const, name: `poster-${seg.position}.webp`, position: seg.position, contentType: 'image/webp', bytes: poster }] : []),
        ],
        started,
        ...(handOff ? { handOff: [handOff] } : {}),
      });
      // This slot is free: when no segment is left to take, the render that ends last may end early (split.ts).
      // (After the segment is done: a failed ask is no failure of it.)
      if (env.config.segments.rebalance) await askFreeSlotSplit(env);
      return { partials: result.partials.length, frames: result.frames.length };
    } catch (err) {
      // Shutting down: the queue gives this segment to another node; it is not this node's failure.
      if (env.signal.aborted) throw err;
      if (cancel.signal.aborted) return { cancelled: true };
      if (drop.signal.aborted) return { dropped: true };
      if (err instanceof EncoderYielded) return { yielded: true };
      // A cheap plan found wrong is repaired: the scene is planned again exactly.
      if (err instanceof SceneError && err.detail.type === 'PlanMismatch' && (await replanScene(db, env.queue, scene.id, segmentId, err.message))) {
        return { replanned: true };
      }
      // A scene that raises raises on every node: fail it now instead of retrying.
      const permanent = isSceneFault(err);
      const error = err instanceof SceneError ? errorDetail(err, cwd) : { message: err instanceof Error ? err.message : String(err) };
      await retryOrFail(db, env.queue, row, env.nodeId, error, { permanent, maxAttempts: env.config.maxAttempts });
      return { failed: error.message };
    } finally {
      cancel.release();
      await rm(work, { recursive: true, force: true });
    }
  },
});

async function askFreeSlotSplit(env: FunctionEnv): Promise<void> {
  const { db } = env.database;
  try {
    if (await takesWork(db, env.nodeId)) await askSplit(db, env.queue, env.nodeId, env.config.segments.setupSeconds);
  } catch (err) {
    log.warn({ err }, 'asking a running segment to split failed');
  }
}

/**
 * A segment that ends inside its last play encodes the play's partial movie file: its own first
 * frames of it (`tail`), then the pieces of the next share as they land. When a piece is not
 * being drawn it does not hold its slot waiting: it stores its frames and queues an encoder segment.
 */
async function encodeTail(env: FunctionEnv, row: SegmentWithJob, request: { cwd: string; work: string }, tail: { play: number; path: string }, signal: AbortSignal, drop: AbortController): Promise<{ encoded: Encoded } | { handOff: SegmentCut }> {
  const { play } = tail;
  try {
    return { encoded: await encodeSlices(env, row, request, signal, drop, tail) };
  } catch (err) {
    if (!(err instanceof EncoderHandedOff)) throw err;
    const frames = row.scene.plan?.plays.find((p) => p.index === play)?.frames ?? 0;
    return { handOff: { fromPlay: play, toPlay: play, fromFrame: 0, toFrame: frames, frames: 0, cost: 0, priority: -1, encodes: true } };
  }
}
