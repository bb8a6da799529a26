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

/** Each decoded video frame's time stamp, duration and MD5 (framemd5 without the stream index and
 *  packet size): equal lists mean equal frames at equal times, so a segment shifted in time differs. */
export async function frameHashes(video: string): Promise<string[]> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', video, '-map', '0:v:0', '-f', 'framemd5', '-'], { maxBuffer: 64 * 1024 * 1024 });
  // The time base ("#tb") gives the stamps their unit; the other comment lines name the file.
  const lines = stdout.split('\n').filter((l) => l && (!l.startsWith('#') || l.startsWith('#tb')));
  return lines.map((l) => {
    if (l.startsWith('#')) return l;
    const [, , pts, duration, , hash] = l.split(',').map((c) => c.trim());
    return `${pts} ${duration} ${hash}`;
  });
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
