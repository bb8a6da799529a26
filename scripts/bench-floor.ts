import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { runDriverOnce } from '../src/driver/info.ts';
import { renderOptionsSchema } from '../src/model/render-options.ts';
import { findVideo } from './bench-common.ts';

const exactPlanSchema = z.union([
  z.object({ ok: z.literal(true), plays: z.array(z.object({ seconds: z.number(), codeSeconds: z.number() })) }),
  z.object({ ok: z.literal(false), error: z.object({ message: z.string() }).passthrough() }),
]);

/**
 * A scene's floor, play by play: its exact progression with nothing drawn, the scene's own code
 * included (the exact planning pass, each play stepped as a render steps it). The segment that draws
 * the last play fast-forwards over all the others, so no cut brings the farm's wall time under its sum.
 */
export async function floorPlays(file: string, scene: string, quality: string, mediaDir: string): Promise<number[]> {
  const request = { file, cwd: dirname(file), scene, options: renderOptionsSchema.parse({ quality }), mediaDir, exact: true };
  const answer = exactPlanSchema.parse(await runDriverOnce('plan', request, 1_800_000));
  if (!answer.ok) throw new Error(`the exact planning pass failed: ${answer.error.message}`);
  return answer.plays.map((p) => p.seconds + p.codeSeconds);
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

/**
 * What n machines reach at best when each steps the exact progression up to where its share
 * starts (scouts do it beside the others, but not for them: each machine steps for itself), with
 * shares cut anywhere, inside plays too: machine k, starting at x, is done at floor(0..x) +
 * plain(x..end of its share). The shortest T at which n such shares cover the scene, found by
 * bisection (within a play, its floor and plain time are taken as even over its frames). Never under
 * max(floor, plain ÷ n), and above it by as much as the progression before the late shares is a
 * large part of their work (a scene of updaters throughout). The plan's own time is not counted.
 */
export function steppedBound(floor: number[], plain: number[], n: number): number {
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
  const covers = (T: number) => {
    let x = 0;
    for (let k = 0; k < n && x < plays; k++) {
      const left = T - at(F, x);
      if (left < 0) return false;
      x = reach(P, at(P, x) + left);
    }
    return x >= plays;
  };
  let [lo, hi] = [0, P[plays]! + F[plays]!];
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (covers(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
