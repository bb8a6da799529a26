import { fastForwardCost, playCost } from './cost.ts';
import { relativeRates } from './rate.ts';
import type { Play } from '../model/plan.ts';

/**
 * Who should render a queued segment: the machine that ends it first at its rate. A free slot pays
 * a set-up and a fast-forward over every play before the segment (with updaters, a step per frame);
 * the running render just before it pays neither by going on into it (extendSegment); another slot
 * pays both, once it is free. On unlike machines (a desktop, a mini PC) the fast one that
 * frees in a moment can end a segment long before the slow one that could start it now.
 */

/** A segment before the one a slot is about to take, in play order. */
export interface Before {
  toPlay: number;
  state: string;
  /** Where a running one is drawing. */
  atPlay: number | null;
  /** Whether its node goes on into queued segments (not when draining or paused). */
  goesOn: boolean;
  /** How fast its machine draws (rate.ts); undefined when not known. */
  rate?: number | undefined;
}

/** Another render slot, a candidate for the segment once it is free (now, when idle). */
export interface Slot {
  /** The model's seconds of work it has before it is free. */
  left: number;
  rate: number;
  idle?: boolean;
}

/** The machine that decides, and the others. */
export interface Farm {
  /** The deciding machine's rate; undefined when not measured yet (it then defers to none of `slots`). */
  rate: number | undefined;
  slots: Slot[];
}

export type Steal = { take: true } | { take: false; retryInSeconds: number };

/** Another slot is waited for only when it ends the segment sooner by this share of the deciding
 *  machine's time: an idle one by a fifth (the model's errors per play), a busy one by half, since
 *  when it frees is an estimate too (on the lab, 10 s off in 15), and it may take other work then. */
const MARGIN = { idle: 0.2, busy: 0.5 };

const costOf = (plays: Play[], from: number, to: number, cost: (p: Play) => number) =>
  plays.filter((p) => p.index >= from && p.index <= to).reduce((t, p) => t + cost(p), 0) / 1e6;

/** What a fresh slot pays before it draws the segment (a set-up, the fast-forward to it), and the drawing. */
function weigh(plays: Play[], pixels: number, segment: { fromPlay: number; toPlay: number }, setupSeconds: number) {
  return {
    reach: setupSeconds + costOf(plays, 0, segment.fromPlay - 1, (p) => fastForwardCost(p, pixels)),
    draw: costOf(plays, segment.fromPlay, segment.toPlay, (p) => playCost(p, pixels)),
  };
}

/** The other slots that end the segment sooner than `mine` (the deciding one's wall seconds) by the
 *  margin, each with when it is free. `rates` are relative, the decider's first. */
function sooner(mine: number, reach: number, draw: number, farm: Farm, rates: number[]): { freeIn: number }[] {
  return farm.slots
    .map((b, i) => ({ end: (b.left + reach + draw) / rates[i + 1]!, freeIn: b.left / rates[i + 1]!, margin: b.idle ? MARGIN.idle : MARGIN.busy }))
    .filter((b) => b.end < mine * (1 - b.margin));
}

/** When a segment left to another is offered again: about when that one gets to it, not before
 *  `floor` (a render going on takes it without the queue), never past a minute (in case it stops). */
const retryIn = (seconds: number, floor: number) => Math.min(60, Math.max(floor, seconds));

/**
 * Whether a free render slot should take a queued segment now: not when the running render before
 * it reaches it by going on and ends it sooner, nor when another slot, idle or busy, ends it sooner
 * once free. Taking the last segment of a share behind a scene's expensive updater plays can cost
 * more than drawing it. When the slot should not take it, it is offered again about when the other
 * gets there.
 */
export function shouldSteal(plays: Play[], pixels: number, segment: { fromPlay: number; toPlay: number }, before: Before[], setupSeconds: number, farm: Farm = { rate: undefined, slots: [] }): Steal {
  // The running render that would go on into it: every segment between them is still queued.
  let owner: Before | undefined;
  for (const b of [...before].filter((b) => b.toPlay < segment.fromPlay).sort((x, y) => y.toPlay - x.toPlay)) {
    if (b.state === 'running' && b.goesOn) owner = b;
    if (b.state !== 'queued') break;
  }
  const { reach, draw } = weigh(plays, pixels, segment, setupSeconds);
  // a machine not measured counts as the decider; the decider not measured weighs no other slot
  const known = farm.rate === undefined ? { ...farm, slots: [] } : farm;
  const rates = relativeRates([known.rate, ...known.slots.map((b) => b.rate), owner?.rate ?? known.rate]);
  const mine = (reach + draw) / rates[0]!;
  if (owner && owner.atPlay !== null) {
    const ownerRate = rates.at(-1)!;
    const theirs = costOf(plays, owner.atPlay, segment.fromPlay - 1, (p) => playCost(p, pixels));
    if ((theirs + draw) / ownerRate <= mine) return { take: false, retryInSeconds: retryIn(theirs / ownerRate, 5) };
  }
  const first = sooner(mine, reach, draw, known, rates).sort((x, y) => x.freeIn - y.freeIn)[0];
  return first ? { take: false, retryInSeconds: retryIn(first.freeIn, 1) } : { take: true };
}

/**
 * Whether a render at the end of its segment should go on into the next one, still queued: not
 * when another slot, idle or once free, would end it sooner by the margin, as a desktop would a
 * mini PC's next share. The render then stops at its end and the segment waits for that machine.
 */
export function shouldGoOn(plays: Play[], pixels: number, segment: { fromPlay: number; toPlay: number }, setupSeconds: number, farm: Farm): boolean {
  if (farm.rate === undefined || !farm.slots.length) return true;
  const { reach, draw } = weigh(plays, pixels, segment, setupSeconds);
  const rates = relativeRates([farm.rate, ...farm.slots.map((b) => b.rate)]);
  return sooner(draw / rates[0]!, reach, draw, farm, rates).length === 0;
}
