import { execFile } from 'node:child_process';
import { lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';

const run = promisify(execFile);

export interface Shipment {
  files: string[];
  /** `git describe` of the checkout: which version the remote runs. */
  revision: string;
}

/**
 * What deploy sends: the files git tracks in this checkout as they are on disk (so the version
 * that runs here, local edits included), never node_modules, .venv or media.
 */
export async function trackedFiles(root: string): Promise<Shipment> {
  let listed: string;
  try {
    listed = (await run('git', ['-C', root, 'ls-files', '-z'], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    throw new Error(`deploy sends the files of this git checkout (${root}), and git cannot list them: ${(err as Error).message.split('\n')[0]}`);
  }
  const files: string[] = [];
  for (const f of listed.split('\0').filter(Boolean)) {
    // A tracked file deleted locally is not part of the running version.
    if (await lstat(join(root, f)).then(() => true, () => false)) files.push(f);
  }
  const revision = (await run('git', ['-C', root, 'describe', '--always', '--dirty']).catch(() => ({ stdout: 'unknown' }))).stdout.trim();
  return { files, revision };
}

/** The files as a tar.gz stream, with their modes (bin/ stays executable) and symlinks. */
export function packFiles(root: string, files: string[]): Readable {
  const pack = tar.pack();
  void (async () => {
    try {
      for (const name of files) {
        const path = join(root, name);
        const st = await lstat(path);
        if (st.isSymbolicLink()) {
          pack.entry({ name, type: 'symlink', linkname: await readlink(path), mtime: st.mtime });
        } else {
          pack.entry({ name, size: st.size, mode: st.mode & 0o777, mtime: st.mtime }, await readFile(path));
        }
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return pack.pipe(createGzip());
}
