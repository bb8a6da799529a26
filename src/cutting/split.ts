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
  const range = plays.filter((p) => p.index >= Math.min(at, seg.atPlay ?? at) && p.index <= seg.toPlay).sort((x, y) => x.index - y.index);
  const before = plays.filter((p) => p.index < at).reduce((t, p) => t + fastForwardCost(p, pixels), 0) / 1e6;
  const draw = (p: Play) => playCost(p, pixels) / 1e6;
  // What the running render has left up to each play: a scout still fast-forwarding to its start,
  // then the plays it draws, less what it drew of the one it is in.
  let owner = 0;
  const ownerTo = new Map<number, number>();
  for (const p of range) {
    if (p.index < at) owner += fastForwardCost(p, pixels) / 1e6;
    else owner += draw(p) * (p.index === seg.atPlay ? 1 - Math.min(1, seg.framesDone / Math.max(1, p.frames)) : 1);
    ownerTo.set(p.index, owner);
  }
  const whole = owner / rates.owner;
  // The slot's part after each play: a set-up, the fast-forward to the play after it, its drawing.
  let best: Split | undefined;
  let forward = before;
  let rest = range.filter((p) => p.index >= at).reduce((t, p) => t + draw(p), 0);
  for (const p of range.filter((q) => q.index >= at && q.index < seg.toPlay)) {
    forward += fastForwardCost(p, pixels) / 1e6;
    rest -= draw(p);
    const end = Math.max(ownerTo.get(p.index)! / rates.owner, (setupSeconds + forward + rest) / rates.free);
    if (!best || whole - end > best.saves) best = { at: p.index, saves: whole - end };
  }
  return best && best.saves >= setupSeconds / rates.free + whole / 5 ? best : undefined;
}
