import { drawnElsewhere, type Play } from '../model/plan.ts';
import { sliceCost, tailEncodeCost } from './cost.ts';

/**
 * A worker's share of a scene: plays[a..b] (indices into the plays being cut). With `head` it starts
 * at that frame of plays[a] (the frames before it are the previous share's tail); with `tail` it
 * draws only the frames before that one of plays[b], then encodes the whole play from its own
 * frames and the next share's head (a video; PNG frames need no encoder).
 */
export interface Share {
  a: number;
  b: number;
  head?: number;
  tail?: number;
}

export interface BoundaryCosts {
  /** Microseconds the k-th share pays before drawing plays[a]: its start, and the fast-forward. */
  start: (a: number, k: number) => number;
  /** Microseconds of drawing whole plays a..b (0 when b < a). */
  draw: (a: number, b: number) => number;
}

export interface BoundaryOptions {
  workers: number;
  pixels: number;
  video: boolean;
  /** No piece of a play smaller than this many frames. */
  minFrames: number;
  /** What starting a segment costs, in microseconds: a cut inside a play must gain more than half. */
  setup: number;
  /** A running lead is drawing plays[drawing]: no cut inside it or the next one (the lead may get
   *  there before it learns where its share ends), nor before them. */
  drawing: number;
}

/** Microseconds of frames a..b-1 of a play drawn as a piece: the model's, scaled to what an earlier
 *  render of the play took when it was measured. */
function pieceCost(p: Play, a: number, b: number, opts: Pick<BoundaryOptions, 'pixels' | 'video'>): number {
  const model = sliceCost(p, opts.pixels, a, b, opts.video);
  return p.rememberedSeconds === undefined ? model : (model * p.rememberedSeconds * 1e6) / sliceCost(p, opts.pixels, 0, p.frames, opts.video);
}

/** Microseconds the k-th share costs, its pieces of plays included. */
export function shareCost(plays: Play[], share: Share, k: number, costs: BoundaryCosts, opts: Pick<BoundaryOptions, 'pixels' | 'video'>): number {
  const { a, b, head, tail } = share;
  const first = head === undefined ? a : a + 1;
  const last = tail === undefined ? b : b - 1;
  let cost = costs.start(a, k) + costs.draw(first, last);
  if (head !== undefined) cost += pieceCost(plays[a]!, head, plays[a]!.frames, opts);
  if (tail !== undefined) {
    const p = plays[b]!;
    cost += pieceCost(p, 0, tail, opts) + (opts.video ? p.frames * tailEncodeCost(p, opts.pixels) : 0);
  }
  return cost;
}

/** The scene's estimated wall time with these shares: the costliest, or all the work spread evenly. */
function wallTime(plays: Play[], shares: Share[], costs: BoundaryCosts, opts: BoundaryOptions): number {
  const each = shares.map((s, k) => shareCost(plays, s, k, costs, opts));
  return Math.max(...each, each.reduce((x, y) => x + y, 0) / opts.workers);
}

/**
 * Moves the boundary between neighbouring shares into a play where that clearly shortens the
 * scene's wall time: a cut at a play boundary leaves the shares as uneven as the plays around it
 * are long. The play at the boundary (the last of the earlier share or the first of the later one)
 * is then drawn in two pieces: the earlier share draws its first frames and encodes the play, from
 * its own frames and the later share's, which draws the rest first thing and goes on into its own
 * plays. The frame is where the two shares cost the same. Boundaries are moved in play order, each
 * against the shares as the moves before it left them.
 */
export function cutInsidePlays(plays: Play[], cuts: [number, number][], costs: BoundaryCosts, opts: BoundaryOptions): Share[] {
  const shares: Share[] = cuts.map(([a, b]) => ({ a, b }));
  const cuttable = (at: number) => {
    const p = plays[at]!;
    // a play with updaters whose time was measured: how much of it went to stepping, which the
    // later piece pays for every frame before it, the time does not tell
    const unknownSteps = !p.pure && p.rememberedSeconds !== undefined;
    return !p.skipped && !p.frozen && !drawnElsewhere(p) && !unknownSteps && p.frames >= 2 * opts.minFrames && at > opts.drawing + 1;
  };
  for (let k = 0; k + 1 < shares.length; k++) {
    const before = wallTime(plays, shares, costs, opts);
    let best: { shares: Share[]; wall: number } | undefined;
    for (const at of [shares[k]!.b, shares[k + 1]!.a]) {
      const p = plays[at]!;
      // a share of one play may not both start and end inside it (it would be a slice of it)
      if (!cuttable(at) || (shares[k]!.a === at && shares[k]!.head !== undefined)) continue;
      const tried = (frame: number) => {
        const next = [...shares];
        next[k] = { ...shares[k]!, b: at, tail: frame };
        next[k + 1] = { ...shares[k + 1]!, a: at, head: frame };
        return next;
      };
      // the earlier share costs more, the later less, the later the frame: bisect where they cross
      let low = opts.minFrames;
      let high = p.frames - opts.minFrames;
      while (low < high) {
        const mid = Math.floor((low + high) / 2);
        const next = tried(mid);
        if (shareCost(plays, next[k]!, k, costs, opts) < shareCost(plays, next[k + 1]!, k + 1, costs, opts)) low = mid + 1;
        else high = mid;
      }
      for (const frame of new Set([Math.max(opts.minFrames, low - 1), low])) {
        const next = tried(frame);
        const wall = wallTime(plays, next, costs, opts);
        if (!best || wall < best.wall) best = { shares: next, wall };
      }
    }
    // only for a clear gain: each piece pays the play's start and its frames' lossless trip
    if (best && best.wall < Math.min(before * 0.98, before - opts.setup / 2)) shares.splice(0, shares.length, ...best.shares);
  }
  return shares;
}
