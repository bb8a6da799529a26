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
  /** No segment smaller than this many plain frames' worth of work. */
  minFrames: number;
  /** What starting a segment costs whatever its size: a fork, the scene's construction. */
  setupSeconds: number;
  /** Most plays in one segment (a render farm's chunk size); 0 = no limit. */
  maxPlays?: number;
}

/** Rough costs in microseconds of one core, from Benchmark profiles at 720p. What matters is
 *  their ratio: a segment's set-up against drawing, drawing against fast-forwarding. */
const US = {
  pixel: 0.012, // clearing, copying and encoding a frame, per pixel
  encodePixel: 0.004, // encoding a repeated (frozen) frame, per pixel
  mobject: 200, // Python and Cairo per drawn mobject per frame (calibrated on the lab benchmark)
  point: 0.5, // Cairo per bezier point per frame
  fastForwardMobject: 15, // one step of animations and updaters, per mobject, when not measured
  fastForwardPure: 2000, // a pure play fast-forwarded on manim's skip path
};

/** Microseconds of Python per frame for the play's animations and updaters: measured while
 *  planning (one timed step), else estimated from the mobjects on screen. One timed step can catch
 *  a one-off (a font loaded, a garbage collection), so it counts at most a few drawn frames' worth. */
function stepCost(play: Play, pixels: number): number {
  if (play.stepSeconds <= 0) return 500 + play.mobjects * US.fastForwardMobject;
  return Math.min(play.stepSeconds * 1e6, 3 * drawCost(play, pixels));
}

function drawCost(play: Play, pixels: number): number {
  return pixels * US.pixel + play.mobjects * US.mobject + play.points * US.point;
}

/** Estimated microseconds to draw and encode a play. */
export function playCost(play: Play, pixels: number): number {
  if (play.skipped || play.frames === 0) return 0;
  const draw = drawCost(play, pixels) + stepCost(play, pixels);
  return play.frozen ? draw + (play.frames - 1) * pixels * US.encodePixel : play.frames * draw;
}

/** Estimated microseconds to fast-forward over a play that a segment starts after. */
export function fastForwardCost(play: Play, pixels: number): number {
  if (play.skipped) return 0;
  return play.pure ? US.fastForwardPure : play.frames * stepCost(play, pixels);
}

/**
 * Cuts a scene's plays into contiguous segments for `workers` render slots. Each segment costs its
 * set-up, its fast-forward over the plays before it, and its drawing. For each number of segments up
 * to workers × perWorker, the cut that makes the costliest segment cheapest is found; the number
 * kept is the one with the shortest estimated wall time, max(costliest segment, total / workers):
 * more segments balance better but each one adds a set-up and a longer fast-forward.
 */
export function planSegments(plays: Play[], pixels: number, opts: CutOptions, before: Play[] = []): SegmentPlan[] {
  if (!plays.length) return [];
  const render = plays.map((p) => playCost(p, pixels));
  // Every segment also fast-forwards over `before`, the plays another segment already covers.
  const ffPrefix = [before.reduce((n, p) => n + fastForwardCost(p, pixels), 0)];
  for (const p of plays) ffPrefix.push(ffPrefix.at(-1)! + fastForwardCost(p, pixels));
  const renderPrefix = [0];
  for (const c of render) renderPrefix.push(renderPrefix.at(-1)! + c);
  const setup = opts.setupSeconds * 1e6;
  const cost = (a: number, b: number) => setup + ffPrefix[a]! + renderPrefix[b + 1]! - renderPrefix[a]!;
  const maxPlays = opts.maxPlays || plays.length;

  const total = renderPrefix.at(-1)!;
  const bySize = Math.max(1, Math.floor(total / (opts.minFrames * pixels * US.pixel)));
  // One render slot in the whole cluster: nobody to share with, and every cut costs a set-up.
  const perWorker = opts.workers === 1 ? 1 : opts.perWorker;
  const fewest = Math.ceil(plays.length / maxPlays);
  const most = Math.max(fewest, Math.min(plays.length, opts.workers * perWorker, bySize));

  // Greedy cuts under a budget: each segment as long as the budget and maxPlays allow.
  const cutsUnder = (budget: number): [number, number][] | undefined => {
    const out: [number, number][] = [];
    for (let a = 0; a < plays.length; ) {
      if (cost(a, a) > budget) return undefined;
      let b = a;
      while (b + 1 < plays.length && b + 1 - a < maxPlays && cost(a, b + 1) <= budget) b++;
      out.push([a, b]);
      a = b + 1;
    }
    return out;
  };
  const bestWith = (count: number): [number, number][] => {
    let lo = 0;
    let hi = cost(0, plays.length - 1) + ffPrefix.at(-1)!;
    for (let i = 0; i < 50; i++) {
      const mid = (lo + hi) / 2;
      const cuts = cutsUnder(mid);
      if (cuts && cuts.length <= count) hi = mid;
      else lo = mid;
    }
    return cutsUnder(hi)!;
  };
  let best: { cuts: [number, number][]; wall: number } | undefined;
  for (let count = fewest; count <= most; count++) {
    const cuts = bestWith(count);
    const costs = cuts.map(([a, b]) => cost(a, b));
    const wall = Math.max(...costs, costs.reduce((x, y) => x + y, 0) / opts.workers);
    // More segments only for a clearly shorter wall time: each one is a set-up more.
    if (!best || wall < best.wall * 0.98) best = { cuts, wall };
  }
  return best!.cuts.map(([a, b]) => ({
    fromPlay: plays[a]!.index,
    toPlay: plays[b]!.index,
    frames: plays.slice(a, b + 1).reduce((n, p) => n + p.frames, 0),
    cost: cost(a, b) / 1e6,
  }));
}

/**
 * Where the lead segment ends. The lead started rendering from play 0 while the scene was being
 * planned and has done about `elapsedMs` of work; it ends where it has drawn its fair share of the
 * whole scene, and the rest is cut for every slot (the lead's own slot takes more when it is done).
 * At least the play the lead is probably drawing now is its own.
 */
export function leadEnd(plays: Play[], pixels: number, elapsedMs: number, workers: number, setupSeconds: number): number {
  const costs = plays.map((p) => playCost(p, pixels));
  const total = costs.reduce((a, b) => a + b, 0);
  const done = Math.max(0, (elapsedMs / 1000 - setupSeconds) * 1e6);
  const target = done + (total - done) / Math.max(1, workers);
  let rendered = 0;
  for (const [i, c] of costs.entries()) {
    rendered += c;
    // Stop at the play whose end is nearest the target, never before what is already drawn.
    if (rendered >= done && rendered + (costs[i + 1] ?? 0) / 2 >= target) return plays[i]!.index;
  }
  return plays.at(-1)!.index;
}
