import { posix } from 'node:path';
import type { RenderOptions } from './render-options.ts';

/** What a job asks for: a render of a project's scenes, or a call of another registered function. */
export type JobRequest =
  | { kind: 'render'; files: BundleFile[]; entry: string; scenes: string[]; options: RenderOptions }
  | { kind: 'function'; function: string; input: unknown };

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
  return normal;
}
