import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { renderOptionsFields, renderOptionsSchema, type RenderOptions } from '../model/render-options.ts';
import { describeIssues } from '../config/load.ts';
import { BundleError, MAX_BUNDLE_FILES, safeBundlePath, type BundleFile, type JobRequest } from '../model/job-request.ts';
import { filesFromTar } from './archive.ts';

export class RequestError extends Error {
  override name = 'RequestError';
  constructor(message: string, readonly status: 400 | 413 | 415 = 400) {
    super(message);
  }
}

const sceneName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a scene name is a Python class name');
const fileContent = z.union([z.string(), z.object({ base64: z.string() })]);

export const renderJobSchema = z.object({
  files: z.record(z.string(), fileContent).refine((f) => Object.keys(f).length > 0, 'at least one file is needed'),
  entry: z.string().optional(),
  scenes: z.array(sceneName).default([]),
  options: renderOptionsFields.partial().default({}),
});

export const functionJobSchema = z.object({
  function: z.string().regex(/^[a-z][a-z0-9-]*$/),
  input: z.unknown().default({}),
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

function render(files: BundleFile[], entry: string | undefined, scenes: string[], options: unknown, defaults: RenderOptions): JobRequest {
  if (files.length > MAX_BUNDLE_FILES) throw new RequestError(`files: more than ${MAX_BUNDLE_FILES} files`);
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new RequestError(`files: ${f.path} appears twice`);
    seen.add(f.path);
  }
  const given = options as Partial<RenderOptions>;
  // As with `manim render -t`: transparency without a format means .mov.
  const format = given.format ?? (given.transparent ? 'mov' : undefined);
  // Every segment must draw the same random numbers, as one process would: a job without a seed
  // gets one, recorded in its options, so `manim render --seed <it>` reproduces the video.
  const seed = given.seed ?? defaults.seed ?? randomInt(2 ** 31);
  const merged = checked(renderOptionsSchema, { ...defaults, ...given, seed, ...(format ? { format } : {}) });
  return { kind: 'render', files, entry: pickEntry(files, entry), scenes, options: merged };
}

function fromJson(body: unknown, defaults: RenderOptions): JobRequest {
  if (body && typeof body === 'object' && 'function' in body) {
    const fn = checked(functionJobSchema, body);
    return { kind: 'function', function: fn.function, input: fn.input };
  }
  const job = checked(renderJobSchema, body);
  const files = Object.entries(job.files).map(([path, content]) => ({
    path: safeBundlePath(path),
    bytes: typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.base64, 'base64'),
  }));
  return render(files, job.entry, job.scenes, job.options, defaults);
}

const list = (v: FormDataEntryValue[]) =>
  v.flatMap((x) => (typeof x === 'string' ? x.split(',') : [])).map((s) => s.trim()).filter(Boolean);

/** Multipart: `file` parts (their filenames are paths), an optional `archive` (.tar/.tar.gz),
 *  `entry`, `scenes`, and options as `options` (JSON) or fields named like manim's flags. */
async function fromForm(form: FormData, defaults: RenderOptions): Promise<JobRequest> {
  const files: BundleFile[] = [];
  for (const part of form.getAll('file')) {
    if (typeof part === 'string') throw new RequestError('file: expected an uploaded file, got a text field');
    files.push({ path: safeBundlePath(part.name), bytes: Buffer.from(await part.arrayBuffer()) });
  }
  const archive = form.get('archive');
  if (archive && typeof archive !== 'string') files.push(...(await filesFromTar(Buffer.from(await archive.arrayBuffer()))));
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
  const flags: Record<string, unknown> = {
    quality: field('quality'),
    format: field('format'),
    fps: num('fps'),
    seed: num('seed'),
    resolution: field('resolution')?.split(',').map(Number),
    transparent: field('transparent') === undefined ? undefined : field('transparent') === 'true',
    saveSections: field('save_sections') === undefined ? undefined : field('save_sections') === 'true',
  };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) options[k] = v;
  const scenes = checked(z.array(sceneName), list(form.getAll('scenes')));
  return render(files, field('entry'), scenes, options, defaults);
}

export async function parseJobRequest(request: Request, defaults: RenderOptions): Promise<JobRequest> {
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
    if (type.startsWith('multipart/form-data')) return await fromForm(await request.formData(), defaults);
  } catch (err) {
    if (err instanceof BundleError) throw new RequestError(err.message);
    throw err;
  }
  throw new RequestError('send application/json or multipart/form-data', 415);
}
