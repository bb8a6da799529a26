import ffmpeg from 'fluent-ffmpeg';
import sharp from 'sharp';
import { readFile, rm } from 'node:fs/promises';

/** A small WebP of a frame for the web page: the last frame of a segment's last partial or PNG. */
export async function posterFrom(path: string, width = 320): Promise<Buffer> {
  let source = path;
  if (!path.endsWith('.png')) {
    source = `${path}.poster.png`;
    await new Promise<void>((resolve, reject) => {
      ffmpeg(path)
        .inputOptions(['-sseof', '-0.5'])
        .outputOptions(['-frames:v', '1', '-update', '1'])
        .output(source)
        .on('end', () => resolve())
        .on('error', reject)
        .run();
    });
  }
  try {
    return await sharp(await readFile(source)).resize({ width }).webp({ quality: 70 }).toBuffer();
  } finally {
    if (source !== path) await rm(source, { force: true });
  }
}
