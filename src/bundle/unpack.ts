import { createGunzip } from 'node:zlib';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { BundleError, MAX_BUNDLE_FILES, safeBundlePath, type BundleFile } from '../model/job-request.ts';

/** Counts what the archive unpacks to, and stops it at `limit`: a gzip bomb inflates no further. */
function bounded(limit: number): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > limit) done(new BundleError(`archive unpacks to more than ${limit} bytes (4 × config maxUploadBytes)`));
      else done(null, chunk);
    },
  });
}

/**
 * Reads a .tar or .tar.gz upload into bundle files; links, devices and unsafe paths are refused by
 * name. Inflating streams in zlib's thread pool, a chunk at a time, up to `maxUnpacked` bytes, so a
 * gzip bomb neither fills memory nor holds up the event loop (heartbeats go on).
 */
export async function filesFromTar(archive: Buffer, maxUnpacked: number): Promise<BundleFile[]> {
  const gz = archive[0] === 0x1f && archive[1] === 0x8b;
  const extract = tar.extract();
  const files: BundleFile[] = [];
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    // An entry cut short by a broken or refused archive errors too; the pipeline reports why.
    stream.on('error', () => {});
    stream.on('end', () => {
      try {
        if (header.type === 'file') {
          files.push({ path: safeBundlePath(header.name), bytes: Buffer.concat(chunks) });
          if (files.length > MAX_BUNDLE_FILES) throw new BundleError(`archive has more than ${MAX_BUNDLE_FILES} files`);
        } else if (header.type !== 'directory') {
          throw new BundleError(`archive entry ${JSON.stringify(header.name)} is a ${header.type}; only files and directories are allowed`);
        }
        next();
      } catch (err) {
        next(err as Error);
      }
    });
  });
  try {
    await pipeline([Readable.from([archive]), ...(gz ? [createGunzip()] : []), bounded(maxUnpacked), extract]);
  } catch (err) {
    if (err instanceof BundleError) throw err;
    const what = err instanceof Error ? err.message : String(err);
    throw new BundleError(gz && (err as { code?: string }).code?.startsWith('Z_') ? `archive is not a valid .tar.gz: ${what}` : `archive is not a valid tar file: ${what}`);
  }
  return files;
}
