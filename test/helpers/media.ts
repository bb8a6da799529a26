import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createHash } from 'node:crypto';
import { driverEnv, PROJECT_ROOT } from '../../src/driver/python.ts';

const run = promisify(execFile);

/** Plain `manim render` from the project's venv, encoder pinned as the farm pins it. */
export async function manimRender(file: string, scenes: string[], args: string[], mediaDir: string): Promise<void> {
  // `python -m manim`, not the venv's `manim` script: a copied venv's scripts name the Python they were installed with
  await run(join(PROJECT_ROOT, '.venv/bin/python'), ['-m', 'manim', 'render', file, ...scenes, '--disable_caching', '--encoder-option', 'threads=1', '--progress_bar', 'none', '--media_dir', mediaDir, ...args], {
    env: driverEnv(),
    cwd: join(file, '..'),
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** One `pts,duration,md5` per decoded video frame (ffmpeg's framemd5): equal lists mean the same
 *  frames shown at the same times. */
export async function frameRows(video: string): Promise<string[]> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', video, '-map', '0:v:0', '-f', 'framemd5', '-'], { maxBuffer: 64 * 1024 * 1024 });
  // stream, dts, pts, duration, size, hash
  return stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => { const f = l.split(',').map((x) => x.trim()); return `${f[2]},${f[3]},${f[5]}`; });
}

/** One MD5 per decoded video frame: equal lists mean equal frames, whatever the container says. */
export async function frameHashes(video: string): Promise<string[]> {
  return (await frameRows(video)).map((r) => r.split(',').at(-1)!);
}

export async function audioHash(video: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', video, '-map', '0:a:0', '-f', 'md5', '-'], { maxBuffer: 1024 * 1024 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** The hash of one image's decoded pixels (RGBA as stored). */
export async function pixelHash(png: string): Promise<string> {
  return createHash('md5').update(await sharp(png).raw().toBuffer()).digest('hex');
}

/** Pixel hashes of a folder of PNG frames, in frame order. */
export async function pngHashes(dir: string): Promise<string[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
  const out = [];
  for (const f of files) out.push(await pixelHash(join(dir, f)));
  return out;
}
