// The lab: N emulated home machines on this one Linux box (root), each a network namespace on a
// private bridge with its own address, CPU quota and NN_HOME. For tests and the benchmark.
//
//   npx tsx scripts/lab/lab.ts up --nodes N [--cpu 0.45]   coordinator in h0, `join` in h1..hN
//   npx tsx scripts/lab/lab.ts down                        removes leftovers of a crashed run
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { watch } from './child-log.ts';
import { cgroupDir, cgroupUnavailable, createCgroup, destroyCgroups, wrapArgv } from './cgroup.ts';
import { createNetwork, destroyNetwork, findIp, ipBin, leftovers, namespacePids, netnsProbe } from './netns.ts';

export interface LabHost {
  name: string;
  ns: string;
  ip: string;
  cpu: number | null;
  /** A private NN_HOME for this host, /tmp/<prefix>/<name>; removed by destroy(). */
  home: string;
}

export interface Lab {
  bridgeIp: string;
  hosts: LabHost[];
  /** Runs argv in the host's cgroup and namespace; env is merged over this process's env. */
  spawn(host: LabHost, argv: string[], opts?: { env?: NodeJS.ProcessEnv; cwd?: string }): ChildProcess;
  /** SIGTERM to what spawn() started, SIGKILL after 5 s, then removes everything created. */
  destroy(): Promise<void>;
}

export interface LabOptions {
  hosts: number;
  /** Cores per host (0.45 = 45 % of one core), null/absent = unlimited; an array sets each host. */
  cpu?: number | null | (number | null)[];
  /** Names: bridge <prefix>0, namespaces <prefix>-hI, cgroups cpu/<prefix>/hI. Default nnlab. */
  prefix?: string;
  /** The lab's /24 as three octets (default 10.77.0): labs up at the same time need different ones. */
  subnet?: string;
}

const DEFAULT_PREFIX = 'nnlab';
const GRACE_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why the lab cannot run here, or undefined when it can. */
export function labUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux (network namespaces, cgroups)';
  if (process.getuid?.() !== 0) return 'needs root';
  // Root inside an unprivileged container lacks these and cannot create namespaces.
  const capEff = /CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  const caps = capEff ? BigInt(`0x${capEff}`) : 0n;
  const NET_ADMIN = 1n << 12n;
  const SYS_ADMIN = 1n << 21n;
  if ((caps & NET_ADMIN) === 0n || (caps & SYS_ADMIN) === 0n) return 'needs CAP_NET_ADMIN and CAP_SYS_ADMIN';
  if (!existsSync('/bin/sh')) return '/bin/sh not found';
  if (!findIp()) return 'ip (iproute2) not found';
  return cgroupUnavailable() ?? netnsProbe();
}

function checkPrefix(prefix: string): void {
  // Keeps interface names (<prefix>-h99-br) within Linux's 15 characters and regexes literal.
  if (!/^[a-z][a-z0-9]{0,7}$/.test(prefix)) throw new Error(`lab prefix "${prefix}": 1-8 lowercase letters/digits, starting with a letter`);
}

const homesRoot = (prefix: string) => join('/tmp', prefix);

/**
 * Removes everything a lab with this prefix may have left: processes, cgroups, network, homes.
 * Every step runs even when an earlier one fails; the failures are thrown together at the end.
 */
export async function destroyLeftovers(prefix = DEFAULT_PREFIX): Promise<string[]> {
  checkPrefix(prefix);
  const removed: string[] = [];
  const errors: Error[] = [];
  const step = async (f: () => Promise<string[]>) => {
    try {
      removed.push(...(await f()));
    } catch (e) {
      errors.push(e as Error);
    }
  };
  const { namespaces } = await leftovers(prefix);
  // Processes that entered a namespace some other way than through its cgroup.
  for (const ns of namespaces) {
    for (const pid of await namespacePids(ns)) {
      try {
        process.kill(pid, 'SIGKILL');
        removed.push(`process ${pid} in ${ns}`);
      } catch {
        // gone
      }
    }
  }
  await step(() => destroyCgroups(prefix));
  // A namespace lives on while a process holds it, so wait for the killed ones to be reaped.
  for (const ns of namespaces) {
    for (let i = 0; i < 100 && (await namespacePids(ns)).length > 0; i++) await sleep(50);
  }
  await step(() => destroyNetwork(prefix));
  await step(async () => {
    if (!existsSync(homesRoot(prefix))) return [];
    rmSync(homesRoot(prefix), { recursive: true, force: true });
    return [`dir ${homesRoot(prefix)}`];
  });
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
  return removed;
}

export async function createLab(opts: LabOptions): Promise<Lab> {
  const reason = labUnavailable();
  if (reason) throw new Error(`lab unavailable: ${reason}`);
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  checkPrefix(prefix);
  if (!Number.isInteger(opts.hosts) || opts.hosts < 1 || opts.hosts > 100) throw new Error('hosts: 1..100');
  const cpus = Array.from({ length: opts.hosts }, (_, i): number | null => {
    const c = Array.isArray(opts.cpu) ? opts.cpu[i] : opts.cpu;
    if (c === undefined || c === null) return null;
    // The kernel refuses quotas under 1 ms per 100 ms period.
    if (!(c >= 0.01)) throw new Error(`cpu ${c}: at least 0.01 of a core`);
    return c;
  });

  await destroyLeftovers(prefix);
  const hosts: LabHost[] = [];
  try {
    if (opts.subnet !== undefined && !/^10\.\d{1,3}\.\d{1,3}$/.test(opts.subnet)) throw new Error(`lab subnet "${opts.subnet}": three octets of 10.0.0.0/8, e.g. "10.77.1"`);
    const net = await createNetwork(prefix, opts.hosts, opts.subnet);
    // The `postgres` user (embedded Postgres as root) must be able to pass through.
    mkdirSync(homesRoot(prefix), { recursive: true });
    chmodSync(homesRoot(prefix), 0o755);
    net.hosts.forEach((h, i) => {
      const name = `h${i}`;
      const cpu = cpus[i] ?? null;
      createCgroup(prefix, name, cpu);
      const home = join(homesRoot(prefix), name);
      mkdirSync(home, { recursive: true, mode: 0o700 });
      hosts.push({ name, ns: h.ns, ip: h.ip, cpu, home });
    });

    const children = new Set<ChildProcess>();
    let destroyed: Promise<void> | undefined;
    return {
      bridgeIp: net.bridgeIp,
      hosts,
      spawn(host, argv, o = {}) {
        if (destroyed) throw new Error('lab destroyed');
        if (argv.length === 0) throw new Error('spawn: empty argv');
        const [cmd, ...args] = wrapArgv(cgroupDir(prefix, host.name), ipBin(), host.ns, argv) as [string, ...string[]];
        // detached: its own process group, so destroy() can kill the whole tree, and a Ctrl-C
        // in the terminal reaches only the lab, which then tears down in order.
        const child = spawnChild(cmd, args, { env: { ...process.env, ...o.env }, cwd: o.cwd, stdio: 'pipe', detached: true });
        children.add(child);
        child.once('exit', () => children.delete(child));
        return child;
      },
      destroy() {
        destroyed ??= (async () => {
          await stopChildren([...children]);
          await destroyLeftovers(prefix);
        })();
        return destroyed;
      },
    };
  } catch (e) {
    await destroyLeftovers(prefix).catch(() => undefined);
    throw e;
  }
}

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

/** SIGTERM first (a coordinator hands work back and stops Postgres), then SIGKILL the groups. */
async function stopChildren(children: ChildProcess[]): Promise<void> {
  for (const c of children) if (alive(c)) c.kill('SIGTERM');
  const end = Date.now() + GRACE_MS;
  while (children.some(alive) && Date.now() < end) await sleep(50);
  for (const c of children) {
    try {
      if (c.pid) process.kill(-c.pid, 'SIGKILL');
    } catch {
      // group already empty
    }
  }
  // Whatever left its group is still in its cgroup: destroyLeftovers() kills it there.
}

// ---------------------------------------------------------------------------------------------
// CLI

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

async function cliUp(nodes: number, cpu: number | null, prefix: string): Promise<void> {
  const lab = await createLab({ hosts: nodes + 1, cpu, prefix });
  const logDir = `/tmp/${prefix}-logs`;
  mkdirSync(logDir, { recursive: true });
  let stopping = false;
  const joined: ChildProcess[] = [];
  const teardown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('lab: tearing down…\n');
    try {
      // Nodes first, so they hand their work back while the coordinator is still there.
      for (const w of joined) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM');
      for (let i = 0; i < 100 && joined.some((w) => w.exitCode === null && w.signalCode === null); i++) await sleep(50);
      await lab.destroy();
      process.stderr.write('lab: down\n');
    } catch (e) {
      process.stderr.write(`lab: teardown incomplete: ${(e as Error).message}\n  \`npx tsx scripts/lab/lab.ts down\` retries\n`);
      code = 1;
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void teardown(0));
  process.on('SIGTERM', () => void teardown(0));
  process.on('SIGHUP', () => void teardown(0)); // the terminal went away

  /** Starts the CLI in a host; any exit before Ctrl-C is an error that ends the lab. */
  const node = (host: LabHost, args: string[], onStdout?: (line: string) => void) => {
    const child = lab.spawn(host, [process.execPath, 'bin/networknodes.js', ...args], { cwd: ROOT, env: { NN_HOME: host.home } });
    const logFile = join(logDir, `${host.name}.log`);
    const last = watch(child, logFile, onStdout);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      // Let the line readers drain what the child wrote last.
      setTimeout(() => {
        process.stderr.write(`\nlab: ${host.name} (networknodes ${args[0]}) exited early (${signal ?? `code ${code}`}); its last lines:\n`);
        process.stderr.write(last.map((l) => `  ${l}\n`).join('') || '  (no output)\n');
        process.stderr.write(`  full log: ${logFile}\n`);
        void teardown(1);
      }, 100);
    });
    return child;
  };

  const [coord, ...workers] = lab.hosts as [LabHost, ...LabHost[]];
  const port = 8787;
  const url = `http://${coord.ip}:${port}`;
  process.stderr.write(`lab: ${lab.hosts.length} hosts ready; starting the coordinator in ${coord.name} (${coord.ip})…\n`);
  const token = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error('the coordinator printed no token within 180 s')), 180_000);
    node(coord, ['up', '--host', coord.ip, '--port', String(port), '--workers', '1'], (line) => {
      const m = /^\s*token:\s*(\S+)/.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
  }).catch(async (e: Error) => {
    process.stderr.write(`lab: ${e.message} (log: ${join(logDir, `${coord.name}.log`)})\n`);
    await teardown(1);
    throw e;
  });
  // --name: every namespace shares the machine's hostname, which is the default node name.
  for (const w of workers) joined.push(node(w, ['join', url, '--token', token, '--workers', '1', '--name', w.name]));

  const cpuText = cpu === null ? 'unlimited CPU' : `${cpu} CPU each`;
  process.stdout.write(
    `lab up: coordinator + ${nodes} node(s), ${cpuText}, bridge ${lab.bridgeIp}/24\n` +
      `  url:   ${url}\n  token: ${token}\n` +
      lab.hosts.map((h) => `  ${h.name}  ${h.ip}  NN_HOME=${h.home}  log ${join(logDir, `${h.name}.log`)}\n`).join('') +
      `from this shell: NN_URL=${url} NN_TOKEN=${token} networknodes render scene.py\n` +
      `Ctrl-C tears the lab down\n`,
  );
}

async function cli(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { nodes: { type: 'string' }, cpu: { type: 'string' }, prefix: { type: 'string' } },
  });
  const prefix = values.prefix ?? DEFAULT_PREFIX;
  const usage = 'usage: lab.ts up --nodes N [--cpu 0.45] [--prefix nnlab] | lab.ts down [--prefix nnlab]';
  const reason = labUnavailable();
  if (reason) throw new Error(`lab unavailable: ${reason}`);
  if (positionals[0] === 'down') {
    const removed = await destroyLeftovers(prefix);
    process.stdout.write(removed.length ? removed.map((r) => `removed ${r}\n`).join('') : 'nothing to remove\n');
    return;
  }
  if (positionals[0] !== 'up') throw new Error(usage);
  const nodes = Number(values.nodes ?? NaN);
  if (!Number.isInteger(nodes) || nodes < 0) throw new Error(`--nodes N (a whole number) is required\n${usage}`);
  const cpu = values.cpu === undefined ? null : Number(values.cpu);
  if (cpu !== null && !(cpu >= 0.01)) throw new Error('--cpu: cores per host, at least 0.01');
  await cliUp(nodes, cpu, prefix);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  cli(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`lab: ${e.message}\n`);
    process.exit(1);
  });
}
