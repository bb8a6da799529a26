import type { Play } from '../model/plan.ts';

/**
 * The scouts' measure of a scene's first plays replaces the cost model's: what their exact
 * fast-forward over each play took while the scene was planned (CPU seconds, plays 0, 1, … in
 * order; driver/nn_driver/range_files.py), the mean where several scouts passed a play. A planning
 * pass times a few steps of each play, and a scene's first plays meet first uses on them (a
 * number's glyphs, a cache filled) that a render spreads over all of the play's frames: on the lab
 * the short updater scene's first play was estimated at 2.2-2.3 s to fast-forward and took 1.0-1.1,
 * so every share after it looked dearer than it was.
 */
export function withForwardSeconds(plays: Play[], scouts: readonly (readonly number[] | null)[]): Play[] {
  const sums = new Map<number, { total: number; count: number }>();
  for (const list of scouts) {
    for (const [index, seconds] of (list ?? []).entries()) {
      const sum = sums.get(index) ?? { total: 0, count: 0 };
      sums.set(index, { total: sum.total + seconds, count: sum.count + 1 });
    }
  }
  return plays.map((p) => {
    const sum = sums.get(p.index);
    return sum ? { ...p, forwardSeconds: sum.total / sum.count } : p;
  });
}
