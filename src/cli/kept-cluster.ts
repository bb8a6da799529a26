import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterError } from './client.ts';
import { runningCoordinator, type Announcement } from '../runtime/announce.ts';
import { processAlive } from '../lib/process.ts';

/** Where a kept cluster writes what `up` prints and logs; owner-only, as it holds the token. */
export const KEPT_LOG = 'local-cluster.log';
/** Held by the render that starts one, with its pid: two renders at once start one cluster. */
const START_LOCK = 'local-cluster.lock';

/** Starting takes Postgres, migrations and Python importing manim: seconds, a minute on a slow disk. */
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

/**
 * Starts `networknodes up` in the background on this home, on loopback, stopping itself after
 * `minutes` without work, and returns it once it answers. A render without `--cluster` keeps its
 * local cluster this way, so the next one costs no start of a database, a node and Python (seconds
 * against a one-play scene's one or two). A render that finds another starting one waits for it.
 */
export async function startKeptCluster(home: string, opts: { workers: number; minutes: number; configFile?: string }): Promise<Announcement> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const lock = join(home, START_LOCK);
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch {
      const holder = Number(readText(lock));
      if (holder && !processAlive(holder)) rmSync(lock, { force: true }); // its render died
      const running = await runningCoordinator(home);
      if (running) return running;
      if (Date.now() > deadline) throw new ClusterError(`another render has been starting the local cluster for ${START_TIMEOUT_MS / 1000} s; see ${join(home, KEPT_LOG)}`);
      await sleep(100);
    }
  }
  try {
    return (await runningCoordinator(home)) ?? (await spawnKept(home, opts, deadline));
  } finally {
    rmSync(lock, { force: true });
  }
}

async function spawnKept(home: string, opts: { workers: number; minutes: number; configFile?: string }, deadline: number): Promise<Announcement> {
  const log = openSync(join(home, KEPT_LOG), 'a', 0o600);
  // This command's own entry and Node flags (tsx's loader when it runs from source).
  const argv = [
    ...process.execArgv,
    process.argv[1]!,
    ...(opts.configFile ? ['--config', resolve(opts.configFile)] : []),
    '--log-format', 'human',
    'up', '--host', '127.0.0.1', '--port', '0', '--workers', String(opts.workers), '--idle-stop', String(opts.minutes),
  ];
  const child = spawn(process.execPath, argv, { detached: true, stdio: ['ignore', log, log], env: { ...process.env, NN_HOME: home } });
  closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  while (Date.now() < deadline) {
    const running = await runningCoordinator(home);
    if (running) return running;
    if (exited !== undefined) {
      throw new ClusterError(`the local cluster did not start (exit ${exited}); its log, ${join(home, KEPT_LOG)}, ends:\n${logTail(home)}`);
    }
    await sleep(100);
  }
  throw new ClusterError(`the local cluster did not answer within ${START_TIMEOUT_MS / 1000} s; see ${join(home, KEPT_LOG)}`);
}

/** Stops the coordinator announced on a home as its Ctrl-C would (work handed back, Postgres last). */
export async function stopAnnounced(a: Announcement): Promise<void> {
  try {
    process.kill(a.pid, 'SIGTERM');
  } catch {
    return; // gone already
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (processAlive(a.pid)) {
    if (Date.now() > deadline) throw new ClusterError(`the coordinator (pid ${a.pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s`);
    await sleep(100);
  }
}

function logTail(home: string): string {
  return readText(join(home, KEPT_LOG))?.trimEnd().split('\n').slice(-15).join('\n') ?? '(no log)';
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
