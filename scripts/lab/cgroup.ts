// CPU quotas of the lab: one cgroup v1 `cpu` group per emulated host under
// /sys/fs/cgroup/cpu/<prefix>/<host>. Every process of a host lives in its group, which both caps
// its CPU and lets teardown find every process, even ones that left their process group.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CPU_ROOT = '/sys/fs/cgroup/cpu';
const PERIOD_US = 100_000;

export function cgroupUnavailable(): string | undefined {
  // v1 has cpu.cfs_quota_us; a v2-only machine has cpu.max instead.
  if (!existsSync(join(CPU_ROOT, 'cpu.cfs_quota_us')) || !existsSync(join(CPU_ROOT, 'cgroup.procs'))) {
    return `cgroup v1 cpu controller not mounted at ${CPU_ROOT}`;
  }
  return undefined;
}

export const cgroupDir = (prefix: string, host: string) => join(CPU_ROOT, prefix, host);

/**
 * Writes a cgroup control file. fs.writeFileSync with a trailing newline works on these
 * machines; some writers get EINVAL, so fall back to `echo` via sh, then read back to be sure.
 */
function writeControl(file: string, value: string): void {
  try {
    writeFileSync(file, value + '\n');
  } catch {
    execFileSync('/bin/sh', ['-c', 'echo "$1" > "$2"', 'sh', value, file], { stdio: 'pipe' });
  }
  const got = readFileSync(file, 'utf8').trim();
  if (got !== value) throw new Error(`${file}: wrote ${value}, reads ${got}`);
}

/** Creates (or resets) a host's group: quota = cpu cores (null: unlimited). */
export function createCgroup(prefix: string, host: string, cpu: number | null): string {
  const dir = cgroupDir(prefix, host);
  mkdirSync(dir, { recursive: true });
  writeControl(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
  // The kernel refuses quotas under 1 ms (EINVAL), hence cpu >= 0.01.
  const quota = cpu === null ? -1 : Math.round(cpu * PERIOD_US);
  writeControl(join(dir, 'cpu.cfs_quota_us'), String(quota));
  return dir;
}

export function cgroupPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').map(Number).filter((n) => n > 0);
  } catch {
    return [];
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGKILLs everything in the group until it is empty, then removes it (rmdir needs it empty). */
export async function removeCgroup(dir: string, timeoutMs = 5000): Promise<void> {
  if (!existsSync(dir)) return;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pids = cgroupPids(dir);
    if (pids.length === 0) break;
    if (Date.now() > end) throw new Error(`${dir}: processes ${pids.join(' ')} do not die`);
    for (const pid of pids) kill(pid, 'SIGKILL');
    await sleep(50);
  }
  // A process that just exited may keep the group busy for a moment (EBUSY).
  for (;;) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      if (Date.now() > end) throw e;
      await sleep(50);
    }
  }
}

/** Removes every host group under /sys/fs/cgroup/cpu/<prefix>, then the prefix group itself. */
export async function destroyCgroups(prefix: string): Promise<string[]> {
  const top = join(CPU_ROOT, prefix);
  if (!existsSync(top)) return [];
  const removed: string[] = [];
  for (const e of readdirSync(top, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    await removeCgroup(join(top, e.name));
    removed.push(`cgroup ${join(top, e.name)}`);
  }
  await removeCgroup(top);
  removed.push(`cgroup ${top}`);
  return removed;
}

/**
 * argv that runs `argv` inside the group and the namespace. The shell joins the group *before*
 * `ip netns exec`, which remounts /sys so the cgroup tree is not visible inside; both then exec,
 * so the final program keeps the pid the caller spawned.
 */
export function wrapArgv(dir: string, ipBin: string, ns: string, argv: string[]): string[] {
  const script = 'echo $$ > "$1" || exit 125; ip=$2; ns=$3; shift 3; exec "$ip" netns exec "$ns" "$@"';
  return ['/bin/sh', '-c', script, 'sh', join(dir, 'cgroup.procs'), ipBin, ns, ...argv];
}
