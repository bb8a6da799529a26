import type { Play } from '../driver/protocol.ts';

export interface SegmentPlan {
  fromPlay: number;
  toPlay: number;
  frames: number;
  cost: number;
}

/** Relative cost of a frozen frame (drawn once, then only encoded) against a drawn one. */
const FROZEN_FRAME_COST = 0.1;
/** What one bezier point costs Cairo per frame, in pixels' worth of clearing and encoding. */
const POINT_COST = 500;

/** Estimated cost of rendering a play: frames × (pixels + points drawn). */
export function playCost(play: Play, pixels: number): number {
  const frame = pixels + POINT_COST * play.points;
  if (play.skipped || play.frames === 0) return frame * 0.01;
  const drawn = play.frozen ? 1 + (play.frames - 1) * FROZEN_FRAME_COST : play.frames;
  return drawn * frame;
}

export interface CutOptions {
  workers: number;
  /** Segments per worker: more than one, so that faster nodes take more of them. */
  perWorker: number;
  /** No segment smaller than this many frames' worth of drawing: each one pays a fork, the scene's
   *  construction and a fast-forward, a few seconds whatever its size. */
  minFrames: number;
}

/** Cuts a scene's plays into contiguous segments of about equal cost. */
export function planSegments(plays: Play[], pixels: number, opts: CutOptions): SegmentPlan[] {
  if (!plays.length) return [];
  const costs = plays.map((p) => playCost(p, pixels));
  const total = costs.reduce((a, b) => a + b, 0);
  const bySize = Math.max(1, Math.floor(total / (opts.minFrames * pixels)));
  // One render slot in the whole cluster: nobody to share with, and every cut costs a set-up.
  const perWorker = opts.workers === 1 ? 1 : opts.perWorker;
  const count = Math.max(1, Math.min(plays.length, opts.workers * perWorker, bySize));
  const target = total / count;

  const out: SegmentPlan[] = [];
  let start = 0;
  let acc = 0;
  for (let i = 0; i < plays.length; i++) {
    acc += costs[i]!;
    const remainingSegments = count - out.length - 1;
    const remainingPlays = plays.length - i - 1;
    // Cut where this segment comes closest to its share, or when the plays left are just enough
    // for the segments left.
    const next = costs[i + 1] ?? 0;
    if (i === plays.length - 1 || (remainingSegments > 0 && (acc + next / 2 >= target || remainingPlays === remainingSegments))) {
      const slice = plays.slice(start, i + 1);
      out.push({ fromPlay: plays[start]!.index, toPlay: plays[i]!.index, frames: slice.reduce((n, p) => n + p.frames, 0), cost: acc });
      start = i + 1;
      acc = 0;
    }
  }
  return out;
}
