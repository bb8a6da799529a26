import { describe, it, expect } from 'vitest';
import { cutScene as plan } from '../src/cutting/cut.ts';
import { shouldGoOn, shouldSteal } from '../src/cutting/steal.ts';
import { splitPoint } from '../src/cutting/split.ts';
import { drawingRate, relativeRates } from '../src/cutting/rate.ts';
import { endBeforeSlices, slicePlays } from '../src/cutting/slice.ts';
import { configSchema } from '../src/config/schema.ts';
import { withForwardSeconds } from '../src/cutting/forwarded.ts';
import { withDrawSamples } from '../src/cutting/draw-samples.ts';
import { playCost } from '../src/cutting/cost.ts';
import type { SegmentCut, Play } from '../src/model/plan.ts';

const play = (index: number, frames: number, extra: Partial<Play> = {}): Play => ({
  index, frames, runTime: frames / 30, frozen: false, section: 0, skipped: false, timeBased: false, pure: true, mobjects: 1, points: 16, stepSeconds: 0, drawSeconds: 0, motion: 0, encodeSeconds: 0, codeSeconds: 0, seconds: 0, ...extra,
});
const PIXELS = 1280 * 720;
/** Every segment of a cut, in play order. */
const cutScene = (...args: Parameters<typeof plan>): SegmentCut[] => {
  const cut = plan(...args);
  return [...(cut.lead ? [cut.lead] : []), ...cut.scouts.filter((s) => s !== undefined), ...cut.queued].sort((a, b) => a.fromPlay - b.fromPlay);
};
const opts = { workers: 2, perWorker: 2, minFrames: 30, setupSeconds: 0 };

describe('cutting a scene into segments', () => {
  it('covers every play once, in order, in contiguous segments', () => {
    const plays = Array.from({ length: 40 }, (_, i) => play(i, 20 + (i % 7) * 10));
    const cuts = cutScene(plays, PIXELS, opts);
    expect(cuts.length).toBeGreaterThanOrEqual(2);
    expect(cuts.length).toBeLessThanOrEqual(4);
    expect(cuts[0]!.fromPlay).toBe(0);
    expect(cuts.at(-1)!.toPlay).toBe(39);
    for (let i = 1; i < cuts.length; i++) expect(cuts[i]!.fromPlay).toBe(cuts[i - 1]!.toPlay + 1);
    expect(cuts.reduce((n, c) => n + c.frames, 0)).toBe(plays.reduce((n, p) => n + p.frames, 0));
  });

  it('balances by drawing cost: a play full of shapes weighs more than an empty one of the same length', () => {
    const plays = [play(0, 60, { mobjects: 300, points: 4800 }), play(1, 60), play(2, 60), play(3, 60)];
    const cuts = cutScene(plays, PIXELS, { ...opts, perWorker: 1 });
    expect(cuts.map((c) => [c.fromPlay, c.toPlay])).toEqual([[0, 0], [1, 3]]);
  });

  it('keeps one segment for a lone worker, and none smaller than the minimum', () => {
    const plays = Array.from({ length: 10 }, (_, i) => play(i, 30));
    expect(cutScene(plays, PIXELS, { ...opts, workers: 1 }).length).toBe(1);
    expect(cutScene(plays, PIXELS, { workers: 8, perWorker: 3, minFrames: 100, setupSeconds: 0 }).length).toBe(3);
    expect(cutScene([], PIXELS, opts)).toEqual([]);
  });

  it('gives later segments fewer plays when the plays before them need an exact fast-forward', () => {
    const plays = Array.from({ length: 12 }, (_, i) => play(i, 60, { pure: false, mobjects: 20, stepSeconds: 0.02 }));
    const cuts = cutScene(plays, PIXELS, { workers: 3, perWorker: 1, minFrames: 1, setupSeconds: 0 });
    expect(cuts.length).toBe(3);
    const sizes = cuts.map((c) => c.toPlay - c.fromPlay + 1);
    expect(sizes[0]).toBeGreaterThan(sizes[2]!);
  });

  it('does not cut a scene so short that a segment’s set-up costs more than it saves', () => {
    const plays = Array.from({ length: 5 }, (_, i) => play(i, 1));
    expect(cutScene(plays, PIXELS, { ...opts, minFrames: 1, setupSeconds: 2.5 }).length).toBe(1);
    // The same plays, long enough to be worth it, are cut.
    const long = Array.from({ length: 5 }, (_, i) => play(i, 300));
    expect(cutScene(long, PIXELS, { ...opts, minFrames: 1, setupSeconds: 2.5 }).length).toBeGreaterThan(1);
  });

  it('never puts more plays in a segment than the chunk size allows', () => {
    const plays = Array.from({ length: 7 }, (_, i) => play(i, 3));
    const cuts = cutScene(plays, PIXELS, { ...opts, workers: 1, maxPlays: 2 });
    expect(cuts.map((c) => c.toPlay - c.fromPlay + 1)).toEqual([2, 2, 2, 1]);
  });

  it('counts a frozen wait as one drawn frame, not as many', () => {
    const plays = [play(0, 30), play(1, 300, { frozen: true }), play(2, 30)];
    const cuts = cutScene(plays, PIXELS, { workers: 2, perWorker: 1, minFrames: 1, setupSeconds: 0 });
    // The long wait is cheap: it does not get a worker to itself.
    expect(cuts.length).toBe(2);
    expect(cuts.some((c) => c.fromPlay === 1 && c.toPlay === 1)).toBe(false);
  });

  it('cuts each worker’s share into segments, queued share starts first and then from the back', () => {
    const plays = Array.from({ length: 24 }, (_, i) => play(i, 90));
    const cuts = cutScene(plays, PIXELS, { workers: 2, perWorker: 3, minFrames: 30, setupSeconds: 0 });
    expect(cuts.length).toBe(6);
    const order = [...cuts].sort((a, b) => a.priority - b.priority).map((c) => c.fromPlay);
    const starts = cuts.map((c) => c.fromPlay);
    // The two shares start at play 0 and near the middle (the second fast-forwards over the first's
    // plays, so it starts a little later); then the last segment of each share, then the middle ones.
    const [, second] = order.slice(0, 2).sort((a, b) => a - b);
    expect(order.slice(0, 2).sort((a, b) => a - b)).toEqual([0, second]);
    expect(second).toBeGreaterThanOrEqual(12);
    expect(second).toBeLessThanOrEqual(14);
    const lastOf = (from: number, to: number) => Math.max(...starts.filter((p) => p >= from && p < to));
    expect(order.slice(2, 4).sort((a, b) => a - b)).toEqual([lastOf(0, second!), lastOf(second!, 24)]);
    expect(order.slice(4).sort((a, b) => a - b)).toEqual(starts.filter((p) => !order.slice(0, 4).includes(p)));
  });

  it('gives a lead segment the first share from where it is, at no set-up cost', () => {
    const plays = Array.from({ length: 20 }, (_, i) => play(i, 60));
    const opts2 = { workers: 2, perWorker: 2, minFrames: 30, setupSeconds: 2.5 };
    const fresh = cutScene(plays, PIXELS, opts2);
    const { lead, queued: rest } = plan(plays, PIXELS, opts2, { lead: { at: 6 } });
    expect(lead!.fromPlay).toBe(0);
    expect(lead!.toPlay).toBeGreaterThanOrEqual(6);
    // Six plays already drawn: the lead's share reaches further than a fresh first share.
    const shareEnd = (cuts: typeof rest) => {
      const starts = cuts.filter((c) => c.priority < 100 && c.fromPlay > 0).map((c) => c.fromPlay);
      expect(starts.length).toBeGreaterThan(0); // Math.min() of nothing is Infinity
      return Math.min(...starts);
    };
    expect(shareEnd(rest)).toBeGreaterThan(shareEnd(fresh));
    expect(rest.at(-1)!.toPlay).toBe(19);
  });

  it('gives a machine measured slower a smaller share, and one measured faster a larger one', () => {
    const plays = Array.from({ length: 40 }, (_, i) => play(i, 60));
    const opts4 = { workers: 4, perWorker: 1, minFrames: 30, setupSeconds: 0.5 };
    const lead = (rate?: number) => {
      const cut = plan(plays, PIXELS, opts4, { lead: { at: 2, rate }, scouts: [{ at: 20, rate: 0.45 }, { at: 20, rate: 0.45 }, { at: 20, rate: 0.45 }] });
      return cut.lead!.toPlay;
    };
    expect(lead(0.2)).toBeLessThan(lead(0.45));
    expect(lead(0.9)).toBeGreaterThan(lead(0.45));
    // unmeasured, it counts as the mean of those measured
    expect(lead(undefined)).toBe(lead(0.45));
    expect(relativeRates([0.25, undefined, 0.75])).toEqual([0.5, 1, 1.5]);
    // rates that differ by what a measure over a few plays errs by: machines alike
    expect(lead(0.4)).toBe(lead(0.45));
    expect(relativeRates([0.4, 0.45, 0.5])).toEqual([1, 1, 1]);
  });

  it('counts what a lead has drawn of the long play it is in: the further in, the longer its share', () => {
    // a long play first, then cheap ones: a lead nearly through it has little of it left
    const plays = [play(0, 600, { mobjects: 300, points: 4800 }), ...Array.from({ length: 30 }, (_, i) => play(i + 1, 30))];
    const opts2 = { workers: 2, perWorker: 1, minFrames: 30, setupSeconds: 0.5 };
    const starting = plan(plays, PIXELS, opts2, { lead: { at: 0, frames: 0 } }).lead!;
    const nearlyDone = plan(plays, PIXELS, opts2, { lead: { at: 0, frames: 570 } }).lead!;
    expect(nearlyDone.toPlay).toBeGreaterThan(starting.toPlay);
    // told it has drawn more frames than the play has, it has drawn the play, no more
    expect(plan(plays, PIXELS, opts2, { lead: { at: 0, frames: 10_000 } }).lead!.toPlay).toBe(plan(plays, PIXELS, opts2, { lead: { at: 1 } }).lead!.toPlay);
  });

  it('gives every machine a share of a short updater scene when that shortens the wall time (the default options)', () => {
    // About 30 s at 30 fps with updaters throughout, as measured by a planning pass at 720p (a frame
    // about 42 ms to step and draw, 15 of them stepping): every share fast-forwards per frame over
    // the plays before it, which costs over a third of drawing.
    const plays = Array.from({ length: 10 }, (_, i) => play(i, 90, { pure: false, mobjects: 24, points: 900, stepSeconds: 0.015, drawSeconds: 0.02, seconds: 0.3 }));
    const defaults = configSchema.parse({}).segments;
    const shares = (workers: number, ctx = {}) => plan(plays, PIXELS, { ...defaults, workers }, ctx);
    const starts = (cut: ReturnType<typeof plan>) => [cut.lead, ...cut.queued].filter((c) => c && c.priority < 100).length;
    expect(starts(shares(4))).toBe(4);
    expect(starts(shares(4, { lead: { at: 1 } }))).toBe(4);
    expect(starts(shares(3))).toBe(3);
  });

  it('gives a slot a share of its own rather than leave it to take the back segment of another', () => {
    // The short updater scene rendered again on four machines, its plays' drawing remembered (2.55 s
    // each). Three shares balance nearly as well as four, and the first would be cut into two
    // segments: the fourth machine took the back one at once and the first's machine then sat idle.
    const plays = Array.from({ length: 10 }, (_, i) => play(i, 90, { pure: false, timeBased: true, mobjects: 24, points: 898, drawSeconds: 0.0035, stepSeconds: 0.0105, seconds: 0.03, motion: 0.013, rememberedSeconds: 2.55 }));
    const cut = plan(plays, PIXELS, { ...configSchema.parse({}).segments, workers: 4 });
    expect(cut.queued.filter((c) => c.priority < 100)).toHaveLength(4);
  });

  it('ends the shares beside the costliest one nearer together, rather than fill each up to it and leave the last what is over', () => {
    // one long play bounds the wall time; of the rest, a greedy cut gave plays 1-3 to one machine and
    // left 4-5, a sixth of that, to the last
    const plays = [330, 130, 130, 10, 10, 10].map((frames, i) => play(i, frames));
    const cuts = cutScene(plays, PIXELS, { ...opts, workers: 3, perWorker: 1 });
    expect(cuts.map((c) => [c.fromPlay, c.toPlay])).toEqual([[0, 0], [1, 1], [2, 5]]);
  });

  it('weighs how much each frame changes: a moving scene costs more to draw, so the share that only draws gets less of it', () => {
    // The short updater scene's plan at 720p (examples/bench_short.py) in plays of half its plays'
    // length, its frames still or changing as they do (1.3 % of the pixels between two frames):
    // encoding them costs 12-13 ms a frame against a still frame's 7, which the lead (drawing from
    // play 0) pays for every play it takes and a scout only for its own.
    const plays = (motion: number) => Array.from({ length: 20 }, (_, i) => play(i, 45, { pure: false, timeBased: true, mobjects: 24, points: 898, drawSeconds: 0.0035, stepSeconds: 0.009, seconds: 0.04, motion }));
    const four = { workers: 4, perWorker: 1, minFrames: 30, setupSeconds: 2.5 };
    const ctx = { lead: { at: 0 }, scouts: [{ at: 0 }, { at: 0 }, { at: 0 }] };
    const lead = (motion: number) => plan(plays(motion), PIXELS, four, ctx).lead!;
    expect(lead(0.013).toPlay).toBeLessThan(lead(0).toPlay);
  });

  it('weighs the plays a scout has fast-forwarded over by what that took it, not by the plan’s estimate', () => {
    // The short updater scene's plan at 720p: its first three plays' timed steps met first uses (a
    // number's glyphs) and took 30 ms against 9 later, so the plan puts fast-forwarding over each
    // at 2.8 s. Two scouts, one at play 3 and one at play 2, took 1-1.25 s over each (their mean).
    const plays = Array.from({ length: 10 }, (_, i) => play(i, 90, { pure: false, timeBased: true, mobjects: 24, points: 898, drawSeconds: 0.0035, stepSeconds: i < 3 ? 0.03 : 0.009, seconds: 0.04, motion: 0.013 }));
    const measured = withForwardSeconds(plays, [null, [1, 1, 1.25], [1.25, 1.25]]);
    expect(measured.slice(0, 4).map((p) => p.forwardSeconds)).toEqual([1.125, 1.125, 1.25, undefined]);
    // Two machines: the second share fast-forwards over the first's plays, at what that took (3.5 s
    // over plays 0-2) rather than the plan's 2.74 s each (its start and 90 steps of 30 ms).
    const shares = (ps: Play[]) => cutScene(ps, PIXELS, { workers: 2, perWorker: 1, minFrames: 30, setupSeconds: 2.5 });
    const [estimated, taken] = [shares(plays), shares(measured)];
    expect(taken[1]!.fromPlay).toBe(estimated[1]!.fromPlay);
    expect(estimated[1]!.cost - taken[1]!.cost).toBeCloseTo(3 * 2.74 - 3.5, 1);
  });

  it('weighs drawing a play with updaters by the step its measured fast-forward took, not the one the plan timed', () => {
    // Play 0 of the short updater scene: its two timed steps met first uses (a number's glyphs) and
    // took 30 ms against 9 in its later plays; a scout stepped its 90 frames in 1 s.
    const look = { pure: false, timeBased: true, mobjects: 24, points: 898, drawSeconds: 0.0035, seconds: 0.04, motion: 0.013 };
    const timed = play(0, 90, { ...look, stepSeconds: 0.03 });
    const [measured] = withForwardSeconds([timed], [[1]]);
    const later = play(0, 90, { ...look, stepSeconds: 0.009 });
    // drawing it costs about what drawing a later play like it does, 1.4 s less than the plan said
    expect(playCost(measured!, PIXELS)).toBeLessThan(playCost(timed, PIXELS) - 1.4e6);
    expect(Math.abs(playCost(measured!, PIXELS) - playCost(later, PIXELS))).toBeLessThan(0.2e6);
    // A pure play's fast-forward jumps over its frames: its measure says nothing of their step.
    const pure = { ...timed, pure: true };
    expect(playCost({ ...pure, forwardSeconds: 0.05 }, PIXELS)).toBe(playCost(pure, PIXELS));
  });

  it('steadies plays the planning pass timed at a busy moment by the scouts’ samples of the same frames, so the shares end together', () => {
    // Sixteen like plays drawing in 20 ms a frame; the planning pass timed plays 2 and 3 at 41 ms
    // (the lab's play 12: 21 ms in one pass, 41 in another). Two scouts drew plays 0-5 before the cut.
    const look = { mobjects: 40, points: 2000, seconds: 0.01 };
    const truth = Array.from({ length: 16 }, (_, i) => play(i, 30, { ...look, drawSeconds: 0.02 }));
    const planned = truth.map((p) => (p.index === 2 || p.index === 3 ? { ...p, drawSeconds: 0.041 } : p));
    const steadied = withDrawSamples(planned, [null, [0.022, 0.021, 0.021, 0.02, 0.022, 0.02], [0.021, 0.02, 0.02, 0.021]]);
    // plays 2 and 3 come back in line with their neighbours, at the pass's level; plays no scout drew keep theirs
    expect(steadied[2]!.drawSeconds / steadied[1]!.drawSeconds).toBeCloseTo(1, 1);
    expect(steadied[1]!.drawSeconds).toBeCloseTo(0.02, 3);
    expect(steadied.slice(6)).toEqual(planned.slice(6));
    const starts = (ps: Play[]) => cutScene(ps, PIXELS, { workers: 2, perWorker: 1, minFrames: 30, setupSeconds: 0 }).map((c) => c.fromPlay);
    expect(starts(planned)).not.toEqual(starts(truth));
    expect(starts(steadied)).toEqual(starts(truth));
  });

  it('gives every running scout a share when that shortens the wall time, however little: it has started already', () => {
    // A short scene with updaters throughout (the figures of examples/bench_short.py's plan): a
    // fourth share saves less than half a set-up, which a queued share would have to pay; a scout does not.
    const plays = Array.from({ length: 10 }, (_, i) => play(i, 90, { pure: false, timeBased: true, mobjects: 24, points: 898, drawSeconds: 0.0033, stepSeconds: 0.0071, seconds: 0.033 }));
    const four = { workers: 4, perWorker: 2, minFrames: 30, setupSeconds: 2.5 };
    const scouted = plan(plays, PIXELS, four, { lead: { at: 0 }, scouts: [{ at: 0 }, { at: 0 }, { at: 0 }] });
    expect(scouted.scouts.every((s) => s !== undefined)).toBe(true);
    // With no scouts running, the fourth share's set-up is not worth what it saves.
    expect(cutScene(plays, PIXELS, { ...four, perWorker: 1 }).length).toBe(3);
  });

  it('gives scouts the shares after the lead’s, the farthest to the one that has got farthest, at no set-up', () => {
    const plays = Array.from({ length: 30 }, (_, i) => play(i, 300));
    const opts4 = { workers: 4, perWorker: 2, minFrames: 30, setupSeconds: 2.5 };
    const cut = plan(plays, PIXELS, opts4, { lead: { at: 2 }, scouts: [{ at: 29 }, { at: 5 }] });
    const [far, near] = cut.scouts;
    expect(cut.lead!.fromPlay).toBe(0);
    expect(near!.fromPlay).toBeGreaterThan(cut.lead!.toPlay);
    expect(far!.fromPlay).toBeGreaterThan(near!.fromPlay);
    // The fourth share is queued; it pays a set-up and a fast-forward, so it is the shortest.
    const fourth = cut.queued.filter((c) => c.priority < 100 && c.fromPlay > far!.fromPlay);
    expect(fourth.length).toBe(1);
    expect(30 - fourth[0]!.fromPlay).toBeLessThan(far!.fromPlay - near!.fromPlay);
    // A scout with no share left (a short scene) gets none.
    const short = plan(plays.slice(0, 1), PIXELS, opts4, { lead: { at: 0 }, scouts: [{ at: 0 }] });
    expect(short.scouts).toEqual([undefined]);
  });
});

describe('a free render slot and a queued segment a running render will reach', () => {
  // Ten plays; the middle ones have updaters, so fast-forwarding them costs a step per frame.
  const plays = Array.from({ length: 10 }, (_, i) => play(i, 60, i >= 3 && i <= 6 ? { pure: false, stepSeconds: 0.02 } : {}));
  const segment = { fromPlay: 8, toPlay: 9 };
  const running = (atPlay: number, goesOn = true) => [{ toPlay: 5, state: 'running', atPlay, goesOn }, { toPlay: 7, state: 'queued', atPlay: null, goesOn: false }];

  it('takes it while the running render is far from it', () => {
    expect(shouldSteal(plays, PIXELS, segment, running(0), 2.5)).toEqual({ take: true });
  });

  it('leaves it to the running render when set-up and fast-forward cost more than that render has left before it', () => {
    const steal = shouldSteal(plays, PIXELS, segment, running(7), 2.5);
    expect(steal.take).toBe(false);
    if (!steal.take) expect(steal.retryInSeconds).toBeGreaterThanOrEqual(5);
  });

  it('takes it when the render before it stops at its end: done, or on a paused node', () => {
    expect(shouldSteal(plays, PIXELS, segment, running(7, false), 2.5)).toEqual({ take: true });
    expect(shouldSteal(plays, PIXELS, segment, [{ toPlay: 7, state: 'done', atPlay: 7, goesOn: true }], 2.5)).toEqual({ take: true });
  });

  // the segment's two plays drawn at 0.1 s a frame: 12 s of work
  const heavy = plays.map((p) => (p.index >= 8 ? { ...p, drawSeconds: 0.1 } : p));

  it('weighs each machine at its rate: a slow slot leaves it to a fast free machine, a fast slot takes it from a slow render', () => {
    const steal = shouldSteal(heavy, PIXELS, segment, [], 2.5, { rate: 0.2, slots: [{ rate: 1 }] });
    expect(steal).toEqual({ take: false, retryInSeconds: 1, waitsFor: 'machine' });
    // a slow render that would go on into it does not keep it from a fast free slot
    expect(shouldSteal(heavy, PIXELS, segment, running(7).map((b) => ({ ...b, rate: 0.2 })), 2.5, { rate: 1, slots: [] })).toEqual({ take: true });
  });

  it('takes it among machines alike, and when its own rate is not measured yet', () => {
    expect(shouldSteal(heavy, PIXELS, segment, [], 2.5, { rate: 0.8, slots: [{ rate: 1 }] })).toEqual({ take: true });
    expect(shouldSteal(heavy, PIXELS, segment, [], 2.5, { rate: undefined, slots: [{ rate: 1 }] })).toEqual({ take: true });
  });

  it('a slow render at its end goes on into the next segment unless a faster machine with a free slot ends it sooner', () => {
    expect(shouldGoOn(heavy, PIXELS, segment, 2.5, { rate: 0.2, slots: [{ rate: 1 }] })).toBe(false);
    expect(shouldGoOn(heavy, PIXELS, segment, 2.5, { rate: 0.2, slots: [] })).toBe(true);
    expect(shouldGoOn(heavy, PIXELS, segment, 2.5, { rate: 0.9, slots: [{ rate: 1 }] })).toBe(true);
    expect(shouldGoOn(heavy, PIXELS, segment, 2.5, { rate: undefined, slots: [{ rate: 1 }] })).toBe(true);
  });
});

describe('splitting a running segment for a free slot', () => {
  // ten pure plays of a second each, drawn at 20 ms a frame: about 0.7 s of drawing each
  const plays = Array.from({ length: 10 }, (_, i) => play(i, 30, { drawSeconds: 0.02 }));
  const drawn = (a: number, b: number) => plays.slice(a, b + 1).reduce((t, p) => t + playCost(p, PIXELS), 0) / 1e6;

  it('ends the running render about halfway through what it has left, so that both end together', () => {
    const split = splitPoint(plays, PIXELS, { fromPlay: 0, toPlay: 9, atPlay: 2, framesDone: 0 }, 0.5)!;
    expect(split.at).toBeGreaterThanOrEqual(5);
    expect(split.at).toBeLessThanOrEqual(6);
    expect(split.saves).toBeGreaterThan(drawn(2, 9) / 3);
  });

  it('leaves a render alone when what it has left is not worth a set-up', () => {
    expect(splitPoint(plays, PIXELS, { fromPlay: 0, toPlay: 9, atPlay: 8, framesDone: 0 }, 0.5)).toBeUndefined();
    expect(splitPoint(plays, PIXELS, { fromPlay: 0, toPlay: 9, atPlay: 2, framesDone: 0 }, drawn(2, 9))).toBeUndefined();
  });

  it('weighs each machine at its rate: a fast free slot takes more of a slow machine\'s segment, and splits what would not pay between machines alike', () => {
    const seg = { fromPlay: 0, toPlay: 9, atPlay: 6, framesDone: 0 };
    const alike = splitPoint(plays, PIXELS, seg, 0.5);
    const slowOwner = splitPoint(plays, PIXELS, seg, 0.5, { owner: 0.2, free: 0.9 })!;
    expect(alike).toBeUndefined();
    expect(slowOwner.at).toBeLessThanOrEqual(7);
    expect(slowOwner.saves).toBeGreaterThan(drawn(6, 9) / 0.2 / 2);
  });

  it('measures a machine\'s rate as the model\'s work it drew per second', () => {
    expect(drawingRate(plays, PIXELS, 2, 5, 2 * drawn(2, 5))).toBeCloseTo(0.5);
    expect(drawingRate(plays, PIXELS, 2, 1, 10)).toBeUndefined();
  });

  // its last play a long one: 20 s drawn at 20 ms a frame
  const longLast = [...plays.slice(0, 3), play(3, 600, { drawSeconds: 0.02 })];

  it('splits inside the play a render is drawing when that is its last: about where both end together, after the frames it draws before it hears', () => {
    const split = splitPoint(longLast, PIXELS, { fromPlay: 0, toPlay: 3, atPlay: 3, framesDone: 90, since: 2 }, 0.5)!;
    expect(split.at).toBe(3);
    const { frame, latest } = split.inside!;
    // ~2 s into the play of ~0.04 s a frame, and 1.5 s more before the render reads the ask
    expect(frame).toBeGreaterThan(80);
    expect(frame).toBeLessThan(400);
    expect(latest).toBeGreaterThanOrEqual(frame);
    expect(latest).toBeLessThan(600);
    expect(split.saves).toBeGreaterThan(drawn(3, 3) / 4);
  });

  it('cuts a slow machine\'s play later for a fast free slot, and not a play it draws only a piece of, nor near its end', () => {
    const seg = { fromPlay: 0, toPlay: 3, atPlay: 3, framesDone: 90, since: 1 };
    const alike = splitPoint(longLast, PIXELS, seg, 0.5)!.inside!.frame;
    expect(splitPoint(longLast, PIXELS, seg, 0.5, { owner: 0.2, free: 0.9 })!.inside!.frame).toBeLessThan(alike);
    expect(splitPoint(longLast, PIXELS, { ...seg, toFrame: 400 }, 0.5)?.inside).toBeUndefined();
    expect(splitPoint(longLast, PIXELS, { ...seg, fromPlay: 3, fromFrame: 100 }, 0.5)?.inside).toBeUndefined();
    expect(splitPoint(longLast, PIXELS, { ...seg, framesDone: 90 + 560 }, 0.5)).toBeUndefined();
  });

  it('takes a whole share over from a slow render still fast-forwarding to it, not from one about to draw it', () => {
    const stepped = plays.map((p) => ({ ...p, pure: false, stepSeconds: 0.01 }));
    const over = splitPoint(stepped, PIXELS, { fromPlay: 7, toPlay: 9, atPlay: 1, framesDone: 0 }, 0.5, { owner: 0.2, free: 0.9 })!;
    expect(over.at).toBe(6);
    expect(over.saves).toBeGreaterThan(0);
    expect(splitPoint(stepped, PIXELS, { fromPlay: 7, toPlay: 9, atPlay: 6, framesDone: 0 }, 0.5)?.at ?? 7).toBeGreaterThanOrEqual(7);
  });

  it('counts the frames of the play a render is in beyond those of its earlier plays', () => {
    // framesDone counts every frame it drew: plays 0-2 (90) and 300 of play 3; without that, half of
    // play 3 would be counted as left and the cut put where the render already is
    const halfway = splitPoint(longLast, PIXELS, { fromPlay: 0, toPlay: 3, atPlay: 3, framesDone: 390 }, 0.5)!;
    expect(halfway.inside!.frame).toBeGreaterThan(300);
  });

  it('splits later behind plays with updaters, whose fast-forward steps every frame', () => {
    const stepped = plays.map((p) => ({ ...p, pure: false, stepSeconds: 0.015 }));
    const pure = splitPoint(plays, PIXELS, { fromPlay: 0, toPlay: 9, atPlay: 0, framesDone: 0 }, 0.5)!;
    const slow = splitPoint(stepped, PIXELS, { fromPlay: 0, toPlay: 9, atPlay: 0, framesDone: 0 }, 0.5)!;
    expect(slow.at).toBeGreaterThan(pure.at);
    // a smaller share of what is left
    const left = (ps: Play[]) => ps.reduce((t, p) => t + playCost(p, PIXELS), 0) / 1e6;
    expect(slow.saves / left(stepped)).toBeLessThan(pure.saves / left(plays));
  });
});

describe('slicing a play that alone would bound the wall time', () => {
  const sliceOpts = { workers: 4, minFrames: 30, setupSeconds: 0.5, video: true };
  const drawnOnly = (cuts: SegmentCut[]) => cuts.filter((c) => !c.encodes);

  it('cuts one long play into contiguous slices of its frames, and marks it drawn elsewhere', () => {
    const plays = [play(0, 30), play(1, 600, { mobjects: 50, points: 2000, drawSeconds: 0.03 }), play(2, 30)];
    const { plays: marked, slices } = slicePlays(plays, PIXELS, { ...sliceOpts, video: false });
    expect(slices.length).toBeGreaterThanOrEqual(2);
    expect(slices.length).toBeLessThanOrEqual(4);
    expect(marked[1]!.sliced).toBe(slices.length);
    expect(slices[0]!.fromFrame).toBe(0);
    expect(slices.at(-1)!.toFrame).toBe(600);
    for (let i = 1; i < slices.length; i++) expect(slices[i]!.fromFrame).toBe(slices[i - 1]!.toFrame);
    expect(slices.every((s) => s.fromPlay === 1 && s.toPlay === 1 && s.frames >= 30)).toBe(true);
    // the cut of whole plays only fast-forwards over it
    expect(cutScene(marked, PIXELS, { ...sliceOpts, perWorker: 1 }).reduce((t, c) => t + c.cost, 0)).toBeLessThan(slices.reduce((t, s) => t + s.cost, 0));
  });

  it('gives later slices of a play with updaters fewer frames: each steps through the frames before it', () => {
    const plays = [play(0, 600, { pure: false, mobjects: 50, points: 2000, drawSeconds: 0.03, stepSeconds: 0.01 })];
    const { slices } = slicePlays(plays, PIXELS, { ...sliceOpts, video: false });
    expect(slices.length).toBeGreaterThanOrEqual(2);
    expect(slices[0]!.frames).toBeGreaterThan(slices.at(-1)!.frames);
  });

  it('gives a video play an encoder that starts as the first slices land: a small first slice, later ones as the encoder gets to them', () => {
    // three drawing slots draw frames faster than the encoder takes them: its backlog grows
    const plays = [play(0, 600, { mobjects: 50, points: 2000, drawSeconds: 0.03 })];
    const { plays: marked, slices } = slicePlays(plays, PIXELS, sliceOpts);
    const drawn = drawnOnly(slices);
    expect(drawn.length).toBeGreaterThanOrEqual(3);
    expect(marked[0]!.sliced).toBe(drawn.length);
    // one encoder for the play, queued right after the first slice: the machines free first take it
    expect(slices.filter((s) => s.encodes)).toMatchObject([{ fromPlay: 0, toPlay: 0, fromFrame: 0, toFrame: 600, frames: 0 }]);
    expect(slices.findIndex((s) => s.encodes)).toBe(1);
    expect(drawn[0]!.fromFrame).toBe(0);
    expect(drawn.at(-1)!.toFrame).toBe(600);
    for (let i = 1; i < drawn.length; i++) expect(drawn[i]!.fromFrame).toBe(drawn[i - 1]!.toFrame);
    // far less than an even share of the three drawing slots: the encoder starts early
    expect(drawn[0]!.frames).toBeLessThan(600 / 3 / 2);
    expect(drawn[1]!.frames).toBeGreaterThan(drawn[0]!.frames);
    // PNG frames need no encoder
    expect(slicePlays(plays, PIXELS, { ...sliceOpts, video: false }).slices.some((s) => s.encodes)).toBe(false);
    // an encoder timed slow while planning is fed smaller slices sooner, a fast one larger ones
    const first = (encodeSeconds: number) => drawnOnly(slicePlays([{ ...plays[0]!, encodeSeconds }], PIXELS, sliceOpts).slices)[0]!.frames;
    expect(first(0.015)).toBeLessThan(first(0.002));
  });

  it('leaves balanced scenes, frozen and skipped plays, lone workers and plays a lead may reach alone', () => {
    const even = Array.from({ length: 8 }, (_, i) => play(i, 120));
    expect(slicePlays(even, PIXELS, sliceOpts).slices).toEqual([]);
    const long = (extra: Partial<Play>) => [play(0, 30), play(1, 600, { mobjects: 50, points: 2000, drawSeconds: 0.08, ...extra })];
    expect(slicePlays(long({ frozen: true }), PIXELS, sliceOpts).slices).toEqual([]);
    expect(slicePlays(long({ skipped: true }), PIXELS, sliceOpts).slices).toEqual([]);
    expect(slicePlays(long({ cached: true }), PIXELS, sliceOpts).slices).toEqual([]);
    expect(slicePlays(long({}), PIXELS, { ...sliceOpts, workers: 1 }).slices).toEqual([]);
    expect(slicePlays(long({}), PIXELS, sliceOpts, [], { play: 2 }).slices).toEqual([]);
    expect(slicePlays(long({}), PIXELS, sliceOpts, [], { play: 1 }).slices).toEqual([]);
    // a lead still in its first play gives it up when it has drawn little of it, not when nearly done
    expect(slicePlays(long({}), PIXELS, sliceOpts, [], { play: 1, frames: 20 }).slices.length).toBeGreaterThan(1);
    expect(slicePlays(long({}), PIXELS, sliceOpts, [], { play: 1, frames: 560 }).slices).toEqual([]);
    // the same play is sliced when nothing rules it out
    expect(slicePlays(long({}), PIXELS, sliceOpts).slices.length).toBeGreaterThan(1);
    // but not when encoding its frames at the stitch costs more than drawing them on one node saves
    expect(slicePlays(long({ drawSeconds: 0.001 }), PIXELS, sliceOpts).slices).toEqual([]);
  });

  it('weighs a play drawn whole with the encoding its frames were timed at, as its slices’ encoder is weighed', () => {
    // bench_play.py's 200 moving shapes as planned at 720p (encoding a frame: 30 ms), a lead 20
    // frames into the play: drawn whole it took 65 ms a frame on the lab, its encoder 30
    const one = [play(0, 600, { mobjects: 211, points: 7432, drawSeconds: 0.024, stepSeconds: 0.0096, codeSeconds: 0.2, seconds: 0.2 })];
    const lab = { ...sliceOpts, setupSeconds: 2.5 };
    const lead = { play: 0, frames: 20 };
    const { slices } = slicePlays([{ ...one[0]!, encodeSeconds: 0.03 }], PIXELS, lab, [], lead);
    expect(drawnOnly(slices).length).toBeGreaterThan(2);
    expect(slices.filter((s) => s.encodes)).toHaveLength(1);
    // an encoder as slow as drawing and encoding the play whole gains nothing
    expect(slicePlays([{ ...one[0]!, encodeSeconds: 0.25 }], PIXELS, lab, [], lead).slices).toEqual([]);
  });

  it('does not slice a play when each slice’s fast-forward would be work the farm has no time for', () => {
    // ten plays with updaters: a slice of the last steps through the nine before it, which costs
    // more than drawing the play, so slices save little even with slots to spare
    const cheap = Array.from({ length: 10 }, (_, i) => play(i, 90, { pure: false, drawSeconds: 0.01, stepSeconds: 0.02 }));
    expect(slicePlays(cheap, PIXELS, { ...sliceOpts, workers: 32 }).slices).toEqual([]);
    // plays costly to draw: on 4 slots all the work is the bound, on 32 the last play is
    const costly = cheap.map((p) => ({ ...p, drawSeconds: 0.2 }));
    expect(slicePlays(costly, PIXELS, sliceOpts).slices).toEqual([]);
    expect(slicePlays(costly, PIXELS, { ...sliceOpts, workers: 32 }).slices.length).toBeGreaterThan(1);
  });

  it('slices every play longer than the configured frames per slice, whatever the costs', () => {
    const plays = [play(0, 100), play(1, 20), play(2, 100, { frozen: true }), play(3, 90, { drawSeconds: 0.001 })];
    const { plays: marked, slices } = slicePlays(plays, PIXELS, { ...sliceOpts, minFrames: 1, sliceFrames: 40, video: false });
    expect(slices.map((s) => [s.fromPlay, s.fromFrame, s.toFrame])).toEqual([[0, 0, 33], [0, 33, 67], [0, 67, 100], [3, 0, 30], [3, 30, 60], [3, 60, 90]]);
    expect(marked.map((p) => p.sliced)).toEqual([3, undefined, undefined, 3]);
  });

  it('ends a lead’s or scout’s share before a sliced play, and queues the plays after it', () => {
    const plays = Array.from({ length: 6 }, (_, i) => play(i, 30, i === 3 ? { sliced: 2 } : {}));
    const share = { fromPlay: 0, toPlay: 5, frames: 180, cost: 6, priority: 0 };
    const queued: SegmentCut[] = [];
    expect(endBeforeSlices(share, plays, queued)).toMatchObject({ fromPlay: 0, toPlay: 2, frames: 90 });
    expect(queued).toMatchObject([{ fromPlay: 4, toPlay: 5, frames: 60 }]);
    // a share that starts at the sliced play is none
    const after: SegmentCut[] = [];
    expect(endBeforeSlices({ ...share, fromPlay: 3 }, plays, after)).toBeUndefined();
    expect(after).toMatchObject([{ fromPlay: 4, toPlay: 5 }]);
    // one without a sliced play stays as it is
    expect(endBeforeSlices({ ...share, toPlay: 2 }, plays, [])).toMatchObject({ fromPlay: 0, toPlay: 2 });
  });
});

describe('cutting between two workers’ shares inside a play', () => {
  const inside = { workers: 2, perWorker: 1, minFrames: 30, setupSeconds: 0.5, insidePlays: true, video: true };
  const dense = { mobjects: 50, points: 2000, drawSeconds: 0.03, encodeSeconds: 0.02 };
  /** Per play, the frames each segment draws of it: every frame once, in order. */
  const coverage = (plays: Play[], cuts: SegmentCut[]) =>
    plays.map((p) =>
      cuts
        .filter((c) => !c.encodes && c.fromPlay <= p.index && c.toPlay >= p.index)
        .map((c) => [c.fromPlay === p.index ? (c.fromFrame ?? 0) : 0, c.toPlay === p.index ? (c.toFrame ?? p.frames) : p.frames])
        .sort((x, y) => x[0]! - y[0]!),
    );

  it('ends one share and starts the next inside the play at their boundary when the plays are too long to balance', () => {
    const plays = [0, 1, 2].map((i) => play(i, 300, dense));
    const cut = plan(plays, PIXELS, inside);
    expect(cut.inside).toHaveLength(1);
    const [first, second] = cutScene(plays, PIXELS, inside);
    const at = cut.inside[0]!;
    expect(first).toMatchObject({ fromPlay: 0, toPlay: at });
    expect(second).toMatchObject({ fromPlay: at, toPlay: 2, fromFrame: first!.toFrame });
    expect(first!.fromFrame).toBeUndefined();
    expect(second!.toFrame).toBeUndefined();
    // every frame is drawn once: the earlier share the play's first frames, the later one the rest
    for (const [i, pieces] of coverage(plays, [first!, second!]).entries()) {
      expect(pieces[0]![0], `play ${i}`).toBe(0);
      expect(pieces.at(-1)![1], `play ${i}`).toBe(300);
      for (let k = 1; k < pieces.length; k++) expect(pieces[k]![0]).toBe(pieces[k - 1]![1]);
    }
    // and the two cost about the same, far closer than whole plays could make them (2 : 1)
    expect(Math.max(first!.cost, second!.cost) / Math.min(first!.cost, second!.cost)).toBeLessThan(1.15);
    expect(first!.frames + second!.frames).toBe(900);
  });

  it('keeps the cut at a play boundary when whole plays balance, a play is short, or it is off', () => {
    const even = [0, 1, 2, 3].map((i) => play(i, 300, dense));
    expect(plan(even, PIXELS, inside).inside).toEqual([]);
    const short = [play(0, 300, dense), play(1, 50, dense), play(2, 250, dense)];
    expect(plan(short, PIXELS, { ...inside, minFrames: 30 }).inside).not.toContain(1);
    expect(plan([0, 1, 2].map((i) => play(i, 300, dense)), PIXELS, { ...inside, insidePlays: false }).inside).toEqual([]);
  });

  it('never cuts inside the play a running lead is drawing or the next one: it may get there before it learns its end', () => {
    const plays = [0, 1, 2].map((i) => play(i, 300, dense));
    expect(plan(plays, PIXELS, inside, { lead: { at: 0 } }).inside).toEqual([]);
    const longer = [play(0, 60, dense), ...[1, 2, 3].map((i) => play(i, 300, dense))];
    const cut = plan(longer, PIXELS, inside, { lead: { at: 0 } });
    expect(cut.inside).toEqual([2]);
    // the lead learns its end inside play 2 while it draws play 0
    expect(cut.lead).toMatchObject({ fromPlay: 0, toPlay: 2, toFrame: expect.any(Number) });
    expect(cut.queued).toMatchObject([{ fromPlay: 2, toPlay: 3, fromFrame: cut.lead!.toFrame }]);
    // a scout waiting at the end of its planning pass starts inside the play too (its start file says where)
    const scouted = plan(longer, PIXELS, inside, { lead: { at: 0 }, scouts: [{ at: 3 }] });
    expect(scouted.inside).toEqual([2]);
    expect(scouted.scouts).toMatchObject([{ fromPlay: 2, toPlay: 3, fromFrame: scouted.lead!.toFrame }]);
  });
});
