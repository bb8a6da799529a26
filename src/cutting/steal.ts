import { fastForwardCost, playCost } from './cost.ts';
import { relativeRates } from './rate.ts';
import type { Play } from '../model/plan.ts';

/**
 * Who should render a queued segment: the machine that ends it first at its rate. A free slot pays
 * a set-up and a fast-forward over every play before the segment (with updaters, a step per frame);
 * the running render just before it pays neither by going on into it (extendSegment); another
 * machine with a free slot pays both. On unlike machines (a desktop, a mini PC) a fast one that is
 * free ends a segment long before the slow one that could go on into it. Machines busy elsewhere
 * are not waited for: when one frees is an estimate, on the lab 10 s off in 15, and a segment left
 * for it waited 38 s while the machines that freed took other work.
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

/** Another machine with a render slot free now. */
export interface Slot {
  rate: number;
}

/** The machine that decides, and the others. */
export interface Farm {
  /** The deciding machine's rate; undefined when not measured yet (it then defers to none of `slots`). */
  rate: number | undefined;
  slots: Slot[];
}

/** Not taken: left to the render before it (`render`), or to a faster machine with a free slot (`machine`). */
export type Steal = { take: true } | { take: false; retryInSeconds: number; waitsFor: 'render' | 'machine' };

/** Another machine is left the segment only when it ends it sooner by this share of the deciding
 *  machine's time: the model's errors per play. */
const MARGIN = 0.2;

const costOf = (plays: Play[], from: number, to: number, cost: (p: Play) => number) =>
  plays.filter((p) => p.index >= from && p.index <= to).reduce((t, p) => t + cost(p), 0) / 1e6;

/** What a fresh slot pays before it draws the segment (a set-up, the fast-forward to it), and the drawing. */
function weigh(plays: Play[], pixels: number, segment: { fromPlay: number; toPlay: number }, setupSeconds: number) {
  return {
    reach: setupSeconds + costOf(plays, 0, segment.fromPlay - 1, (p) => fastForwardCost(p, pixels)),
    draw: costOf(plays, segment.fromPlay, segment.toPlay, (p) => playCost(p, pixels)),
  };
}

/** Whether another free machine ends the segment sooner than `mine` (the deciding one's wall
 *  seconds) by the margin. `rates` are relative, the decider's first. */
function sooner(mine: number, reach: number, draw: number, farm: Farm, rates: number[]): boolean {
  return farm.slots.some((_, i) => (reach + draw) / rates[i + 1]! < mine * (1 - MARGIN));
}

/** When a segment left to the render before it is offered again: about when that one gets to it,
 *  never past a minute (in case it stops). */
const retryIn = (seconds: number) => Math.min(60, Math.max(5, seconds));

/**
 * Whether a free render slot should take a queued segment now: not when the running render before
 * it reaches it by going on and ends it sooner, nor when another free machine ends it sooner. Taking
 * the last segment of a share behind a scene's expensive updater plays can cost more than drawing
 * it. When the slot should not take it, it is offered again about when the render gets there, or
 * in a second, for the free machine.
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
    if ((theirs + draw) / ownerRate <= mine) return { take: false, retryInSeconds: retryIn(theirs / ownerRate), waitsFor: 'render' };
  }
  return sooner(mine, reach, draw, known, rates) ? { take: false, retryInSeconds: 1, waitsFor: 'machine' } : { take: true };
}

/**
 * Whether a render at the end of its segment should go on into the next one, still queued: not
 * when another machine with a free slot would end it sooner by the margin, as a desktop would a
 * mini PC's next share. The render then stops at its end and that machine takes the segment.
 */
export function shouldGoOn(plays: Play[], pixels: number, segment: { fromPlay: number; toPlay: number }, setupSeconds: number, farm: Farm): boolean {
  if (farm.rate === undefined || !farm.slots.length) return true;
  const { reach, draw } = weigh(plays, pixels, segment, setupSeconds);
  const rates = relativeRates([farm.rate, ...farm.slots.map((b) => b.rate)]);
  return !sooner(draw / rates[0]!, reach, draw, farm, rates);
}
