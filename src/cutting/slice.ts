import { drawnElsewhere, type Play, type SegmentCut } from '../model/plan.ts';
import { fastForwardCost, playCost, sliceCost, sliceEncodeCost } from './cost.ts';

export interface SliceOptions {
  workers: number;
  /** No slice smaller than this many frames. */
  minFrames: number;
  setupSeconds: number;
  /** Slice every play longer than this many frames into slices of about as many (0: by cost). */
  sliceFrames?: number;
  /** The output is a video: a sliced play's partial movie file is encoded by a segment of its own
   *  as its slices land (PNG frames need no encoding). */
  video: boolean;
}

export interface Sliced {
  /** The plays, those to draw in slices marked `sliced` (whole-play segments fast-forward over them). */
  plays: Play[];
  /** The slices' segments, and each video play's encoder among them, queued ahead of the rest:
   *  they are the scene's critical path. */
  slices: SegmentCut[];
}

/** Slicing must promise at most this fraction of the wall time with the play whole: on two local
 *  workers a play sliced for a promised 4 % came out 40 % slower (encoding the play after its
 *  slices, and the set-up of a segment for the plays after it). */
const SLICE_GAIN = 0.8;

interface SliceCut {
  /** Frame bounds 0 = b0 < b1 < … < frames. */
  cut: number[];
  /** Estimated wall time of the play, in microseconds. */
  wall: number;
  /** The work slicing adds to drawing the play whole. */
  extra: number;
}

/**
 * A slice grows only while its next frame would reach the encoder before the encoder needs it even
 * if drawing it cost this much more than estimated. The encoder takes a slice's frames as they are
 * drawn (they stream to the store a part at a time, store/slices.ts), so a slice can be long as long
 * as its drawing stays ahead of the encoder; one that falls behind makes the encoder, the play's
 * serial step, wait for each of its frames. The estimates err both ways: on the lab,
 * bench_play.py's slices drew at 45 ms a frame on the coordinator against 36 estimated.
 */
const LATE = 1.3;
/** A drawn frame reaches the encoder about this long after it is drawn (µs): a part of a slice is
 *  stored every half second, then fetched. */
const STREAM_LAG = 0.7e6;

/**
 * The encoder's finish with slices of at least `first` frames, then at least `size`, each on the
 * drawing slot free first and grown while its drawing stays ahead of the encoder, with a margin
 * (LATE; the encoder, a slot of its own, takes the frames in order as they come). The play's wall
 * time is the encoder's: its set-up, its waits and every frame.
 */
function simulate(frames: number, drawers: number, minFrames: number, first: number, size: number, setup: number, encodeFrame: number, cost: (a: number, b: number) => number): { cut: number[]; wall: number } {
  const free = Array.from({ length: drawers }, () => 0);
  let encoder = setup;
  const cut = [0];
  while (cut.at(-1)! < frames) {
    const a = cut.at(-1)!;
    const slot = free.indexOf(Math.min(...free));
    // when frame j of the slice reaches the encoder, and when the encoder would take it
    const drawn = (j: number, margin = 1) => free[slot]! + cost(a, j + 1) * margin + STREAM_LAG;
    const needed = (j: number) => Math.max(encoder, drawn(a)) + (j - a) * encodeFrame;
    let b = Math.min(frames, a + (a === 0 ? first : size));
    // never more than an even share of what is left per drawing slot: a large last slice on one
    // slot would leave the others idle and the encoder waiting for it (slots differ in speed)
    const most = Math.max(b, a + Math.ceil((frames - a) / drawers));
    while (b < most && drawn(b, LATE) <= needed(b)) b++;
    if (frames - b < minFrames) b = frames; // no slice smaller than minFrames at the end
    for (let j = a; j < b; j++) encoder = Math.max(encoder, drawn(j)) + encodeFrame;
    free[slot] = free[slot]! + cost(a, b);
    cut.push(b);
  }
  return { cut, wall: encoder };
}

/**
 * A video play's slices for the shortest encoder finish: small ones start the encoder early and
 * keep it fed, but each slice pays a set-up and the fast-forward to the play, so where the drawing
 * slots are the bottleneck fewer, larger slices win. Tries first and later sizes from `minFrames`
 * to an even share per drawing slot.
 */
function pipelined(frames: number, drawers: number, minFrames: number, setup: number, encodeFrame: number, cost: (a: number, b: number) => number): { cut: number[]; wall: number } {
  const sizes: number[] = [];
  for (let n = minFrames; n < Math.ceil(frames / drawers) * 1.2; n = Math.ceil(n * 1.2)) sizes.push(n);
  let best = simulate(frames, drawers, minFrames, minFrames, minFrames, setup, encodeFrame, cost);
  for (const first of sizes) {
    for (const size of sizes) {
      const tried = simulate(frames, drawers, minFrames, first, size, setup, encodeFrame, cost);
      if (tried.wall < best.wall) best = tried;
    }
  }
  return best;
}

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

/** A lead rendering since before the plan: the play it is drawing, and with `frames` (how many of
 *  that play it has drawn) only when that is its first play, so that it has nothing to keep and
 *  may give the play up to slices. */
export interface LeadAt {
  play: number;
  frames?: number;
}

/**
 * Plays that alone would bound the scene's wall time are drawn in slices of their frames on several
 * workers. A video play's partial movie file is then encoded once, from all its frames in order, by
 * an encoder segment that takes each slice as it lands (its slot draws nothing). A slice costs a
 * set-up, the fast-forward to the play, the steps to its first frame and its drawing, so slicing
 * adds work: a play is sliced only when the estimated wall time (the encoder's, or for PNG frames
 * the costliest slice's; never less than all the work spread over the workers, nor than the
 * scene's floor, the fast-forward over all its plays that its last segment pays) is clearly
 * shorter than with the play drawn whole by one worker. Skipped, frozen and already served plays
 * are never sliced, nor plays a running lead may reach alone; the play a lead is drawing only
 * against what the lead has left of it (the lead then makes way: store/plans.ts).
 */
export function slicePlays(plays: Play[], pixels: number, opts: SliceOptions, before: Play[] = [], lead?: LeadAt): Sliced {
  if (opts.workers < 2) return { plays, slices: [] };
  const setup = opts.setupSeconds * 1e6;
  const ff = new Map<number, number>();
  let sum = before.reduce((t, p) => t + fastForwardCost(p, pixels), 0);
  for (const p of plays) {
    ff.set(p.index, sum);
    sum += fastForwardCost(p, pixels);
  }
  let work = plays.reduce((t, p) => t + playCost(p, pixels, true), 0) + setup * opts.workers;
  // the segment of the last plays steps through every play before them: no cut is quicker
  const floor = setup + sum;
  const slices: SegmentCut[] = [];
  const out = plays.map((p) => {
    const leads = lead?.play === p.index && lead.frames !== undefined;
    if ((lead && p.index < lead.play + (leads ? 0 : 1)) || p.skipped || p.frozen || drawnElsewhere(p) || p.frames < 2 * opts.minFrames) return p;
    const start = setup + ff.get(p.index)!;
    const cost = (a: number, b: number) => start + sliceCost(p, pixels, a, b, opts.video);
    const encodeFrame = sliceEncodeCost(p, pixels);
    const chunk = opts.sliceFrames ?? 0;
    if (chunk > 0) return p.frames > chunk ? slice(p, evenBounds(p.frames, Math.ceil(p.frames / chunk)), cost, encodeFrame) : p;
    const drawn = playCost(p, pixels, true);
    // the lead draws on with no set-up or fast-forward; a worker would start the play from scratch
    const left = leads ? setup + drawn * Math.max(0, 1 - lead.frames! / p.frames) : start + drawn;
    const whole = Math.max(left, work / opts.workers, floor);
    /** The wall time and added work of slices whose own wall time is `wall`: the work slicing adds
     *  is each slice's fast-forward and steps, the encoding, and a start beyond the workers' own. */
    const judged = (cut: number[], wall: number, encoder: boolean): SliceCut => {
      const costs = cut.slice(1).map((b, i) => cost(cut[i]!, b));
      const starts = costs.length + (encoder ? 1 : 0);
      const encoding = encoder ? setup + p.frames * encodeFrame : 0;
      const extra = costs.reduce((t, c) => t + c - setup, 0) + setup * Math.max(0, starts - opts.workers) + encoding - drawn;
      return { cut, wall: Math.max(wall, (work + extra) / opts.workers, floor), extra };
    };
    let best: SliceCut | undefined;
    if (opts.video) {
      const piped = pipelined(p.frames, opts.workers - 1, opts.minFrames, setup, encodeFrame, cost);
      if (piped.cut.length > 2) best = judged(piped.cut, piped.wall, true);
    } else {
      for (let count = 2; count <= Math.min(opts.workers, Math.floor(p.frames / opts.minFrames)); count++) {
        const cut = bounds(p.frames, count, opts.minFrames, cost);
        if (cut.length < 3) continue;
        const tried = judged(cut, Math.max(...cut.slice(1).map((b, i) => cost(cut[i]!, b))), false);
        if (!best || tried.wall < best.wall) best = tried;
      }
    }
    // only for a clear gain: the model does not see a whole play's encoder overlap its drawing
    // on a spare core, and a slice's frames are converted and compressed on the drawing one
    if (!best || best.wall > Math.min(whole - setup, whole * SLICE_GAIN)) return p;
    work += best.extra;
    return slice(p, best.cut, cost, encodeFrame);
  });
  return { plays: out, slices };

  function slice(p: Play, cut: number[], cost: (a: number, b: number) => number, encodeFrame: number): Play {
    const own = cut.slice(1).map((b, i): SegmentCut => {
      const a = cut[i]!;
      return { fromPlay: p.index, toPlay: p.index, fromFrame: a, toFrame: b, frames: b - a, cost: cost(a, b) / 1e6, priority: -1 };
    });
    // the encoder right after the first slice: it starts as the slices land, and the machines free
    // first take it though the coordinator's skips it (store/queue-keys.ts ENCODES)
    if (opts.video) own.splice(1, 0, { fromPlay: p.index, toPlay: p.index, fromFrame: 0, toFrame: p.frames, frames: 0, cost: (setup + p.frames * encodeFrame) / 1e6, priority: -1, encodes: true });
    slices.push(...own);
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
  const part = (fromPlay: number, toPlay: number): SegmentCut => {
    // only the part that ends where the share does ends inside a play with it (boundary.ts)
    const { toFrame, ...rest } = share;
    return { ...rest, ...(toPlay === share.toPlay && toFrame !== undefined ? { toFrame } : {}), fromPlay, toPlay, frames: frames(fromPlay, toPlay), cost: (share.cost * frames(fromPlay, toPlay)) / Math.max(1, share.frames) };
  };
  if (first.index < share.toPlay) queued.push(part(first.index + 1, share.toPlay));
  return first.index > share.fromPlay ? part(share.fromPlay, first.index - 1) : undefined;
}
