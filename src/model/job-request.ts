import { posix } from 'node:path';
import type { RenderOptions } from './render-options.ts';

/** What a job asks for: a render of a project's scenes, or a call of another registered function. */
export type JobRequest = (
  | {
      kind: 'render';
      files: BundleFile[];
      entry: string;
      scenes: string[];
      options: RenderOptions;
      /** Which project the files are a version of (a CLI folder, a trigger): an edited scene is cut
       *  from the plan of the same project's earlier render only (src/store/cost-memory.ts). */
      project?: string;
    }
  | { kind: 'function'; function: string; input: unknown }
) & { /** Queue order against other jobs, lowest first (src/queue/job-priority.ts). */ priority: number };

export interface BundleFile {
  path: string;
  bytes: Buffer;
}

export class BundleError extends Error {
  override name = 'BundleError';
}

export const MAX_BUNDLE_FILES = 2000;

/**
 * A path inside a bundle: relative, forward slashes, no `..`, no drive letters or NULs.
 * Anything else could write outside the render directory, so it is refused, not repaired.
 */
export function safeBundlePath(raw: string): string {
  if (!raw || raw.includes('\0')) throw new BundleError(`invalid file path ${JSON.stringify(raw)}`);
  const unified = raw.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[a-zA-Z]:/.test(unified)) {
    throw new BundleError(`file path ${JSON.stringify(raw)} is absolute; paths must be relative to the project`);
  }
  if (unified.split('/').includes('..')) {
    throw new BundleError(`file path ${JSON.stringify(raw)} leaves the project directory ('..' is not allowed)`);
  }
  const normal = posix.normalize(unified).replace(/^(\.\/)+/, '');
  if (!normal || normal === '.') throw new BundleError(`invalid file path ${JSON.stringify(raw)}`);
  // What Linux file systems take: a name of 255 bytes, a path of 4096 (the node's folders come first).
  const long = normal.split('/').find((part) => Buffer.byteLength(part) > 255);
  if (long) throw new BundleError(`file name ${JSON.stringify(long.slice(0, 40) + '…')} is ${Buffer.byteLength(long)} bytes long; the most is 255`);
  if (Buffer.byteLength(normal) > 1024) throw new BundleError(`file path ${JSON.stringify(normal.slice(0, 40) + '…')} is over 1024 bytes long`);
  return normal;
}
