import { fastForwardCost, playCost } from './cost.ts';
import type { Play } from '../model/plan.ts';

/** A segment before the one a slot is about to take, in play order. */
export interface Before {
  toPlay: number;
  state: string;
  /** Where a running one is drawing. */
  atPlay: number | null;
  /** Whether its node goes on into queued segments (not when draining or paused). */
  goesOn: boolean;
}

export type Steal = { take: true } | { take: false; retryInSeconds: number };

/**
 * Whether a free render slot should take a queued segment that a running render would reach by
 * going on (extendSegment): only when the slot would finish it sooner. The slot pays a set-up and a
 * fast-forward over every play before the segment (with updaters, a per-frame step each); the
 * running render pays neither, only the plays it has left before the segment. Taking the last
 * segment of a share behind a scene's expensive updater plays can cost more than drawing it. When
 * the slot should not take it, the segment waits about until the running render gets there.
 */
export function shouldSteal(plays: Play[], pixels: number, segment: { fromPlay: number; toPlay: number }, before: Before[], setupSeconds: number): Steal {
  // The running render that would go on into it: every segment between them is still queued.
  let owner: Before | undefined;
  for (const b of [...before].filter((b) => b.toPlay < segment.fromPlay).sort((x, y) => y.toPlay - x.toPlay)) {
    if (b.state === 'running' && b.goesOn) owner = b;
    if (b.state !== 'queued') break;
  }
  if (!owner || owner.atPlay === null) return { take: true };
  const sum = (from: number, to: number, cost: (p: Play) => number) =>
    plays.filter((p) => p.index >= from && p.index <= to).reduce((t, p) => t + cost(p), 0) / 1e6;
  const draw = (p: Play) => playCost(p, pixels);
  const mine = setupSeconds + sum(0, segment.fromPlay - 1, (p) => fastForwardCost(p, pixels));
  const theirs = sum(owner.atPlay, segment.fromPlay - 1, draw);
  if (mine < theirs) return { take: true };
  return { take: false, retryInSeconds: Math.min(60, Math.max(5, theirs)) };
}
