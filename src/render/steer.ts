import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { z } from 'zod';
import type { FunctionEnv } from '../function/define.ts';
import { planSchema, segmentPieces } from '../model/plan.ts';
import type { RangeFiles } from '../driver/range-files.ts';
import { recordPlan } from '../store/plans.ts';
import { OPEN_END, UNKNOWN_START } from '../store/segments/range.ts';
import { extendSegment, recordProgress, segmentHead, segmentRange } from '../store/segments/running.ts';
import { answerSplit, takeCutBack } from '../store/segments/split.ts';
import { fetchSlice, sliceStored, storeHead } from '../store/slices.ts';
import { log } from '../lib/log.ts';
import { sliceStreamer } from './stream-slice.ts';

/** How often a render is looked at when its files report no change. */
const FALLBACK_MS = 1_000;
/** Longest a stopped steering waits for its last tick. */
const STOP_WAIT_MS = 5_000;
/** How often a render cut inside a play looks for the rest of the play. */
const JOIN_LOOK_MS = 250;
/** A cut whose rest no slot has taken after this long is taken back: the render draws on. */
const UNTAKEN_MS = 10_000;

/** What a planning scout writes when its pass reaches the end: the plan and how far its copies go. */
const planFileSchema = planSchema.extend({ reach: z.number().int() });

export interface Steering {
  jobId: string;
  sceneId: string;
  segmentId: string;
  files: RangeFiles;
  seg: { fromPlay: number; toPlay: number; fromFrame: number | null; toFrame: number | null; encodes: boolean };
  /** It makes a video (a cut play's rest lands as frames for its encoder), not PNG frames. */
  video: boolean;
  drop: AbortController;
  /** A planning scout's plan file, and the scene it plans. */
  planning?: { file: string; mediaDir: string; sceneId: string; name: string };
  /** Where a video's slice, or share that starts inside a play (now, or a scout told so), draws
   *  that play's frames: streamed to the store as they are drawn, and a share's stored whole as soon
   *  as the render goes past the play (storeHead). */
  headFile?: string;
}

/**
 * Steers a running render through its range files: records how far it is, and when it reaches the
 * last play of its segment either takes the next segment while that is still queued (the render
 * goes on with no new set-up or fast-forward) or tells it to stop there. A lead or a scout learns
 * where its segment starts and ends when the scene's plan is cut (an event on the job); a planning
 * scout records that plan itself when its pass writes it. A share that starts inside a play has
 * that play's frames stored as soon as the render is past it. A segment that is dropped or cancelled
 * meanwhile aborts `drop`. Returns the function that stops steering (once a tick under way ends),
 * and whether the head was stored.
 */
export function steerRender(env: FunctionEnv, { jobId, sceneId, segmentId, files, seg, video, drop, planning, headFile }: Steering): { stop: () => Promise<void>; headStored: () => boolean } {
  const { db } = env.database;
  let end = seg.toPlay;
  // it ends inside its last play: the render draws that play's frames before this one (boundary.ts)
  let tail = segmentPieces(seg).tail;
  // it starts inside its first play, whose frames from `first` it draws first (boundary.ts), or it
  // is a slice of one play
  const headOf = (row: Steering['seg']) => {
    const pieces = segmentPieces(row);
    const first = pieces.head ?? pieces.slice?.[0];
    return first === undefined ? undefined : { play: row.fromPlay, first, slice: pieces.slice !== undefined };
  };
  let head = headOf(seg);
  let headStored = false;
  let streamer: { key: string; push: () => Promise<void> } | undefined;
  let started = seg.fromPlay !== UNKNOWN_START;
  let final = false;
  let check = end === OPEN_END;
  let planned = !planning;
  let reported = { play: -1, frames: 0, at: 0 };
  // A free slot asked the render to end after play `at` (store/segments/split.ts). The stop file is
  // set to end there before the progress file is read: a render that has not started a later play
  // by then stops there. One that has goes on to its end, and the stop file says so again. The plays
  // after it (and a tail of the last) are the free slot's; at `at` the render may still go on into them.
  const answerSplitAt = async (at: number, from: number) => {
    const open = end !== OPEN_END && at < end;
    if (open) await files.setEnd(at, false);
    let split = false;
    try {
      const now = open ? await files.progress() : undefined;
      split = await answerSplit(db, env.queue, segmentId, env.nodeId, { at, past: !open || (now?.play ?? -1) > at });
    } finally {
      if (split) [end, final, tail] = [at, false, undefined];
      else if (open) await files.setEnd(end, final, tail);
    }
    // taken over whole while it was still fast-forwarding to its share: it stops here
    if (split && at < from) drop.abort();
  };
  // A split inside the play the render is drawing (live_cut.py): asked of the render itself, which
  // stops drawing at the frame it answers with; the rest is queued, and its first frames, once
  // stored, go to the render for the play's encoder. Taken back when no slot takes the rest.
  let joining: Promise<void> | undefined;
  const answerCutAt = async (at: number, frame: number, latest: number) => {
    const made = await files.askCut(at, frame, latest);
    let split = false;
    const before = { end, final, tail };
    try {
      if (made !== undefined) await files.setEnd(at, true);
      split = await answerSplit(db, env.queue, segmentId, env.nodeId, { at, frame: made ?? frame, past: made === undefined });
    } finally {
      if (!split) {
        if (made !== undefined) await files.setEnd(before.end, before.final, before.tail);
        await files.takeCutBack();
      }
    }
    if (!split) return;
    [end, final, tail] = [at, true, undefined];
    joining = joinRest(at, made!, before);
  };
  const joinRest = async (play: number, frame: number, before: { end: number; final: boolean; tail: number | undefined }) => {
    if (!video) return files.join();
    const since = Date.now();
    while (!stopped) {
      try {
        if (await sliceStored(db, sceneId, play, frame)) return await fetchSlice(db, sceneId, play, frame, files.joinFile);
        if (Date.now() - since > UNTAKEN_MS && (await takeCutBack(db, env.queue, segmentId, env.nodeId, { at: play, frame }))) {
          [end, final, tail] = [before.end, before.final, before.tail];
          await files.setEnd(end, final, tail);
          return await files.takeCutBack();
        }
      } catch (err) {
        log.warn({ err, segmentId }, 'joining the rest of a cut play failed; trying again');
      }
      await new Promise((r) => setTimeout(r, JOIN_LOOK_MS));
    }
  };
  const tick = async () => {
    if (!planned && planning) {
      const text = await readFile(planning.file, 'utf8').catch(() => undefined);
      if (text !== undefined) {
        const { reach, ...plan } = planFileSchema.parse(JSON.parse(text));
        await env.tex.shareFromPlan(plan.texFiles, planning.mediaDir);
        await recordPlan(db, env.queue, env.config.segments, jobId, planning.sceneId, planning.name, plan, { segmentId, reach });
        planned = true;
        check = true;
      }
    }
    if (check) {
      check = false;
      // a look that failed (the database restarting) is made again; an event meanwhile asks again
      const row = await segmentRange(db, segmentId).catch((err: unknown) => {
        check = true;
        throw err;
      });
      // Dropped, cancelled, or taken back from this node (presumed dead) and given to another.
      if (row?.state !== 'running' || row.nodeId !== env.nodeId) return drop.abort();
      if (!started && row.fromPlay !== UNKNOWN_START) await files.setStart(row.fromPlay, await segmentHead(db, segmentId));
      started = row.fromPlay !== UNKNOWN_START;
      if (row.toPlay !== OPEN_END) end = row.toPlay;
      tail = segmentPieces(row).tail;
      head = headOf(row);
      if (row.splitAt !== null && row.splitFrame !== null) await answerCutAt(row.splitAt, row.splitFrame, row.splitLatest ?? row.splitFrame);
      else if (row.splitAt !== null) await answerSplitAt(row.splitAt, row.fromPlay);
    }
    // An end inside a play is final, and the render must know it before it starts that play.
    if (tail !== undefined && !final && end !== OPEN_END) {
      final = true;
      await files.setEnd(end, true, tail);
    }
    const at = await files.progress();
    if (!at) return;
    // Its head's frames go to the store as they are drawn, for the play's encoder.
    if (head && headFile && !headStored && !at.scouting) {
      const key = `${head.play}:${head.first}`;
      if (streamer?.key !== key) streamer = { key, push: sliceStreamer(db, { segmentId, nodeId: env.nodeId, play: head.play, fromFrame: head.first }, headFile) };
      await streamer.push();
    }
    // Past the play it starts inside: that play's frames are complete (the render closed its file).
    // (A failed store, the database away, is tried again next tick; one still under way when the
    // render ends leaves it to the segment's end, which stores the same frames.)
    if (head && !head.slice && headFile && !headStored && !at.scouting && at.play > head.play) {
      headStored = await storeHead(db, { segmentId, nodeId: env.nodeId, play: head.play, fromFrame: head.first }, headFile);
    }
    // Frames drawn inside a play matter only to a lead the scene is not cut for yet (the cut
    // counts what it has left of its play): other renders report at play starts, which keeps a
    // large farm's writes few.
    const moved = at.play !== reported.play || (end === OPEN_END && at.frames !== reported.frames);
    if (moved && Date.now() - reported.at > 500) {
      reported = { play: at.play, frames: at.frames, at: Date.now() };
      await recordProgress(db, segmentId, env.nodeId, at);
    }
    if (end === OPEN_END || final || at.scouting || at.play < end) return;
    const next = env.config.segments.rebalance && tail === undefined ? await extendSegment(db, env.queue, segmentId, env.nodeId, env.config.segments.setupSeconds) : null;
    final = next === null || next.tail !== undefined;
    end = next?.toPlay ?? end;
    tail = next ? next.tail : tail;
    await files.setEnd(end, final, tail);
  };
  // One tick at a time; what asks meanwhile gets one more tick after it, so no change is missed.
  let ticking: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const kick = () => {
    if (stopped) return;
    if (ticking) return void (again = true);
    ticking = (async () => {
      do {
        again = false;
        await tick().catch((err: unknown) => log.warn({ err, segmentId }, 'steering a render failed'));
      } while (again && !stopped);
    })().finally(() => (ticking = undefined));
  };
  // Any event of the job may be the plan's cut, or a split asked of this render.
  const onEvent = () => {
    check = true;
    kick();
  };
  env.events.on(jobId, onEvent);
  // The render replaces its progress file as it starts each play and while it draws (and a
  // planning scout writes its plan beside it): watched, the node answers at once and reads nothing
  // in between. The slow timer covers a filesystem that reports no changes, and looks that failed.
  const watched = new Set([basename(files.progressFile), ...(planning ? [basename(planning.file)] : [])]);
  const watcher = watch(dirname(files.progressFile), (_type, name) => name && watched.has(name) && kick());
  watcher.on('error', () => {});
  const timer = setInterval(kick, FALLBACK_MS);
  kick();
  // Waits for a tick under way: the render's directory is removed after this, and a tick still
  // writing the stop file into it would fail. Not past a few seconds: a tick may wait on a
  // database that is away.
  const stop = async () => {
    stopped = true;
    clearInterval(timer);
    watcher.close();
    env.events.off(jobId, onEvent);
    await Promise.race([Promise.all([ticking, joining]), new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
  };
  return { stop, headStored: () => headStored };
}
