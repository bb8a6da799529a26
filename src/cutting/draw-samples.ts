import type { Play } from '../model/plan.ts';

/**
 * The scouts' samples of a play's drawing steady the planning pass's (driver/nn_driver/middle.py).
 * A frame's drawing is timed in CPU time, which a busy machine only adds to: on the lab the same
 * play's middle frame drew in 21 ms in one planning pass and in 41 in another, and a cut on such
 * samples ended its shares 10-40 s apart. A scout draws the same frame at another moment, so the
 * cheapest of the samples is nearest what the play takes.
 *
 * The scouts sample only the plays they passed before the scene was cut, and the cheapest of several
 * samples is lower than a single one even where none was disturbed. So that the plays they sampled
 * are not weighed cheaper than the others for that alone, their cheapest samples are scaled back to
 * the planning pass's level by the median of cheapest over planned: the level the cost model is
 * fitted at (cost.ts's drawnFrame), while a play the pass timed at an unlucky moment comes back in
 * line with its neighbours.
 */
export function withDrawSamples(plays: Play[], scouts: readonly (readonly number[] | null)[]): Play[] {
  const least = new Map<number, number>();
  for (const list of scouts) {
    for (const [index, seconds] of (list ?? []).entries()) if (seconds > 0) least.set(index, Math.min(least.get(index) ?? Infinity, seconds));
  }
  // plays a scout drew that the planning pass timed too (not a play of one frame, nor one it skipped)
  const sampled = plays.filter((p) => p.drawSeconds > 0 && least.has(p.index));
  if (!sampled.length) return plays;
  const cheapest = (p: Play) => Math.min(p.drawSeconds, least.get(p.index)!);
  const level = median(sampled.map((p) => cheapest(p) / p.drawSeconds));
  const steadied = new Map(sampled.map((p) => [p.index, cheapest(p) / level]));
  return plays.map((p) => {
    const drawSeconds = steadied.get(p.index);
    return drawSeconds === undefined ? p : { ...p, drawSeconds };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
