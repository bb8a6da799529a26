import { fastForwardCost, playCost } from './cost.ts';
import type { Play } from '../model/plan.ts';

/**
 * How fast a machine works: the cost model's seconds of work per second on the wall clock. The
 * model counts seconds of the machine that planned; a home's machines are unlike (a desktop, a
 * laptop, a mini PC: on the lab, shares of 0.9, 0.45 and 0.2 of a core), and a cut that gives each
 * the same work ends on the slowest. Measured on the render itself, a rate also takes in what the
 * model gets wrong about the scene.
 */

/** The model's seconds of plays `from`..`to` drawn per second on the wall clock, from `seconds` a
 *  render took over them; undefined for less than a play or a second, too little to tell. */
export function drawingRate(plays: Play[], pixels: number, from: number, to: number, seconds: number): number | undefined {
  const drawn = plays.filter((p) => p.index >= from && p.index <= to);
  if (!drawn.length || seconds < 1) return undefined;
  return drawn.reduce((t, p) => t + playCost(p, pixels), 0) / 1e6 / seconds;
}

/** The rate of a render that started before the plan, from how far it got in `seconds`: a lead
 *  from play 0 over what it drew (`frames` of play `at` too), a scout over what it fast-forwarded
 *  (the same machine, on the model's other measure). Undefined for less than a second or a play. */
export function startedRate(plays: Play[], pixels: number, r: { at: number; frames?: number; seconds: number; drawing: boolean }): number | undefined {
  if (r.seconds < 1) return undefined;
  let work = 0;
  for (const p of plays) {
    if (p.index < r.at) work += r.drawing ? playCost(p, pixels) : fastForwardCost(p, pixels);
    else if (p.index === r.at && r.drawing && r.frames) work += (playCost(p, pixels) * Math.min(1, r.frames / Math.max(1, p.frames)));
  }
  return work > 0 ? work / 1e6 / r.seconds : undefined;
}

/** Machines whose rates are within this factor of each other are taken as alike: a rate measured
 *  over the first plays of a render errs by 10-20 % (a set-up in it, the model's errors), which
 *  would unbalance a farm of like machines. */
export const ALIKE = 1.5;

/** The most a render still in play `play` can be working at, `since` seconds after it began that
 *  play: the play's cost per second. A slow machine in its first long play has no other measure. */
export function rateBound(play: Play | undefined, pixels: number, since: number | null): number {
  return play && since !== null && since >= 1 ? playCost(play, pixels) / 1e6 / since : Infinity;
}

/** Rates as shares of their mean, for a cutter that weighs a share's cost on its machine: a
 *  machine not measured counts as the mean one (1), and so does every one of machines alike. */
export function relativeRates(rates: (number | undefined)[]): number[] {
  const known = rates.filter((r): r is number => r !== undefined && r > 0);
  if (!known.length || Math.max(...known) < ALIKE * Math.min(...known)) return rates.map(() => 1);
  const mean = known.reduce((a, b) => a + b, 0) / known.length;
  return rates.map((r) => (r !== undefined && r > 0 ? r / mean : 1));
}

/** The rates a scene's first cut weighs its running renders at. A few seconds in, mostly set-up,
 *  a lead's rate (drawing) and a scout's (stepping) rest on different parts of the model and came
 *  out 1.2-1.6x apart on like machines, enough to be taken as unlike. So each machine is weighed at
 *  its start-up probe (runtime/speed.ts) times the mean rate per probe measured on the machines
 *  whose probes are alike with its own: like machines alike, a machine unlike the others at what
 *  was measured on it (which sees load after its probe, as a coordinator's), one with no like
 *  machine measured at the least rate per probe (erring slow: a share too short costs a split, one
 *  too long the wall time). Without probes, the measured rates as they are. */
export function cutRates(measured: (number | undefined)[], probes: (number | null | undefined)[]): (number | undefined)[] {
  const perProbe = measured.map((r, i) => (r !== undefined && r > 0 && probes[i] ? r / probes[i]! : undefined));
  const known = perProbe.filter((q): q is number => q !== undefined);
  if (!known.length) return measured;
  const least = Math.min(...known);
  return measured.map((r, i) => {
    const p = probes[i];
    if (!p) return r;
    const like = perProbe.filter((q, j): q is number => q !== undefined && probes[j]! < ALIKE * p && p < ALIKE * probes[j]!);
    return p * (like.length ? like.reduce((a, b) => a + b, 0) / like.length : least);
  });
}

/** Which machines are clearly slower than the mean of these by their start-up probes (none without
 *  a probe for each). */
export function slowProbes(probes: (number | null | undefined)[]): boolean[] {
  const probed = probes.filter((p): p is number => !!p);
  if (probed.length !== probes.length || !probed.length) return probes.map(() => false);
  const mean = probed.reduce((a, b) => a + b, 0) / probed.length;
  return probed.map((p) => p * ALIKE < mean);
}
