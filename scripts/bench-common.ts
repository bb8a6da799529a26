/** What the benchmark's local and lab rounds share: the runs of plain manim and of the farm, and
 *  how their outputs are compared and printed. */
import type { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../src/driver/python.ts';
import { frameHashes } from '../test/helpers/media.ts';

export const BIN = join(PROJECT_ROOT, 'bin', 'networknodes.js');
export const MANIM = join(PROJECT_ROOT, '.venv', 'bin', 'manim');

export const resultSchema = z.object({
  job: z.string(),
  state: z.string(),
  outputs: z.array(z.string()),
  wallMs: z.number(),
  scenes: z.array(z.object({ name: z.string(), segments: z.array(z.object({ plays: z.tuple([z.number(), z.number()]), slice: z.tuple([z.number(), z.number()]).optional(), encodes: z.boolean().optional(), frames: z.number(), node: z.string().nullable(), ms: z.number().nullable() })) })),
});
export type Result = z.infer<typeof resultSchema>;

export interface Opts {
  file: string;
  scene: string;
  quality: string;
  lab?: number;
  /** Lab: each machine's share of a core, or one share for all. */
  cpu: number[];
  runs: number;
  edit?: boolean;
  /** Lab: render the scene a second time on the same cluster, as an author renders again. */
  again?: boolean;
  /** Lab: then render a copy of the file edited so ('FROM=>TO'), as an author renders after an edit. */
  againEdited?: string;
  /** Lab: render the edited copy with the play cache on (the default), not --disable_caching. */
  editedCached?: boolean;
  editOnly?: boolean;
  /** Local: also run plain manim on both cores at once, how much renders slow each other (the lab always does). */
  sideBySide?: boolean;
}

function run(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string; ms: number; startedMs: number }> {
  const t0 = performance.now();
  const startedMs = Date.now();
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0, startedMs })));
}

export async function must(child: ChildProcess, what: string) {
  const r = await run(child);
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stderr}`);
  return r;
}

export const manimArgs = (o: Opts, media: string) => ['render', o.file, o.scene, `-q${o.quality}`, '--disable_caching', '--encoder-option', 'threads=1', '--progress_bar', 'none', '--media_dir', media];

export function findVideo(media: string, scene: string): string {
  const videos = join(media, 'videos');
  for (const mod of readdirSync(videos)) for (const q of readdirSync(join(videos, mod))) {
    if (readdirSync(join(videos, mod, q)).includes(`${scene}.mp4`)) return join(videos, mod, q, `${scene}.mp4`);
  }
  throw new Error(`no ${scene}.mp4 under ${videos}`);
}

export async function sameFrames(a: string, b: string): Promise<string> {
  const [x, y] = [await frameHashes(a), await frameHashes(b)];
  const same = x.length === y.length && x.every((h, i) => h === y[i]);
  return `${x.length} frames, ${same ? 'identical to' : 'DIFFERENT from'} plain manim`;
}

export function printSegments(r: Result) {
  for (const s of r.scenes) for (const g of s.segments) {
    const what = g.encodes ? `play  ${String(g.plays[0]).padStart(2)} encoding` : g.slice ? `play  ${String(g.plays[0]).padStart(2)} frames ${g.slice[0]}-${g.slice[1] - 1}` : `plays ${String(g.plays[0]).padStart(2)}-${String(g.plays[1]).padEnd(2)}`;
    console.log(`    ${what.padEnd(22)} ${String(g.frames).padStart(5)} frames  ${(g.node ?? '?').padEnd(12)} ${((g.ms ?? 0) / 1000).toFixed(1).padStart(6)} s`);
  }
}

/**
 * What bounds a render that slices a play: the play's one encoder takes every frame of it in order
 * (the pinned settings, so the decoded frames are manim's), and the render ends no sooner than it.
 * Printed per sliced play, with plain manim's time over the encoder's as the most the farm can gain.
 */
export function printEncoders(r: Result, plainMs: number) {
  for (const s of r.scenes) for (const g of s.segments) {
    if (!g.encodes || !g.ms) continue;
    const play = g.plays[0];
    const frames = s.segments.filter((x) => x.slice && x.plays[0] === play).reduce((t, x) => t + x.frames, 0);
    console.log(`  play ${play}'s encoder: ${frames} frames in ${(g.ms / 1000).toFixed(1)} s (${(g.ms / Math.max(1, frames)).toFixed(0)} ms a frame); the render ends no sooner: at most ${(plainMs / g.ms).toFixed(2)}× plain manim`);
  }
}

/**
 * Plain manim on every core (lab: machine) at once, each time printed beside plain manim alone on one:
 * renders beside each other share the box's caches and memory, and on the lab a CPU quota alone on an
 * idle box runs slower than beside busy ones. Returns each run, in the order given, and their mean time.
 */
export async function sideBySide<R extends { ms: number }>(runs: Promise<R>[], aloneMs: number, where: string): Promise<{ runs: R[]; meanMs: number }> {
  const done = await Promise.all(runs);
  const meanMs = done.reduce((t, r) => t + r.ms, 0) / done.length;
  console.log(`plain manim on ${where} at once: ${done.map((r) => (r.ms / 1000).toFixed(1)).join(', ')} s; a mean ${((meanMs / aloneMs - 1) * 100).toFixed(1)} % against plain alone`);
  return { runs: done, meanMs };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}