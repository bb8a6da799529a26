import type { Play } from '../model/plan.ts';
import { modelParts } from './cost.ts';

/** How a farm draws against the cost model: factors on a frame's fixed work and on its timed drawing. */
export interface ModelFit {
  fixed: number;
  drawn: number;
}

/** A drawn play of a recent render, at its render's resolution. */
export interface DrawnPlay {
  play: Play;
  pixels: number;
}

/** Fewer drawn plays than this fit nothing: two factors from a handful of plays follow their noise. */
const MIN_PLAYS = 10;
/** Factors beyond these are a fit gone wrong (plays of one kind, a render disturbed), not a farm. */
const RANGE = [0.25, 4] as const;
/** The plays must tell the two parts apart: cheap plays of few shapes and dense ones both. Below
 *  this (the determinant against the product of the diagonals: 0 when every play has the two parts
 *  in one ratio) the two factors trade against each other freely. One factor on both is no answer:
 *  fitted on the lab's short updater scene alone (1.44, every play of it alike, its error in the steps
 *  of its updaters more than in its frames) it weighed the Benchmark scene's plays worse than the
 *  model (rms log ratio 0.354 against 0.157). */
const MIN_SPREAD = 0.05;

/**
 * The two factors that make the model weigh `drawn` plays as they drew, by least squares on each
 * play's relative error. The model's constants were fitted on one machine, and where a frame's fixed
 * work and its drawing stand against each other differs between farms: on the lab (four machines of
 * 0.45 CPU sharing two cores) the Benchmark scene's dense plays drew at 0.70-0.94 of their estimate
 * and its cheap ones at 1.0-1.17, so the share of cheap plays ran 10-20 s late; fitted on that render
 * (1.19 and 0.55) its plays came within an rms log ratio of 0.109 instead of 0.157. Undefined when
 * the plays cannot say.
 */
export function fitModel(drawn: DrawnPlay[]): ModelFit | undefined {
  let [ff, fd, dd, fy, dy, n] = [0, 0, 0, 0, 0, 0];
  for (const { play, pixels } of drawn) {
    const parts = play.drawnSeconds && play.drawnSeconds > 0 ? modelParts(play, pixels) : undefined;
    if (!parts) continue;
    const took = play.drawnSeconds! * 1e6;
    // relative errors: a long play counts as much as a short one
    const [f, d, y] = [parts.fixed / took, parts.drawn / took, (took - parts.rest) / took];
    [ff, fd, dd, fy, dy, n] = [ff + f * f, fd + f * d, dd + d * d, fy + f * y, dy + d * y, n + 1];
  }
  const det = ff * dd - fd * fd;
  if (n < MIN_PLAYS || !(det > MIN_SPREAD * ff * dd)) return undefined;
  const fit = { fixed: (fy * dd - dy * fd) / det, drawn: (dy * ff - fy * fd) / det };
  const within = (x: number) => x >= RANGE[0] && x <= RANGE[1];
  return within(fit.fixed) && within(fit.drawn) ? fit : undefined;
}

/** The plays, each weighed with the farm's fit (cost.ts). */
export function withFit(plays: Play[], fit: ModelFit | undefined): Play[] {
  if (!fit) return plays;
  const rounded = { fixed: Number(fit.fixed.toFixed(3)), drawn: Number(fit.drawn.toFixed(3)) };
  return plays.map((p) => ({ ...p, fit: rounded }));
}
