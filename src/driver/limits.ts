import { totalmem } from 'node:os';
import { z } from 'zod';
import { fastForwardCost, playCost } from '../planner/segments.ts';
import type { ScenePlan } from './protocol.ts';

/**
 * A render's limits, enforced by the driver (driver/nn_driver/limits.py): hitting one fails the
 * scene at once with the limit named, on every node alike, so it is never retried elsewhere.
 */
export const limitsSchema = z
  .strictObject({
    /** Wall time per segment (and for loading or planning a scene): at least this, in seconds… */
    segmentSeconds: z.number().positive().max(7 * 24 * 3600).default(600),
    /** …or this many times the plan's estimate for the segment, whichever is more. */
    estimateMultiple: z.number().min(1).max(1000).default(10),
    /** Address space of one render, MB (RLIMIT_AS); default: half the machine's memory. */
    memoryMB: z.number().int().min(512).optional(),
    /** Largest file a render may write, MB (RLIMIT_FSIZE). */
    fileMB: z.number().int().positive().default(8192),
    /** Most a render may write to its media folder, MB. */
    diskMB: z.number().int().positive().default(32768),
  })
  .prefault({});
export type Limits = z.infer<typeof limitsSchema>;

/** Commands that run scene code, and so get limits. */
const LIMITED = new Set(['list', 'plan', 'render']);

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
