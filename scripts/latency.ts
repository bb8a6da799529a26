/**
 * Three figures of the foundation: the embedded default's start-up time; the latency from
 * `POST /jobs` to the job's first function starting on a node (median over 100 jobs, one at a time
 * on an idle node); and the fixed cost of a render: `networknodes render` of a one-play scene
 * against this running coordinator beside plain `manim render` of it, in alternating pairs (both
 * render the play: caches off), medians (target: within 0.5 s); then the same with no coordinator
 * named: on the local cluster the first render keeps, and with a local cluster started and stopped
 * by each render (`--keep 0`) (target: within 2 s). The CLI is the built one when it is
 * current (`npm run build`), as a user's is after set-up. Run: npm run bench:latency [-- --pairs N]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startCoordinator } from '../src/runtime/coordinator.ts';
import { parseConfig } from '../src/config/load.ts';
import { driverEnv, PROJECT_ROOT } from '../src/driver/python.ts';

const run = promisify(execFile);

const { values: args } = parseArgs({ options: { pairs: { type: 'string', default: '7' } } });
const PAIRS = Number(args.pairs);
if (!Number.isInteger(PAIRS) || PAIRS < 1) throw new Error(`--pairs must be a whole number above 0, got ${args.pairs}`);

const home = mkdtempSync(join(tmpdir(), 'nn-latency-'));
const config = parseConfig({ home, http: { port: 0 }, concurrency: 2 }, {});
let t = performance.now();
const first = await startCoordinator(config);
const coldMs = performance.now() - t;
await first.stop();
t = performance.now();
const c = await startCoordinator(config);
const warmMs = performance.now() - t;
console.log(`embedded default start-up (Postgres, migrations, node): first ${coldMs.toFixed(0)} ms (initdb), then ${warmMs.toFixed(0)} ms`);

const headers = { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' };
const latencies: number[] = [];
try {
  for (let i = 0; i < 100; i++) {
    // A file that does not parse: planning starts, fails at once, and the node is idle again.
    const body = JSON.stringify({ files: { [`job${i}.py`]: 'this is not python' } });
    const { id } = (await (await fetch(`${c.url}/jobs`, { method: 'POST', headers, body })).json()) as { id: string };
    for (;;) {
      const events = (await (await fetch(`${c.url}/jobs/${id}/events`, { headers })).text()).split('\n\n');
      const at = (type: string) => events.find((e) => e.includes(`event: ${type}\n`))?.match(/"at":"([^"]+)"/)?.[1];
      const queued = at('job.queued');
      const running = at('job.running');
      if (queued && running) {
        latencies.push(Date.parse(running) - Date.parse(queued));
        break;
      }
    }
  }
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  console.log(`POST /jobs → function started on a node, ${latencies.length} jobs: median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms`);
  await fixedCost('on the running coordinator', 0.5, ['--cluster', c.url, '--token', c.token], process.env);
} finally {
  await c.stop();
}
// No coordinator named: the first render starts a local cluster (embedded Postgres from a home set
// up by an untimed render, as after a user's first run) and keeps it; later renders use it.
const localHome = mkdtempSync(join(tmpdir(), 'nn-latency-local-'));
const { NN_URL: _url, NN_TOKEN: _token, NN_JOIN: _join, DATABASE_URL: _db, ...userEnv } = process.env;
const localEnv = { ...userEnv, NN_HOME: localHome };
try {
  await fixedCost('with the local cluster kept from the first render (the default without --cluster)', 2, [], localEnv, 1);
} finally {
  await timed(process.execPath, [join(PROJECT_ROOT, 'bin', 'networknodes.js'), 'down'], localEnv, localHome);
}
// A local cluster started and stopped by each render, as with `--keep 0` or on a database of one's own.
await fixedCost('with a local cluster of its own each time (--keep 0)', 2, ['--keep', '0'], localEnv, 1);

/** Wall milliseconds of a command that must succeed. Not spawnSync: the coordinator runs in this
 *  process, and a blocked event loop would leave the CLI's requests unanswered. */
async function timed(cmd: string, argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const t = performance.now();
  await run(cmd, argv, { env, cwd }).catch((err: { stderr?: string }) => {
    throw new Error(`${cmd} ${argv.join(' ')} failed: ${err.stderr ?? String(err)}`);
  });
  return performance.now() - t;
}

/** The one-play scene through the CLI (with `farmArgs`, after `warmUp` untimed renders) and through
 *  plain manim, in alternating pairs; the median difference against `targetSeconds`. */
async function fixedCost(label: string, targetSeconds: number, farmArgs: string[], env: NodeJS.ProcessEnv, warmUp = 0): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nn-fixed-'));
  const project = join(dir, 'scene');
  mkdirSync(project);
  writeFileSync(join(project, 'one.py'), 'from manim import *\n\n\nclass One(Scene):\n    def construct(self):\n        self.play(Create(Circle()), run_time=1)\n');
  const quality = ['-ql'];
  const plain: number[] = [];
  const farm: number[] = [];
  const farmRender = () => timed(process.execPath, [join(PROJECT_ROOT, 'bin', 'networknodes.js'), 'render', 'one.py', 'One', ...quality, '--disable_caching', ...farmArgs, '--out-dir', join(dir, 'out')], env, project);
  for (let i = 0; i < warmUp; i++) await farmRender();
  for (let i = 0; i < PAIRS; i++) {
    plain.push(await timed(join(PROJECT_ROOT, '.venv', 'bin', 'manim'), ['render', ...quality, '--disable_caching', '--media_dir', join(dir, 'media'), 'one.py', 'One'], driverEnv(), project));
    farm.push(await farmRender());
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const diffs = plain.map((p, i) => farm[i]! - p);
  console.log(`a one-play scene (-ql), ${PAIRS} alternating pairs: plain manim ${(median(plain) / 1000).toFixed(2)} s, networknodes render ${label} ${(median(farm) / 1000).toFixed(2)} s; median difference ${(median(diffs) / 1000).toFixed(2)} s (target ≤ ${targetSeconds} s)`);
}
