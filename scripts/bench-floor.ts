import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { runDriverOnce } from '../src/driver/info.ts';
import { renderOptionsSchema } from '../src/model/render-options.ts';
import { findVideo } from './bench-common.ts';

const planPassSchema = z.union([
  z.object({ ok: z.literal(true), plays: z.array(z.object({ seconds: z.number(), codeSeconds: z.number(), pure: z.boolean() })) }),
  z.object({ ok: z.literal(false), error: z.object({ message: z.string() }).passthrough() }),
]);

/** A planning pass's plays, each with the CPU it took (the scene's code before it and the play). */
async function planPass(file: string, scene: string, quality: string, mediaDir: string, exact: boolean) {
  const request = { file, cwd: dirname(file), scene, options: renderOptionsSchema.parse({ quality }), mediaDir, exact };
  const answer = planPassSchema.parse(await runDriverOnce('plan', request, 1_800_000));
  if (!answer.ok) throw new Error(`the ${exact ? 'exact' : 'cheap'} planning pass failed: ${answer.error.message}`);
  return answer.plays.map((p) => ({ seconds: p.seconds + p.codeSeconds, pure: p.pure }));
}

/**
 * A scene's floor, play by play: its exact progression with nothing drawn, the scene's own code
 * included (the exact planning pass, each play stepped as a render steps it). The segment that draws
 * the last play fast-forwards over all the others, so no cut brings the farm's wall time under its sum.
 */
export async function floorPlays(file: string, scene: string, quality: string, mediaDir: string): Promise<number[]> {
  return (await planPass(file, scene, quality, mediaDir, true)).map((p) => p.seconds);
}

/**
 * What the farm's planning pass cannot do without, play by play: the cheap pass's CPU (the scene's
 * code, a skip step a play), without what it samples for the cost model, and the first play its
 * paused copies cannot reach (the first with updaters: past it the cheap pass is inexact).
 */
export async function planningPlays(file: string, scene: string, quality: string, mediaDir: string): Promise<Planning> {
  const plays = await planPass(file, scene, quality, mediaDir, false);
  const impure = plays.findIndex((p) => !p.pure);
  return { plays: plays.map((p) => p.seconds), exactUntil: impure < 0 ? plays.length : impure };
}

export interface Planning {
  plays: number[];
  /** Its paused copies are exact at the start of every play up to this one. */
  exactUntil: number;
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * What each play of a plain `manim render --disable_caching` took, in seconds: the gaps between its
 * partial movie files' last writes (the first counted from the process's start, `startedMs`), so
 * Python's start and the scene's set-up count with the first play.
 */
export function plainPlays(media: string, scene: string, startedMs: number): number[] {
  const dir = join(dirname(findVideo(media, scene)), 'partial_movie_files', scene);
  const ends = readdirSync(dir).filter((f) => /^uncached_\d+\.mp4$/.test(f)).sort().map((f) => statSync(join(dir, f)).mtimeMs);
  return ends.map((t, i) => (t - (i ? ends[i - 1]! : startedMs)) / 1000);
}

/** When a machine can begin drawing a share that starts at point x (in plays, a fraction inside one),
 *  given the scene's floor up to a point. */
type Start = (x: number, floorTo: (x: number) => number) => number;

/**
 * What n machines reach at best when each steps the exact progression up to where its share
 * starts (scouts do it beside the others, but not for them: each machine steps for itself), with
 * shares cut anywhere, inside plays too: machine k, starting at x, is done at floor(0..x) +
 * plain(x..end of its share). Never under max(floor, plain ÷ n), and above it by as much as the
 * progression before the late shares is a large part of their work (a scene of updaters
 * throughout). The plan's own time is not counted: the bound of a render cut from a remembered plan.
 */
export const steppedBound = (floor: number[], plain: number[], n: number) => coverBound(floor, plain, [Array<Start>(n).fill((x, F) => F(x))]);

/**
 * The same for a first render, whose cut waits for the planning pass (`planning`, on one machine):
 * the lead draws from play 0 from the start; a scout steps to its share meanwhile, but starts it only
 * once the scene is cut; the planning machine starts after its pass, from its paused copy nearest
 * before its share (stepping on from the last it has). Its place among the shares is the best one.
 * With one machine the lead renders the whole scene and no pass runs.
 */
export function firstRenderBound(floor: number[], plain: number[], n: number, planning: Planning): number {
  const planned = sum(planning.plays);
  const lead: Start = () => 0;
  const scout: Start = (x, F) => Math.max(planned, F(x));
  const planner: Start = (x, F) => planned + Math.max(0, F(x) - F(planning.exactUntil));
  const orders = Array.from({ length: n - 1 }, (_, j) => [lead, ...Array.from({ length: n - 1 }, (_, k) => (k === j ? planner : scout))]);
  return coverBound(floor, plain, orders.length ? orders : [[lead]]);
}

/**
 * The shortest T at which machines, starting as `orders` says (the machines in the order of their
 * shares; any one of the orders will do), cover the scene, found by bisection: within a play, its
 * floor and plain time are taken as even over its frames.
 */
function coverBound(floor: number[], plain: number[], orders: Start[][]): number {
  const cumulative = (xs: number[]) => xs.reduce((c, x) => [...c, c.at(-1)! + x], [0]);
  const [F, P] = [cumulative(floor), cumulative(plain)];
  const plays = plain.length;
  // C at a point x in [0, plays], and the point where C reaches y (C nondecreasing)
  const at = (C: number[], x: number) => {
    const i = Math.min(Math.floor(x), plays - 1);
    return C[i]! + (C[i + 1]! - C[i]!) * (x - i);
  };
  const reach = (C: number[], y: number) => {
    const i = C.findIndex((c) => c >= y);
    if (i <= 0) return i === 0 ? 0 : plays;
    return i - 1 + (y - C[i - 1]!) / (C[i]! - C[i - 1]!);
  };
  const floorTo = (x: number) => at(F, x);
  const covers = (T: number, order: Start[]) => {
    let x = 0;
    for (const start of order) {
      if (x >= plays) break;
      const left = T - start(x, floorTo);
      if (left < 0) return false;
      x = reach(P, at(P, x) + left);
    }
    return x >= plays;
  };
  let [lo, hi] = [0, P[plays]! + F[plays]! + Math.max(0, ...orders.flat().map((s) => s(plays, floorTo)))];
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (orders.some((o) => covers(mid, o))) hi = mid;
    else lo = mid;
  }
  return hi;
}
