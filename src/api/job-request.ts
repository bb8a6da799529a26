import { z } from 'zod';
import type { RenderOptions } from '../model/render-options.ts';
import { BundleError, safeBundlePath, type BundleFile, type JobRequest } from '../model/job-request.ts';
import { checked, functionJobSchema, projectSchema, renderJobSchema, renderRequest, RequestError, sceneName } from '../model/render-request.ts';
import { prioritySchema } from '../model/priority.ts';
import { filesFromTar } from '../bundle/unpack.ts';


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
  return renderRequest(files, job.entry, job.scenes, job.options, defaults, { priority: job.priority, project: job.project });
}

const FORM_FIELDS = new Set(['file', 'archive', 'entry', 'scenes', 'options', 'quality', 'format', 'fps', 'seed', 'resolution', 'transparent', 'save_sections', 'plays', 'priority', 'project']);

const list = (v: FormDataEntryValue[]) =>
  v.flatMap((x) => (typeof x === 'string' ? x.split(',') : [])).map((s) => s.trim()).filter(Boolean);

/** Multipart: `file` parts (their filenames are paths), an optional `archive` (.tar/.tar.gz),
 *  `entry`, `scenes`, `project`, and options as `options` (JSON) or fields named like manim's flags. */
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
  const project = field('project') === undefined ? undefined : checked(projectSchema, field('project'));
  return renderRequest(files, field('entry'), scenes, options, defaults, { priority, project });
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
