import { fastForwardCost, playCost } from './cost.ts';
import type { Play } from '../model/plan.ts';

/** A running render's segment and how far it is, as its node last reported. */
export interface Running {
  fromPlay: number;
  toPlay: number;
  /** The play it is drawing (before `fromPlay`: still fast-forwarding to it); null before its first report. */
  atPlay: number | null;
  /** Frames of `atPlay` drawn. */
  framesDone: number;
}

/** How fast a machine draws: the cost model's seconds of work per second on the wall clock (1 when
 *  not measured yet: every machine alike). */
export interface Rates {
  /** The running render's machine. */
  owner: number;
  /** The free slot's machine. */
  free: number;
}

export interface Split {
  /** The running render ends after this play; a free slot draws the rest. */
  at: number;
  /** Seconds the split takes off the segment's end, by the cost model. */
  saves: number;
}

/** What a running render has left to draw, in the model's seconds, up to the end of each play of
 *  its segment: a scout still fast-forwarding to its start, then the plays it draws, less what it
 *  drew of the one it is in. */
function leftToEach(plays: Play[], pixels: number, seg: Running): Map<number, number> {
  const at = Math.max(seg.fromPlay, seg.atPlay ?? seg.fromPlay);
  let left = 0;
  const to = new Map<number, number>();
  for (const p of plays.filter((q) => q.index >= Math.min(at, seg.atPlay ?? at) && q.index <= seg.toPlay).sort((x, y) => x.index - y.index)) {
    if (p.index < at) left += fastForwardCost(p, pixels) / 1e6;
    else left += (playCost(p, pixels) / 1e6) * (p.index === seg.atPlay ? 1 - Math.min(1, seg.framesDone / Math.max(1, p.frames)) : 1);
    to.set(p.index, left);
  }
  return to;
}

/**
 * Where a free slot should take over the end of a running segment: the render stops after play
 * `at`, and the slot draws the plays after it, paying a set-up and a fast-forward over every play
 * before them (with updaters, a step per frame). Weighed on the wall clock, each machine at its
 * rate: a desktop that finished its share takes the end of a mini PC's at a fraction of its cost.
 * The split that ends both soonest; undefined when it would not end the segment sooner by a set-up
 * and a fifth of what is left, a margin for the cost model's errors (15-25 % per play on the lab),
 * since a split that gains nothing costs a set-up.
 */
export function splitPoint(plays: Play[], pixels: number, seg: Running, setupSeconds: number, rates: Rates = { owner: 1, free: 1 }): Split | undefined {
  const at = Math.max(seg.fromPlay, seg.atPlay ?? seg.fromPlay);
  const before = plays.filter((p) => p.index < at).reduce((t, p) => t + fastForwardCost(p, pixels), 0) / 1e6;
  const draw = (p: Play) => playCost(p, pixels) / 1e6;
  const ownerTo = leftToEach(plays, pixels, seg);
  const whole = (ownerTo.get(seg.toPlay) ?? 0) / rates.owner;
  // The slot's part after each play: a set-up, the fast-forward to the play after it, its drawing.
  let best: Split | undefined;
  let forward = before;
  const range = plays.filter((p) => p.index >= at && p.index <= seg.toPlay).sort((x, y) => x.index - y.index);
  let rest = range.reduce((t, p) => t + draw(p), 0);
  for (const p of range.filter((q) => q.index < seg.toPlay)) {
    forward += fastForwardCost(p, pixels) / 1e6;
    rest -= draw(p);
    const end = Math.max(ownerTo.get(p.index)! / rates.owner, (setupSeconds + forward + rest) / rates.free);
    if (!best || whole - end > best.saves) best = { at: p.index, saves: whole - end };
  }
  return best && best.saves >= setupSeconds / rates.free + whole / 5 ? best : undefined;
}
