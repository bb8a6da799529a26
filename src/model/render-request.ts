import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { renderOptionsFields, renderOptionsSchema, type RenderOptions } from './render-options.ts';
import { MAX_BUNDLE_FILES, safeBundlePath, type BundleFile, type JobRequest } from './job-request.ts';
import { prioritySchema } from './priority.ts';
import { describeIssues } from '../lib/zod-issues.ts';

export class RequestError extends Error {
  override name = 'RequestError';
  constructor(message: string, readonly status: 400 | 413 | 415 = 400) {
    super(message);
  }
}

// Python identifiers are Unicode (PEP 3131): `class Δelta(Scene)` is a scene like any other.
export const sceneName = z.string().regex(/^[\p{ID_Start}_]\p{ID_Continue}*$/u, 'a scene name is a Python class name');
// No repeated group: on a 64 MiB string that would overflow the regex engine's stack.
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not valid base64').refine((b) => b.length % 4 === 0, 'not valid base64 (its length is not a multiple of 4)');
const fileContent = z.union([z.string(), z.strictObject({ base64 })]);

/** A project's name as a client gives it: any text that tells its projects apart. As long as a host
 *  name and a Linux path (the CLI's), at most. */
export const projectSchema = z.string().min(1).max(255 + 1 + 4096);

export const renderJobSchema = z.strictObject({
  files: z.record(z.string(), fileContent).refine((f) => Object.keys(f).length > 0, 'at least one file is needed'),
  entry: z.string().optional(),
  scenes: z.array(sceneName).default([]),
  options: renderOptionsFields.partial().default({}),
  priority: prioritySchema.default(0),
  project: projectSchema.optional(),
});

export const functionJobSchema = z.strictObject({
  function: z.string().regex(/^[a-z][a-z0-9-]*$/),
  input: z.unknown().default({}),
  priority: prioritySchema.default(0),
});

export function checked<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RequestError(describeIssues(parsed.error));
  return parsed.data;
}

/** The entry file: named, or the only Python file of the upload. */
function pickEntry(files: BundleFile[], entry: string | undefined): string {
  if (entry) {
    const path = safeBundlePath(entry);
    if (!files.some((f) => f.path === path)) throw new RequestError(`entry: ${path} is not among the uploaded files`);
    if (!path.endsWith('.py')) throw new RequestError(`entry: ${path} is not a Python file`);
    return path;
  }
  const py = files.filter((f) => f.path.endsWith('.py'));
  if (py.length === 1) return py[0]!.path;
  throw new RequestError(
    py.length ? `entry: ${py.length} Python files were uploaded; name the one with the scenes` : 'files: no Python file was uploaded',
  );
}

/** A render job from files, checked and with the defaults and a seed filled in, as POST /jobs makes it. */
export function renderRequest(files: BundleFile[], entry: string | undefined, scenes: string[], options: unknown, defaults: RenderOptions, { priority = 0, project }: { priority?: number; project?: string } = {}): JobRequest {
  if (files.length > MAX_BUNDLE_FILES) throw new RequestError(`files: more than ${MAX_BUNDLE_FILES} files`);
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new RequestError(`files: ${f.path} appears twice`);
    seen.add(f.path);
  }
  // A file whose path is another file's folder could not be written out on a node.
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      if (seen.has(folder)) throw new RequestError(`files: ${folder} is both a file and the folder of ${f.path}`);
    }
  }
  const given = options as Partial<RenderOptions>;
  // As with `manim render -t`: transparency without a format means .mov.
  const format = given.format ?? (given.transparent ? 'mov' : undefined);
  // Every segment must draw the same random numbers, as one process would: a job without a seed
  // gets one, recorded in its options, so `manim render --seed <it>` reproduces the video.
  const seed = given.seed ?? defaults.seed ?? randomInt(2 ** 31);
  const merged = checked(renderOptionsSchema, { ...defaults, ...given, seed, ...(format ? { format } : {}) });
  return { kind: 'render', files, entry: pickEntry(files, entry), scenes, options: merged, priority, ...(project ? { project } : {}) };
}

