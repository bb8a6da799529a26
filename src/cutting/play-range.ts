import type { RenderOptions } from '../model/render-options.ts';
import type { Play, ScenePlan } from '../model/plan.ts';

/** Plays A..B of a scene, as manim's `-n A,B` picks them. */
export interface PlayRange {
  first: number;
  last: number;
}

export class PlayRangeError extends Error {
  override name = 'PlayRangeError';
}

/**
 * The plays a job renders: all of them, or manim's `-n A,B` (a B past the end renders to the end,
 * as manim does). A range that starts past the last play is an error naming how many plays there are.
 */
export function playRange(options: Pick<RenderOptions, 'plays'>, plays: Play[], scene: string): PlayRange {
  const end = plays.length - 1;
  if (!options.plays) return { first: 0, last: end };
  const [first, last = end] = options.plays;
  if (first > end) throw new PlayRangeError(`-n ${options.plays.join(',')}: ${scene} has ${plays.length} play(s), numbered 0-${end}`);
  return { first, last: Math.min(last, end) };
}

export const inRange = (range: PlayRange) => (p: { index: number }) => p.index >= range.first && p.index <= range.last;

/**
 * What a render of only the range writes: its plays, their frames, the sections they are in and
 * the sounds they play, at times from the range's start (the video starts there).
 */
export function rangeOfPlan(plan: ScenePlan, range: PlayRange): ScenePlan {
  const plays = plan.plays.filter(inRange(range));
  const start = plays[0]?.startTime ?? 0;
  const after = plan.plays.find((p) => p.index === range.last + 1)?.startTime ?? Infinity;
  return {
    ...plan,
    plays,
    totalFrames: plays.reduce((n, p) => n + p.frames, 0),
    sounds: plan.sounds.filter((s) => s.time >= start && s.time < after).map((s) => ({ ...s, time: s.time - start })),
  };
}
