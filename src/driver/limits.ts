import { totalmem } from 'node:os';
import { fastForwardCost, playCost } from '../cutting/cost.ts';
import type { Limits } from '../config/limits.ts';
import type { ScenePlan } from '../model/plan.ts';


/** Commands that run scene code, and so get limits. */
const LIMITED = new Set(['list', 'plan', 'render', 'still']);

/** The `limits` field of a driver request; `wallSeconds` overrides the floor (see segmentSeconds). */
export function driverLimits(cmd: string, limits: Limits, wallSeconds?: number) {
  if (!LIMITED.has(cmd)) return undefined;
  return {
    wallSeconds: Math.ceil(Math.max(limits.segmentSeconds, wallSeconds ?? 0)),
    memoryMB: limits.memoryMB ?? Math.max(2048, Math.floor(totalmem() / 2 / 2 ** 20)),
    fileMB: limits.fileMB,
    diskMB: limits.diskMB,
  };
}

/** A segment's wall-time limit: the floor, or a multiple of the plan's estimate for plays from..to
 *  (fast-forward over the plays before it included), whichever is more. */
export function segmentWallSeconds(limits: Limits, plan: ScenePlan | undefined, fromPlay: number, toPlay: number): number {
  if (!plan || fromPlay < 0) return limits.segmentSeconds;
  const pixels = plan.width * plan.height;
  const us = plan.plays.reduce((sum, p) => sum + (p.index < fromPlay ? fastForwardCost(p, pixels) : p.index <= toPlay ? playCost(p, pixels) : 0), 0);
  return Math.max(limits.segmentSeconds, (limits.estimateMultiple * us) / 1e6);
}
