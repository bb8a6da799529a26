import type { Play } from '../driver/protocol.ts';

export interface SegmentPlan {
  fromPlay: number;
  toPlay: number;
  frames: number;
  /** Estimated seconds of one core: set-up, fast-forward to `fromPlay`, drawing and encoding. */
  cost: number;
}

export interface CutOptions {
  workers: number;
  /** Segments per worker: more than one, so that faster nodes take more of them. */
  perWorker: number;
  /** No segment smaller than this many plain frames' worth of work: each one pays a fork, the
   *  scene's construction and a fast-forward, a few seconds whatever its size. */
  minFrames: number;
}

/** Rough costs in microseconds of one core, from Benchmark profiles at 720p. What matters is
 *  their ratio: a segment's set-up against drawing, drawing against fast-forwarding. */
const US = {
  pixel: 0.012, // clearing, copying and encoding a frame, per pixel
  encodePixel: 0.004, // encoding a repeated (frozen) frame, per pixel
  mobject: 60, // Python and Cairo per drawn mobject per frame
  point: 0.5, // Cairo per bezier point per frame
  fastForwardMobject: 15, // an exact (per-frame) fast-forward step, per mobject
  fastForwardPure: 2000, // a pure play fast-forwarded on manim's skip path
  segment: 2_500_000, // forking the driver, importing the scene, constructing it
};

/** Estimated microseconds to draw and encode a play. */
export function playCost(play: Play, pixels: number): number {
  if (play.skipped || play.frames === 0) return 0;
  const draw = pixels * US.pixel + play.mobjects * US.mobject + play.points * US.point;
  return play.frozen ? draw + (play.frames - 1) * pixels * US.encodePixel : play.frames * draw;
}

/** Estimated microseconds to fast-forward over a play that a segment starts after. */
export function fastForwardCost(play: Play): number {
  if (play.skipped) return 0;
  return play.pure ? US.fastForwardPure : play.frames * (500 + play.mobjects * US.fastForwardMobject);
}

/**
 * Cuts a scene's plays into at most workers × perWorker contiguous segments so that the costliest
 * segment is as cheap as possible, counting each segment's set-up and its fast-forward over the
 * plays before it (so later segments get fewer plays).
 */
export function planSegments(plays: Play[], pixels: number, opts: CutOptions): SegmentPlan[] {
  if (!plays.length) return [];
  const render = plays.map((p) => playCost(p, pixels));
  const ffPrefix = [0];
  for (const p of plays) ffPrefix.push(ffPrefix.at(-1)! + fastForwardCost(p));
  const renderPrefix = [0];
  for (const c of render) renderPrefix.push(renderPrefix.at(-1)! + c);
  const cost = (a: number, b: number) => US.segment + ffPrefix[a]! + renderPrefix[b + 1]! - renderPrefix[a]!;

  const total = renderPrefix.at(-1)!;
  const bySize = Math.max(1, Math.floor(total / (opts.minFrames * pixels * US.pixel)));
  // One render slot in the whole cluster: nobody to share with, and every cut costs a set-up.
  const perWorker = opts.workers === 1 ? 1 : opts.perWorker;
  const count = Math.max(1, Math.min(plays.length, opts.workers * perWorker, bySize));

  // Greedy cuts under a budget; the smallest budget that needs at most `count` segments wins.
  const cutsUnder = (budget: number): [number, number][] | undefined => {
    const out: [number, number][] = [];
    let a = 0;
    while (a < plays.length) {
      if (cost(a, a) > budget) return undefined;
      let b = a;
      while (b + 1 < plays.length && cost(a, b + 1) <= budget) b++;
      out.push([a, b]);
      a = b + 1;
    }
    return out;
  };
  let lo = 0;
  let hi = cost(0, plays.length - 1) + ffPrefix.at(-1)!;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    const cuts = cutsUnder(mid);
    if (cuts && cuts.length <= count) hi = mid;
    else lo = mid;
  }
  return cutsUnder(hi)!.map(([a, b]) => ({
    fromPlay: plays[a]!.index,
    toPlay: plays[b]!.index,
    frames: plays.slice(a, b + 1).reduce((n, p) => n + p.frames, 0),
    cost: cost(a, b) / 1e6,
  }));
}
