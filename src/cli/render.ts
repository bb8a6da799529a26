import { dirname, join, relative, resolve, basename } from 'node:path';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { FormData } from 'undici'; // the client's (ClusterClient)
import type { Config } from '../config/schema.ts';
import type { RenderOptionsInput } from '../model/render-options.ts';
import { ClusterClient, ClusterError, openClusterClient } from './client.ts';
import { packProject } from '../bundle/pack.ts';
import { TERMINAL_JOB_STATES } from '../model/states.ts';
import { jobDetailSchema, type JobDetailView } from './job-schemas.ts';
import { JobProgress } from './progress.ts';
import type { Coordinator } from '../runtime/coordinator.ts';
import { safeBundlePath } from '../model/job-request.ts';
import { openWith } from './opener.ts';
import { runningCoordinator } from '../runtime/announce.ts';
import { startKeptCluster, stopAnnounced } from './kept-cluster.ts';
import { homeDir } from '../lib/home.ts';
import { recordOutputs, writtenOutputs } from './written-outputs.ts';

export interface RenderCommand {
  file: string;
  scenes: string[];
  options: RenderOptionsInput;
  outDir: string;
  outputFile?: string;
  /** Queue order against other jobs, lowest first. */
  priority?: number;
  /** manim's -p: open each output once it is downloaded (with `command`, else the desktop's opener). */
  preview?: { command?: string };
  json: boolean;
  cluster?: string;
  token?: string;
  /** The coordinator certificate's fingerprint, from a join string. */
  fingerprint?: string;
  local?: number;
  /** Idle minutes a local cluster is kept for later renders (0: it stops with this one); default: config. */
  keepMinutes?: number;
  /** `--config`, for the kept cluster to read too. */
  configFile?: string;
  config: Config;
}


/** How often a job followed without a progress bar is read while its event stream is open. */
const UNSHOWN_READ_MS = 15_000;

/** Follows a job to its end; when `signal` fires first, the job is cancelled and the signal's reason thrown.
 *  The job is read again as soon as its event stream says something happened (its end above all).
 *  A progress bar also reads it every second, for the frame counts of running segments, which make
 *  no events; without one, the stream alone says when, and a slow read covers a stream that broke. */
async function follow(client: ClusterClient, id: string, progress: JobProgress, signal?: AbortSignal): Promise<JobDetailView> {
  let rung = false;
  let bell = () => {};
  // Whether the stream has spoken and not ended: an older coordinator or a buffering proxy gives none.
  let streaming = false;
  const listening = new AbortController();
  // an abort ends a wait early
  const aborted = new Promise<void>((r) => signal?.addEventListener('abort', () => r(), { once: true }));
  void client
    .listen(`/jobs/${id}/events`, () => ((streaming = rung = true), bell()), signal ? AbortSignal.any([signal, listening.signal]) : listening.signal)
    .catch(() => {})
    .finally(() => (streaming = false));
  try {
    for (;;) {
      if (signal?.aborted) {
        await client.call(`/jobs/${id}/cancel`, z.unknown(), { method: 'POST' }).catch(() => {});
        throw signal.reason;
      }
      rung = false;
      const job = await client.call(`/jobs/${id}`, jobDetailSchema);
      progress.update(job);
      if (TERMINAL_JOB_STATES.includes(job.state)) return job;
      if (rung) continue;
      // A read costs the coordinator about 10 ms of CPU, taken from the renders of a local cluster.
      const wait = progress.shown || !streaming ? 1000 : UNSHOWN_READ_MS;
      // Each wait's timer goes when the wait ends: an event cuts a 15-s wait short, and a timer left
      // pending would keep a listener (the CLI warned of more than ten).
      const timer = new AbortController();
      await Promise.race([sleep(wait, undefined, { signal: timer.signal }).catch(() => {}), new Promise<void>((r) => (bell = r)), aborted]);
      timer.abort();
    }
  } finally {
    listening.abort();
  }
}

/** Where each output lands: `<out>/<Scene>.mp4`, a still as manim names it
 *  (`<out>/<Scene>_ManimCE_v0.22.0.png`), PNG frames in `<out>/<Scene>/`; -o renames a lone output. */
async function download(client: ClusterClient, job: JobDetailView, outDir: string, outputFile?: string): Promise<string[]> {
  const outputs = job.scenes.flatMap((s) => s.outputs);
  const paths: string[] = [];
  for (const o of outputs) {
    const name = safeBundlePath(o.name);
    const rest = name.split('/').slice(1);
    let target = join(outDir, name);
    // as manim's -o: a name goes beside the others, an absolute path is used as it is
    if (outputFile && !rest.length && job.scenes.length === 1) target = resolve(outDir, outputFile.includes('.') ? outputFile : outputFile + name.slice(name.lastIndexOf('.')));
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.part`;
    await client.download(o.url, tmp);
    renameSync(tmp, target);
    if (!rest.length || !name.endsWith('.png')) paths.push(target);
  }
  // PNG sequences: report the folder once, not every frame.
  for (const s of job.scenes) if (outputs.some((o) => o.name.startsWith(`${s.name}/`) && o.name.endsWith('.png'))) paths.push(join(outDir, s.name));
  return paths;
}

/** Opens what was rendered, as `manim render -p` does; on a machine with nothing to open it, says so. */
function preview(paths: string[], command?: string): void {
  for (const p of paths) {
    if (!openWith(p, command)) {
      process.stderr.write(`-p: ${command ?? 'no xdg-open or open'} on this machine to preview with; the output is at ${p}\n`);
      return;
    }
  }
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

/**
 * Ctrl-C or a kill of `render` stops its local cluster: renders, drivers and Postgres go with it.
 * Installed before the cluster starts, since its warm driver forks before the start returns.
 */
function stopOnSignal(local: Promise<Coordinator>): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the local cluster\n`);
      void local.then((c) => c.stop()).finally(() => process.exit(code));
    });
  }
}

/** The cluster a command renders on: the one named, or a local one. `kept`: a local cluster that
 *  outlives the command, whose jobs the command cancels when it is stopped. */
export interface OpenCluster {
  client: ClusterClient;
  kept: boolean;
  close(): Promise<void>;
}

export async function openCluster(cmd: RenderCommand): Promise<OpenCluster> {
  if (cmd.cluster) {
    return { client: await openClusterClient({ url: cmd.cluster, token: cmd.token, fingerprint: cmd.fingerprint }), kept: false, close: async () => {} };
  }
  const home = homeDir(cmd.config.home);
  const say = (line: string) => cmd.json || process.stderr.write(`no --cluster given: ${line}\n`);
  // An `up` on this home: its coordinator owns the home's Postgres, so the render goes to it.
  // A second one would share that Postgres's data folder, and could stop it.
  let running = await runningCoordinator(home);
  const workers = cmd.local ?? cpus().length;
  if (running?.idleStopMinutes && cmd.local && running.workers !== cmd.local) {
    say(`stopping the kept local cluster of ${running.workers} worker(s) for one of ${cmd.local}`);
    await stopAnnounced(running);
    running = undefined;
  }
  if (running) {
    say(running.idleStopMinutes
      ? `using the local cluster kept from an earlier render (${running.workers} worker(s); \`networknodes down\` stops it)`
      : `using the coordinator \`up\` runs on this machine at ${running.url}${cmd.local ? ' (--local is for a cluster of its own)' : ''}`);
    return { client: await openClusterClient(running), kept: !!running.idleStopMinutes, close: async () => {} };
  }
  // Kept only on the embedded database: a cluster left running on a database of the user's own
  // would be a worker on it that nobody started.
  const keep = cmd.keepMinutes ?? cmd.config.local.keepMinutes;
  if (keep > 0 && !cmd.config.database.url) {
    say(`starting a local cluster with ${workers} worker(s), kept for later renders until idle ${keep} min (\`networknodes down\` stops it)`);
    const kept = await startKeptCluster(home, { workers, minutes: keep, configFile: cmd.configFile });
    return { client: await openClusterClient(kept), kept: true, close: async () => {} };
  }
  say(`starting a local cluster with ${workers} worker(s)`);
  const config = { ...cmd.config, concurrency: workers, http: { ...cmd.config.http, host: '127.0.0.1', port: 0 } };
  // Python importing manim is the longest part of the start: it begins before Node loads the
  // coordinator's code (a third of a second or more), not after.
  const { startDriver } = await import('../driver/info.ts');
  const driver = startDriver(config);
  const { startCoordinator } = await import('../runtime/coordinator.ts');
  const starting = startCoordinator(config, { driver });
  stopOnSignal(starting);
  const local = await starting;
  return { client: new ClusterClient(local.url, local.token), kept: false, close: () => local.stop() };
}

export interface RenderRound {
  id: string;
  job: JobDetailView;
  /** The files written. */
  paths: string[];
  wallMs: number;
}

/** One render of the command's file: pack its folder, submit, follow, download. A fired signal cancels it. */
export async function renderOnce(client: ClusterClient, cmd: RenderCommand, signal?: AbortSignal): Promise<RenderRound> {
  const file = resolve(cmd.file);
  if (!existsSync(file)) throw new ClusterError(`no such file: ${cmd.file}`);
  const started = Date.now();
  const progress = new JobProgress(!cmd.json && !!process.stderr.isTTY);
  try {
    const root = dirname(file);
    const outDir = resolve(cmd.outDir);
    const home = homeDir(cmd.config.home);
    const { archive, files } = await packProject(root, [outDir, ...writtenOutputs(home)]);
    const form = new FormData();
    form.append('archive', new Blob([new Uint8Array(archive)]), 'project.tar.gz');
    form.append('entry', relative(root, file));
    // the folder on this machine: its earlier renders are the versions an edit's render is cut from
    form.append('project', `${hostname()}:${root}`);
    if (cmd.scenes.length) form.append('scenes', cmd.scenes.join(','));
    form.append('options', JSON.stringify(cmd.options));
    if (cmd.priority !== undefined) form.append('priority', String(cmd.priority));
    const { id } = await client.call('/jobs', z.object({ id: z.string() }), { method: 'POST', body: form, headers: { 'x-nn-source': 'cli' } });
    if (!cmd.json) process.stderr.write(`job ${id}: ${basename(file)} (${files} file(s)) on ${client.base}\n`);
    const job = await follow(client, id, progress, signal);
    progress.stop();
    const paths = job.scenes.some((s) => s.state === 'succeeded') ? await download(client, job, outDir, cmd.outputFile) : [];
    recordOutputs(home, paths);
    return { id, job, paths, wallMs: Date.now() - started };
  } finally {
    progress.stop();
  }
}

/** What a round printed: the JSON line, or the outputs on stdout and the outcome on stderr. */
export function report(cmd: RenderCommand, { id, job, paths, wallMs }: RenderRound): void {
  if (cmd.json) {
    process.stdout.write(
      JSON.stringify({
        job: id,
        state: job.state,
        outputs: paths,
        wallMs,
        error: job.state === 'succeeded' ? undefined : describeFailure(job),
        scenes: job.scenes.map((s) => ({ name: s.name, state: s.state, frames: s.totalFrames, error: s.error?.message, segments: s.segments.map((g) => ({ plays: g.plays, ...(g.slice ? { slice: g.slice } : {}), ...(g.encodes ? { encodes: true } : {}), frames: g.frames, node: g.node, ms: g.renderMs, attempts: g.attempts })) })),
      }) + '\n',
    );
  } else {
    for (const p of paths) process.stdout.write(`${p}\n`);
    if (job.state !== 'succeeded') process.stderr.write(describeFailure(job) + '\n');
    process.stderr.write(`${job.state} in ${(wallMs / 1000).toFixed(1)} s\n`);
  }
  if (cmd.preview) preview(paths, cmd.preview.command);
}

/** `networknodes render`: submit, show progress, download. Returns the process exit code. */
export async function runRender(cmd: RenderCommand): Promise<number> {
  if (!existsSync(resolve(cmd.file))) throw new ClusterError(`no such file: ${cmd.file}`);
  const started = Date.now();
  const cluster = await openCluster(cmd);
  // A kept cluster renders on after this command: stopping the command cancels its job.
  const stopped = new AbortController();
  const stop = (signal: NodeJS.Signals) => stopped.abort(new ClusterError(`${signal}: the job is cancelled`));
  if (cluster.kept) for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, stop);
  try {
    const round = await renderOnce(cluster.client, cmd, stopped.signal);
    // The wall time of a one-off render includes starting a local cluster.
    report(cmd, { ...round, wallMs: Date.now() - started });
    return round.job.state === 'succeeded' ? 0 : 1;
  } finally {
    await cluster.close();
  }
}
