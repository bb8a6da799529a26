import { dirname, join, relative, resolve, basename } from 'node:path';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { cpus } from 'node:os';
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import type { RenderOptionsInput } from '../model/render-options.ts';
import { ClusterClient, ClusterError } from './client.ts';
import { packProject } from './pack.ts';
import { TERMINAL_JOB_STATES } from '../model/states.ts';
import { jobDetailSchema, outputsSchema, type JobDetailView } from './job-schemas.ts';
import { JobProgress } from './progress.ts';
import { startCoordinator, type Coordinator } from '../runtime/coordinator.ts';
import { safeBundlePath } from '../model/job-request.ts';

export interface RenderCommand {
  file: string;
  scenes: string[];
  options: RenderOptionsInput;
  outDir: string;
  outputFile?: string;
  json: boolean;
  cluster?: string;
  token?: string;
  local?: number;
  config: Config;
}


async function follow(client: ClusterClient, id: string, progress: JobProgress): Promise<JobDetailView> {
  for (;;) {
    const job = await client.call(`/jobs/${id}`, jobDetailSchema);
    progress.update(job);
    if (TERMINAL_JOB_STATES.includes(job.state)) return job;
    // A status costs the coordinator about 10 ms of CPU, taken from the renders of a local cluster.
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Where each output lands: `<out>/<Scene>.mp4`, PNG frames in `<out>/<Scene>/`, like manim names them. */
async function download(client: ClusterClient, job: JobDetailView, outDir: string, outputFile?: string): Promise<string[]> {
  const { outputs } = await client.call(`/jobs/${job.id}/outputs`, outputsSchema);
  const paths: string[] = [];
  for (const o of outputs) {
    const name = safeBundlePath(o.name);
    const [scene, ...rest] = name.split('/');
    const url = `/jobs/${job.id}/output/${encodeURIComponent(rest.length ? scene! : name)}${rest.length ? '/' + rest.map(encodeURIComponent).join('/') : ''}`;
    let target = join(outDir, name);
    if (outputFile && !rest.length && job.scenes.length === 1) target = join(outDir, outputFile.includes('.') ? outputFile : outputFile + name.slice(name.lastIndexOf('.')));
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.part`;
    await client.download(url, tmp);
    renameSync(tmp, target);
    if (!rest.length || !name.endsWith('.png')) paths.push(target);
  }
  // PNG sequences: report the folder once, not every frame.
  for (const s of job.scenes) if (outputs.some((o) => o.name.startsWith(`${s.name}/`) && o.name.endsWith('.png'))) paths.push(join(outDir, s.name));
  return paths;
}

function describeFailure(job: JobDetailView): string {
  const lines = [`job ${job.id} ${job.state}`];
  if (job.error && !job.scenes.some((s) => s.error)) lines.push(job.error.traceback || job.error.message);
  for (const s of job.scenes.filter((s) => s.error)) {
    lines.push(`\nscene ${s.name}: ${s.error!.message}`);
    if (s.error!.traceback) lines.push(s.error!.traceback.trimEnd());
  }
  return lines.join('\n');
}

/** `networknodes render`: submit, show progress, download. Returns the process exit code. */
export async function runRender(cmd: RenderCommand): Promise<number> {
  const file = resolve(cmd.file);
  if (!existsSync(file)) throw new ClusterError(`no such file: ${cmd.file}`);
  const started = Date.now();
  let local: Coordinator | undefined;
  let client: ClusterClient;
  if (cmd.cluster) {
    if (!cmd.token) throw new ClusterError('a cluster token is needed: --token or NN_TOKEN (networknodes up prints it)');
    client = new ClusterClient(cmd.cluster.replace(/\/$/, ''), cmd.token);
  } else {
    const workers = cmd.local ?? cpus().length;
    if (!cmd.json) process.stderr.write(`no --cluster given: starting a local cluster with ${workers} worker(s)\n`);
    local = await startCoordinator({ ...cmd.config, concurrency: workers, http: { host: '127.0.0.1', port: 0 } });
    client = new ClusterClient(local.url, local.token);
  }
  const progress = new JobProgress(!cmd.json && !!process.stderr.isTTY);
  try {
    const root = dirname(file);
    const outDir = resolve(cmd.outDir);
    const { archive, files } = await packProject(root, [outDir]);
    const form = new FormData();
    form.append('archive', new Blob([new Uint8Array(archive)]), 'project.tar.gz');
    form.append('entry', relative(root, file));
    if (cmd.scenes.length) form.append('scenes', cmd.scenes.join(','));
    form.append('options', JSON.stringify(cmd.options));
    const { id } = await client.call('/jobs', z.object({ id: z.string() }), { method: 'POST', body: form, headers: { 'x-nn-source': 'cli' } });
    if (!cmd.json) process.stderr.write(`job ${id}: ${basename(file)} (${files} file(s)) on ${client.base}\n`);
    const job = await follow(client, id, progress);
    progress.stop();
    const paths = job.scenes.some((s) => s.state === 'succeeded') ? await download(client, job, outDir, cmd.outputFile) : [];
    const wallMs = Date.now() - started;
    if (cmd.json) {
      process.stdout.write(
        JSON.stringify({
          job: id,
          state: job.state,
          outputs: paths,
          wallMs,
          error: job.state === 'succeeded' ? undefined : describeFailure(job),
          scenes: job.scenes.map((s) => ({ name: s.name, state: s.state, frames: s.totalFrames, error: s.error?.message, segments: s.segments.map((g) => ({ plays: g.plays, frames: g.frames, node: g.node, ms: g.renderMs, attempts: g.attempts })) })),
        }) + '\n',
      );
    } else {
      for (const p of paths) process.stdout.write(`${p}\n`);
      if (job.state !== 'succeeded') process.stderr.write(describeFailure(job) + '\n');
      process.stderr.write(`${job.state} in ${(wallMs / 1000).toFixed(1)} s\n`);
    }
    return job.state === 'succeeded' ? 0 : 1;
  } finally {
    progress.stop();
    await local?.stop();
  }
}
