import { drawnElsewhere, type Play, type SegmentCut } from '../model/plan.ts';
import { fastForwardCost, playCost } from './cost.ts';
import { cutInsidePlays, shareCost as piecesCost, type Share } from './boundary.ts';
import { relativeRates } from './rate.ts';

export interface CutOptions {
  workers: number;
  /** Segments per worker: more than one, so that faster nodes take more of them. */
  perWorker: number;
  /** No segment smaller than this many plain frames' worth of work. */
  minFrames: number;
  /** What starting a segment costs whatever its size: a fork, the scene's construction. */
  setupSeconds: number;
  /** Most plays in one cut (a render farm's chunk size); 0 = no limit. */
  maxPlays?: number;
  /** Move the boundary between two workers' shares into a play where that shortens the wall time
   *  (cutting/boundary.ts). */
  insidePlays?: boolean;
  /** The output is a video: a play cut between two shares is encoded by the earlier one. */
  video?: boolean;
}

export interface CutContext {
  /** Plays another segment already rendered: every segment fast-forwards over them. */
  before?: Play[];
  /** A lead segment is drawing `plays[at]` now, `frames` of it drawn: the first share is its, at
   *  no set-up. With `rate` (how fast its machine was measured to work, cutting/rate.ts) its share
   *  is weighed at that rate against the mean of those measured; queued shares at the mean. */
  lead?: { at: number; frames?: number; rate?: number };
  /** Scouting segments (running the exact fast-forward, a paused copy at every play) that have
   *  got to `plays[at]`: the next shares are theirs, at no set-up; `rate` as the lead's. `slow`:
   *  its machine is clearly slower than the others by their start-up probes (store/plans.ts). */
  scouts?: { at: number; rate?: number; slow?: boolean }[];
}

/** Splits plays lo..hi into at least `parts` contiguous runs (more if `maxPlays` demands it) whose
 *  costliest run is as cheap as greedy cuts under a bisected budget make it. `cost(a, b, k)` is what
 *  plays a..b cost as the k-th run. */
function split(lo: number, hi: number, parts: number, cost: (a: number, b: number, k: number) => number, maxPlays: number, counted: (a: number, b: number) => number): [number, number][] {
  const fewest = Math.max(parts, Math.ceil((hi - lo + 1) / maxPlays));
  const under = (budget: number): [number, number][] | undefined => {
    const out: [number, number][] = [];
    for (let a = lo; a <= hi; ) {
      const k = out.length;
      if (cost(a, a, k) > budget) return undefined;
      let b = a;
      while (b < hi && counted(a, b + 1) <= maxPlays && cost(a, b + 1, k) <= budget) b++;
      out.push([a, b]);
      a = b + 1;
    }
    return out;
  };
  let low = 0;
  let high = cost(lo, hi, 0) + 1;
  for (let i = 0; i < 50; i++) {
    const mid = (low + high) / 2;
    const cuts = under(mid);
    if (cuts && cuts.length <= fewest) high = mid;
    else low = mid;
  }
  return under(high)!;
}

/**
 * Moves each boundary between two neighbouring shares to where the costlier of the two is cheapest,
 * until none moves. split's greedy cuts fill the early shares up to the costliest one's cost and
 * leave the last with what is over (on the lab, plays 19-27 of the Benchmark scene at 19.6 s of
 * the model's CPU beside 28-38 at 10.4 s: that share ended 22 s before the other, and the job
 * waited). No share ends up costlier than the costliest was; the others end nearer together, so a
 * share the model weighed too light is less likely to end last.
 */
function balance(shares: [number, number][], cost: (a: number, b: number, k: number) => number): [number, number][] {
  const out = shares.map(([a, b]): [number, number] => [a, b]);
  for (let moved = true, passes = 0; moved && passes < 4 * out.length; passes++) {
    moved = false;
    for (let k = 0; k + 1 < out.length; k++) {
      const [a, b] = [out[k]![0], out[k + 1]![1]];
      const worse = (m: number) => Math.max(cost(a, m, k), cost(m + 1, b, k + 1));
      let best = out[k]![1];
      for (let m = a; m < b; m++) if (worse(m) < worse(best) * (1 - 1e-9)) best = m;
      if (best === out[k]![1]) continue;
      out[k]![1] = best;
      out[k + 1]![0] = best + 1;
      moved = true;
    }
  }
  return out;
}

/** Where a scene's segments go: the running lead's and scouts' first segments, and the queue's. */
export interface Cut {
  lead?: SegmentCut;
  /** In the order the scouts were given; undefined for a scout the scene has no share for. */
  scouts: (SegmentCut | undefined)[];
  queued: SegmentCut[];
  /** Plays cut between two shares (drawn in two pieces, see cutting/boundary.ts). */
  inside: number[];
}

/**
 * Cuts a scene's plays for `workers` render slots in two levels. First each worker's share: a
 * contiguous run of plays whose cost is its start, a set-up and a fast-forward over the plays before
 * it, and its drawing. A running lead's share starts at play 0 and costs only what it has left to
 * draw; a scout's costs what it has left to fast-forward; the other shares are queued. The number
 * of shares is the one with the shortest estimated wall time (more shares balance better but each
 * adds a start). Then each share is cut into about `perWorker` segments: a worker that finishes a
 * segment goes on into the next one of its share while it is still queued, with no new start, and a
 * worker with nothing left takes the last queued segment of another share.
 */
export function cutScene(plays: Play[], pixels: number, opts: CutOptions, ctx: CutContext = {}): Cut {
  const scoutsIn = ctx.scouts ?? [];
  if (!plays.length) return { scouts: scoutsIn.map(() => undefined), queued: [], inside: [] };
  const n = plays.length;
  const ffPrefix = [(ctx.before ?? []).reduce((t, p) => t + fastForwardCost(p, pixels), 0)];
  for (const p of plays) ffPrefix.push(ffPrefix.at(-1)! + fastForwardCost(p, pixels));
  const renderPrefix = [0];
  for (const p of plays) renderPrefix.push(renderPrefix.at(-1)! + playCost(p, pixels));
  const clamp = (i: number) => Math.min(Math.max(0, i), n - 1);
  const at = ctx.lead ? clamp(ctx.lead.at) : 0;
  // each running share's machine against the mean of those measured; queued shares at the mean
  const rates = relativeRates([...(ctx.lead ? [ctx.lead.rate] : []), ...scoutsIn.map((s) => s.rate)]);
  const firstScout = ctx.lead ? 1 : 0;
  // Farther shares to the scouts that have got farther.
  const all = scoutsIn.map((s, i) => ({ i, at: clamp(s.at), rate: rates[firstScout + i]!, slow: !!s.slow })).sort((x, y) => x.at - y.at);
  // What is left to draw of plays a..b: a lead has drawn the plays before `at`, and part of that one.
  const leadDrew = ctx.lead?.frames ? playCost(plays[at]!, pixels) * Math.min(1, ctx.lead.frames / Math.max(1, plays[at]!.frames)) : 0;
  const draw = (a: number, b: number) => {
    const from = ctx.lead ? Math.max(a, at) : a;
    return b < from ? 0 : renderPrefix[b + 1]! - renderPrefix[from]! - (from === at ? leadDrew : 0);
  };
  const setup = opts.setupSeconds * 1e6;
  const counted = (a: number, b: number) => b - (ctx.lead && a === 0 ? Math.max(a, at) : a) + 1;

  const total = draw(0, n - 1);
  // A frozen wait draws one frame; the rest of its frames are copies.
  const drawn = plays.slice(at).reduce((t, p) => t + (p.skipped || drawnElsewhere(p) ? 0 : p.frozen ? 1 : p.frames), 0);
  const bySize = Math.max(1, Math.floor(drawn / opts.minFrames));
  const minChunk = (total / Math.max(1, drawn)) * opts.minFrames;
  const mostShares = opts.workers === 1 ? 1 : Math.min(opts.workers, n, bySize);
  // A share is cut into segments no smaller than a set-up is worth taking from its back.
  const perWorker = opts.workers === 1 ? 1 : opts.perWorker;
  const smallest = Math.max(minChunk, 2 * setup);
  const segmentsOf = (a: number, b: number) => Math.max(1, Math.min(perWorker, Math.floor(draw(a, b) / smallest)));
  /** Share k's start and cost with these scouts taking the shares after the lead's. */
  const costsWith = (scouts: typeof all) => {
    const start = (a: number, k: number) => {
      if (ctx.lead && k === 0) return 0;
      const scout = scouts[k - firstScout];
      return scout ? Math.max(0, ffPrefix[a]! - ffPrefix[scout.at]!) : setup + ffPrefix[a]!;
    };
    const rate = (k: number) => (ctx.lead && k === 0 ? rates[0]! : (scouts[k - firstScout]?.rate ?? 1));
    return { start, shareCost: (a: number, b: number, k: number) => (start(a, k) + draw(a, b)) / rate(k) };
  };
  /** The number of shares with the shortest estimated wall time. */
  const bestWith = (scouts: typeof all) => {
    const { shareCost } = costsWith(scouts);
    let best: { shares: [number, number][]; wall: number; scouts: typeof all } | undefined;
    for (let count = 1; count <= mostShares; count++) {
      const shares = balance(split(0, n - 1, count, shareCost, Infinity, counted), shareCost);
      const costs = shares.map(([a, b], k) => shareCost(a, b, k));
      const wall = Math.max(...costs, costs.reduce((x, y) => x + y, 0) / opts.workers);
      // More shares only for a clearly shorter wall time: each one is a start more of work, unless
      // the new share is a running scout's, which has started already, or the slot it is for would
      // take the back segment of a share cut into several anyway, paying that start.
      const started = scouts[count - 1 - firstScout] !== undefined || (!!best && best.shares.some(([a, b]) => segmentsOf(a, b) > 1));
      if (!best || wall < Math.min(best.wall * 0.98, best.wall - (started ? 0 : setup / 2))) best = { shares, wall, scouts };
    }
    return best!;
  };
  // A scout on a machine slow enough that any share of its would end last, placed between the
  // others by how far it got, would take the share count down with it: the cut is weighed again
  // without the slowest scouts, one at a time, and a scout left out stops (its machine takes
  // queued segments like any free slot). Only scouts on machines clearly slower by their probes:
  // a scout's rate in its first seconds is low beside a lead's (cutting/rate.ts cutRates), and a
  // scout left out for it only starts again from play 0 (on the mixed lab, 0.45-CPU scouts left
  // out so sat idle 7-15 s).
  let best = bestWith(all);
  const bySpeed = all.filter((s) => s.slow).sort((x, y) => x.rate - y.rate);
  for (let d = 1; d <= bySpeed.length; d++) {
    const left = new Set(bySpeed.slice(0, d));
    const tried = bestWith(all.filter((s) => !left.has(s)));
    if (tried.wall < best.wall * 0.98) best = tried;
  }
  const scouts = best.scouts;
  const { start } = costsWith(scouts);
  const pieces = { pixels, video: opts.video ?? true };
  const costs = { start, draw };
  const shares: Share[] = opts.insidePlays && opts.workers > 1
    ? cutInsidePlays(plays, best.shares, costs, { ...pieces, workers: opts.workers, minFrames: opts.minFrames, setup, drawing: ctx.lead ? at : -1 })
    : best.shares.map(([a, b]) => ({ a, b }));

  const maxPlays = opts.maxPlays || Infinity;
  const ranked = shares.map((s, k) => ({ k, cost: piecesCost(plays, s, k, costs, pieces) })).sort((x, y) => y.cost - x.cost);
  const rank = new Map(ranked.map((r, i) => [r.k, i]));
  const cut: Cut = { scouts: scoutsIn.map(() => undefined), queued: [], inside: shares.flatMap((s) => (s.tail === undefined ? [] : [plays[s.b]!.index])) };
  for (const [k, share] of shares.entries()) {
    const { a, b } = share;
    const chunks = split(a, b, segmentsOf(a, b), draw, maxPlays, counted);
    for (const [c, [x, y]] of chunks.entries()) {
      // the share's first chunk starts where it does, its last ends where it does
      const chunk: Share = { a: x, b: y, head: c === 0 ? share.head : undefined, tail: c === chunks.length - 1 ? share.tail : undefined };
      const frames = plays.slice(x, y + 1).reduce((t, p) => t + p.frames, 0) - (chunk.head ?? 0) - (chunk.tail === undefined ? 0 : plays[y]!.frames - chunk.tail);
      const segment: SegmentCut = {
        fromPlay: plays[x]!.index,
        toPlay: plays[y]!.index,
        ...(chunk.head === undefined ? {} : { fromFrame: chunk.head }),
        ...(chunk.tail === undefined ? {} : { toFrame: chunk.tail }),
        frames,
        cost: (piecesCost(plays, chunk, k, costs, pieces) - (c === 0 ? 0 : start(x, k))) / 1e6,
        // Longest share first; then back segments, the last of each share first.
        priority: c === 0 ? rank.get(k)! : 100 + (chunks.length - 1 - c) * shares.length + rank.get(k)!,
      };
      const scout = scouts[k - firstScout];
      if (c === 0 && ctx.lead && k === 0) cut.lead = segment;
      else if (c === 0 && scout) cut.scouts[scout.i] = segment;
      else cut.queued.push(segment);
    }
  }
  return cut;
}

