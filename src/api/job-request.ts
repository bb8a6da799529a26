import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { renderOptionsSchema, type RenderOptions } from '../config/schema.ts';
import { describeIssues } from '../config/load.ts';
import { BundleError, MAX_BUNDLE_FILES, safeBundlePath, type BundleFile } from '../store/bundles.ts';
import { filesFromTar } from './archive.ts';
import { prioritySchema } from '../queue/job-priority.ts';

export type JobRequest = (
  | { kind: 'render'; files: BundleFile[]; entry: string; scenes: string[]; options: RenderOptions }
  | { kind: 'function'; function: string; input: unknown }
) & { priority: number };

export class RequestError extends Error {
  override name = 'RequestError';
  constructor(message: string, readonly status: 400 | 413 | 415 = 400) {
    super(message);
  }
}

// Python identifiers are Unicode (PEP 3131): `class Δelta(Scene)` is a scene like any other.
const sceneName = z.string().regex(/^[\p{ID_Start}_]\p{ID_Continue}*$/u, 'a scene name is a Python class name');
// No repeated group: on a 64 MiB string that would overflow the regex engine's stack.
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not valid base64').refine((b) => b.length % 4 === 0, 'not valid base64 (its length is not a multiple of 4)');
const fileContent = z.union([z.string(), z.strictObject({ base64 })]);

export const renderJobSchema = z.strictObject({
  files: z.record(z.string(), fileContent).refine((f) => Object.keys(f).length > 0, 'at least one file is needed'),
  entry: z.string().optional(),
  scenes: z.array(sceneName).default([]),
  options: renderOptionsSchema.partial().default({}),
  priority: prioritySchema.default(0),
});

export const functionJobSchema = z.strictObject({
  function: z.string().regex(/^[a-z][a-z0-9-]*$/),
  input: z.unknown().default({}),
  priority: prioritySchema.default(0),
});

function checked<T>(schema: z.ZodType<T>, value: unknown): T {
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

/** Options that are each fine but that the renderer cannot honour together (as driver/nn_driver/protocol.py). */
function optionClash(o: RenderOptions): string | undefined {
  if (o.transparent && o.format === 'mp4') return 'options: transparent: mp4 has no alpha channel; use format mov, webm or png';
  if (o.saveSections && o.format === 'png') return 'options: saveSections needs a video format, not png';
  return undefined;
}

/** A render job from files, checked and with the defaults and a seed filled in, as POST /jobs makes it. */
export function renderRequest(files: BundleFile[], entry: string | undefined, scenes: string[], options: unknown, defaults: RenderOptions, priority = 0): JobRequest {
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
  const clash = optionClash(merged);
  if (clash) throw new RequestError(clash);
  return { kind: 'render', files, entry: pickEntry(files, entry), scenes, options: merged, priority };
}

function fromJson(body: unknown, defaults: RenderOptions): JobRequest {
  if (body && typeof body === 'object' && 'function' in body) {
    const fn = checked(functionJobSchema, body);
    return { kind: 'function', function: fn.function, input: fn.input, priority: fn.priority };
  }
  const job = checked(renderJobSchema, body);
  const files = Object.entries(job.files).map(([path, content]) => ({
    path: safeBundlePath(path),
    bytes: typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.base64, 'base64'),
  }));
  return renderRequest(files, job.entry, job.scenes, job.options, defaults, job.priority);
}

const FORM_FIELDS = new Set(['file', 'archive', 'entry', 'scenes', 'options', 'quality', 'format', 'fps', 'seed', 'resolution', 'transparent', 'save_sections']);

const list = (v: FormDataEntryValue[]) =>
  v.flatMap((x) => (typeof x === 'string' ? x.split(',') : [])).map((s) => s.trim()).filter(Boolean);

/** Multipart: `file` parts (their filenames are paths), an optional `archive` (.tar/.tar.gz),
 *  `entry`, `scenes`, and options as `options` (JSON) or fields named like manim's flags. */
async function fromForm(form: FormData, defaults: RenderOptions, maxUnpacked: number): Promise<JobRequest> {
  for (const name of new Set(form.keys())) {
    if (!FORM_FIELDS.has(name)) throw new RequestError(`unknown form field ${JSON.stringify(name)}; the fields are: ${[...FORM_FIELDS].join(', ')}`);
  }
  const files: BundleFile[] = [];
  for (const part of form.getAll('file')) {
    if (typeof part === 'string') throw new RequestError('file: expected an uploaded file, got a text field');
    files.push({ path: safeBundlePath(part.name), bytes: Buffer.from(await part.arrayBuffer()) });
  }
  const archive = form.get('archive');
  if (archive && typeof archive !== 'string') files.push(...(await filesFromTar(Buffer.from(await archive.arrayBuffer()), maxUnpacked)));
  if (!files.length) throw new RequestError('files: upload at least one `file` or an `archive`');
  let options: Record<string, unknown> = {};
  const rawOptions = form.get('options');
  if (typeof rawOptions === 'string') {
    try {
      options = JSON.parse(rawOptions) as Record<string, unknown>;
    } catch {
      throw new RequestError('options: not valid JSON');
    }
  }
  const field = (name: string) => {
    const v = form.get(name);
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const num = (name: string) => (field(name) === undefined ? undefined : Number(field(name)));
  const bool = (name: string) => {
    const v = field(name);
    if (v !== undefined && v !== 'true' && v !== 'false') throw new RequestError(`${name}: expected true or false, got ${JSON.stringify(v.slice(0, 50))}`);
    return v === undefined ? undefined : v === 'true';
  };
  const flags: Record<string, unknown> = {
    quality: field('quality'),
    format: field('format'),
    fps: num('fps'),
    seed: num('seed'),
    resolution: field('resolution')?.split(',').map(Number),
    plays: field('plays')?.split(',').map(Number),
    transparent: bool('transparent'),
    saveSections: bool('save_sections'),
  };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) options[k] = v;
  const scenes = checked(z.array(sceneName), list(form.getAll('scenes')));
  const priority = field('priority') === undefined ? 0 : checked(prioritySchema, Number(field('priority')));
  return renderRequest(files, field('entry'), scenes, options, defaults, priority);
}

/** `maxUnpacked`: most bytes an uploaded archive may unpack to. */
export async function parseJobRequest(request: Request, defaults: RenderOptions, maxUnpacked: number): Promise<JobRequest> {
  const type = request.headers.get('content-type') ?? '';
  try {
    if (type.startsWith('application/json')) {
      let body: unknown;
      try {
        body = await request.json();
      } catch {
        throw new RequestError('body is not valid JSON');
      }
      return fromJson(body, defaults);
    }
    if (type.startsWith('multipart/form-data')) {
      let form: FormData;
      try {
        form = await request.formData();
      } catch (err) {
        throw new RequestError(`body is not valid multipart/form-data: ${err instanceof Error ? err.message : String(err)}`);
      }
      return await fromForm(form, defaults, maxUnpacked);
    }
  } catch (err) {
    if (err instanceof BundleError) throw new RequestError(err.message);
    throw err;
  }
  throw new RequestError('send application/json or multipart/form-data', 415);
}
