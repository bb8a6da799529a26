import { dirname } from 'node:path';
import { z } from 'zod';
import { runDriverOnce } from '../src/driver/info.ts';
import { renderOptionsSchema } from '../src/model/render-options.ts';

const exactPlanSchema = z.union([
  z.object({ ok: z.literal(true), plays: z.array(z.object({ seconds: z.number(), codeSeconds: z.number() })) }),
  z.object({ ok: z.literal(false), error: z.object({ message: z.string() }).passthrough() }),
]);

/**
 * A scene's floor: its exact progression with nothing drawn, the scene's own code included (the
 * exact planning pass, each play stepped as a render steps it). The segment that draws the last
 * play fast-forwards over all the others, so no cut brings the farm's wall time under it; for n
 * machines the bound is max(floor, plain manim's time ÷ n).
 */
export async function floorSeconds(file: string, scene: string, quality: string, mediaDir: string): Promise<number> {
  const request = { file, cwd: dirname(file), scene, options: renderOptionsSchema.parse({ quality }), mediaDir, exact: true };
  const answer = exactPlanSchema.parse(await runDriverOnce('plan', request, 1_800_000));
  if (!answer.ok) throw new Error(`the exact planning pass failed: ${answer.error.message}`);
  return answer.plays.reduce((s, p) => s + p.seconds + p.codeSeconds, 0);
}

/**
 * What n machines reach at best when each steps the exact progression up to where its share
 * starts (scouts do it beside the others, but not for them: each machine steps for itself). With
 * the floor spread evenly over the scene (a share `floor ÷ plain` of every frame's cost is its
 * step), the k-th share ends at T when machine 1 draws T of work from the start and machine k
 * steps through the k-1 shares before its own: their sum is plain when
 * T = plain · s ÷ (1 − (1 − s)^n), s = floor ÷ plain. Never under max(floor, plain ÷ n), and
 * above it by as much as the scene's progression is a large part of its work (a scene of updaters
 * throughout); the plan, which for such a scene is the floor itself, is not counted.
 */
export function steppedBound(floorMs: number, plainMs: number, n: number): number {
  const s = Math.min(1, floorMs / plainMs);
  return s <= 0 ? plainMs / n : (plainMs * s) / (1 - (1 - s) ** n);
}
