import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { BundleError, MAX_BUNDLE_FILES, safeBundlePath, type BundleFile } from '../model/job-request.ts';

/** Reads a .tar or .tar.gz upload into bundle files; links and unsafe paths are refused by name. */
export async function filesFromTar(archive: Buffer): Promise<BundleFile[]> {
  const gz = archive[0] === 0x1f && archive[1] === 0x8b;
  let raw: Buffer;
  try {
    raw = gz ? gunzipSync(archive) : archive;
  } catch {
    throw new BundleError('archive is not a valid .tar.gz');
  }
  const extract = tar.extract();
  const files: BundleFile[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
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
          reject(err);
          extract.destroy();
        }
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', (err) => reject(err instanceof BundleError ? err : new BundleError(`archive is not a valid tar file: ${err.message}`)));
  });
  Readable.from(raw).pipe(extract);
  await done;
  return files;
}
