import { drawnElsewhere, type Play } from '../model/plan.ts';
import { playCost } from './cost.ts';

/** Least the lead must have drawn for its measure to count: less is mostly its first play's start. */
const LEAST_SECONDS = 0.5;
/** The model is off by more than this only on a machine unlike any it was fitted on: past it, the
 *  lead's measure is more likely a one-off than the machine. */
const MOST_OFF = 1.5;

/**
 * The cost model measured against the lead: when a scene is cut, the lead has drawn its first plays
 * on a machine of the farm, and what that took in CPU against what the model estimates for the same
 * frames says how far off the model's constants are on these machines. A frame's fixed work
 * (clearing, converting, encoding) was fitted on one machine; on the lab's four machines of 0.45 CPU,
 * sharing two cores' caches, the short updater scene drew every play 1.17-1.36 times the model's
 * estimate, and its first-render cut gave the lead's share too much. The factor applies to the model's
 * drawing estimates of every play (a measured or remembered cost is what it is); only a lead that has
 * drawn model-estimated plays from play 0 measures it.
 */
export function calibrated(plays: Play[], pixels: number, lead: { at: number; frames: number; cpu: number }): Play[] {
  const drawn = plays.filter((p) => p.index <= lead.at);
  if (drawn.some((p) => p.rememberedSeconds !== undefined || drawnElsewhere(p))) return plays;
  const current = plays.find((p) => p.index === lead.at);
  const share = current ? Math.min(1, lead.frames / Math.max(1, current.frames)) : 0;
  const model = drawn.reduce((t, { modelScale: _, ...p }) => t + playCost(p, pixels) * (p.index === lead.at ? share : 1), 0) / 1e6;
  if (lead.cpu < LEAST_SECONDS || model <= 0) return plays;
  const scale = Math.min(MOST_OFF, Math.max(1 / MOST_OFF, lead.cpu / model));
  return plays.map((p) => ({ ...p, modelScale: scale }));
}
