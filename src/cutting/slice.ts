import { drawnElsewhere, type Play, type SegmentCut } from '../model/plan.ts';
import { fastForwardCost, playCost, sliceCost } from './cost.ts';

export interface SliceOptions {
  workers: number;
  /** No slice smaller than this many frames. */
  minFrames: number;
  setupSeconds: number;
  /** Slice every play longer than this many frames into slices of about as many (0: by cost). */
  sliceFrames?: number;
}

export interface Sliced {
  /** The plays, those to draw in slices marked `sliced` (whole-play segments fast-forward over them). */
  plays: Play[];
  /** The slices' segments, queued ahead of the rest: they are the scene's critical path. */
  slices: SegmentCut[];
}

/** Microseconds per pixel the stitch spends on a sliced play's frame: inflating it and encoding it
 *  into the play's partial movie file (measured at 720p: about 6 + 17 ms a frame). */
const ENCODE_PIXEL = 0.024;

/** Slicing must promise at most this fraction of the wall time with the play whole: on two local
 *  workers a play sliced for a promised 4 % came out 40 % slower (encoding the play after its
 *  slices, and the set-up of a segment for the plays after it). */
const SLICE_GAIN = 0.8;

/** Frame bounds 0 = b0 < b1 < … < frames cutting a play into at most `count` slices whose costliest
 *  is as cheap as greedy cuts under a bisected budget make it (a play with updaters steps through
 *  every frame before a slice's first, so its later slices are narrower). A last slice under
 *  `minFrames` frames joins the one before it. */
function bounds(frames: number, count: number, minFrames: number, cost: (a: number, b: number) => number): number[] {
  const under = (budget: number): number[] | undefined => {
    const out = [0];
    while (out.at(-1)! < frames) {
      const a = out.at(-1)!;
      let b = Math.min(frames, a + minFrames);
      if (cost(a, b) > budget) return undefined;
      while (b < frames && cost(a, b + 1) <= budget) b++;
      out.push(b);
    }
    return out.length - 1 <= count ? out : undefined;
  };
  let low = 0;
  let high = cost(0, frames) + 1;
  for (let i = 0; i < 40; i++) {
    const mid = (low + high) / 2;
    if (under(mid)) high = mid;
    else low = mid;
  }
  const out = under(high) ?? [0, frames];
  if (out.length > 2 && frames - out.at(-2)! < minFrames) out.splice(-2, 1);
  return out;
}

/** Frame bounds cutting `frames` into `count` slices of (nearly) the same size. */
const evenBounds = (frames: number, count: number) => Array.from({ length: count + 1 }, (_, i) => Math.round((i * frames) / count));

/**
 * Plays that alone would bound the scene's wall time are drawn in slices of their frames on several
 * workers; the stitch encodes each such play's partial movie file once, from all its frames in order.
 * A slice costs a set-up, the fast-forward to the play, the steps to its first frame and its drawing,
 * so slicing adds work: a play is sliced only when the estimated wall time, the longer of its
 * costliest slice and all the work spread over the workers, then the stitch's encoding of the play,
 * is clearly shorter than with the play drawn whole by one worker. Skipped, frozen and already
 * served plays are never sliced, nor plays a running render may reach (`from`: the first that may be).
 */
export function slicePlays(plays: Play[], pixels: number, opts: SliceOptions, before: Play[] = [], from = 0): Sliced {
  if (opts.workers < 2) return { plays, slices: [] };
  const setup = opts.setupSeconds * 1e6;
  const ff = new Map<number, number>();
  let sum = before.reduce((t, p) => t + fastForwardCost(p, pixels), 0);
  for (const p of plays) {
    ff.set(p.index, sum);
    sum += fastForwardCost(p, pixels);
  }
  let work = plays.reduce((t, p) => t + playCost(p, pixels), 0) + setup * opts.workers;
  const slices: SegmentCut[] = [];
  const out = plays.map((p) => {
    if (p.index < from || p.skipped || p.frozen || drawnElsewhere(p) || p.frames < 2 * opts.minFrames) return p;
    const lead = setup + ff.get(p.index)!;
    const cost = (a: number, b: number) => lead + sliceCost(p, pixels, a, b);
    const chunk = opts.sliceFrames ?? 0;
    if (chunk > 0) return p.frames > chunk ? slice(p, evenBounds(p.frames, Math.ceil(p.frames / chunk)), cost) : p;
    const drawn = playCost(p, pixels);
    const whole = Math.max(lead + drawn, work / opts.workers);
    const encode = p.frames * pixels * ENCODE_PIXEL;
    let best: { cut: number[]; wall: number; extra: number } | undefined;
    for (let count = 2; count <= Math.min(opts.workers, Math.floor(p.frames / opts.minFrames)); count++) {
      const cut = bounds(p.frames, count, opts.minFrames, cost);
      if (cut.length < 3) continue;
      const costs = cut.slice(1).map((b, i) => cost(cut[i]!, b));
      // the work slicing adds: each slice's fast-forward and steps, the encoding, and a start
      // beyond the workers' own when the slices leave no worker free for the other plays
      const extra = costs.reduce((t, c) => t + c - setup, 0) + setup * Math.max(0, cut.length - opts.workers) + encode - drawn;
      // the stitch encodes the play after its last slice: nothing else overlaps it
      const wall = Math.max(...costs, (work + extra) / opts.workers) + encode;
      if (!best || wall < best.wall) best = { cut, wall, extra };
    }
    // only for a clear gain: the model does not see a whole play's encoder overlap its drawing
    // on a spare core, and a slice's frames are compressed on the drawing one
    if (!best || best.wall > Math.min(whole - setup, whole * SLICE_GAIN)) return p;
    work += best.extra;
    return slice(p, best.cut, cost);
  });
  return { plays: out, slices };

  function slice(p: Play, cut: number[], cost: (a: number, b: number) => number): Play {
    for (const [i, b] of cut.slice(1).entries()) {
      const a = cut[i]!;
      slices.push({ fromPlay: p.index, toPlay: p.index, fromFrame: a, toFrame: b, frames: b - a, cost: cost(a, b) / 1e6, priority: -1 });
    }
    return { ...p, sliced: cut.length - 1 };
  }
}

/** A lead's or a scout's share (its render started without a plan: it would draw a sliced play
 *  whole) ends before the first sliced play in it, and the plays after that play go to `queued`. A
 *  share that starts at a sliced play is none (a lead's never does: it is not given the play it draws). */
export function endBeforeSlices(share: SegmentCut, plays: Play[], queued: SegmentCut[]): SegmentCut | undefined {
  const inShare = plays.filter((p) => p.index >= share.fromPlay && p.index <= share.toPlay);
  const first = inShare.find((p) => p.sliced);
  if (!first) return share;
  const frames = (from: number, to: number) => inShare.filter((p) => p.index >= from && p.index <= to).reduce((n, p) => n + p.frames, 0);
  const part = (fromPlay: number, toPlay: number): SegmentCut => ({ ...share, fromPlay, toPlay, frames: frames(fromPlay, toPlay), cost: (share.cost * frames(fromPlay, toPlay)) / Math.max(1, share.frames) });
  if (first.index < share.toPlay) queued.push(part(first.index + 1, share.toPlay));
  return first.index > share.fromPlay ? part(share.fromPlay, first.index - 1) : undefined;
}
