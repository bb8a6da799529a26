// Network plumbing of the lab: one bridge in the root namespace and, per emulated host, a
// network namespace joined to it by a veth pair. Only `ip` (iproute2) is used, and nothing here
// touches the machine's real interfaces or routes: hosts get a connected /24 and a multicast
// route, no default route, so their traffic cannot leave the bridge.
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** First three octets of the lab's /24 (unless a lab asks for another): bridge .1, host i at .(10+i). */
export const LAB_NET = '10.77.0';

/** Absolute path of `ip`: root's PATH may lack /sbin (sudo, cron), so look there too. */
export function findIp(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = join(dir, 'ip');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

let ipPath: string | undefined;
export function ipBin(): string {
  ipPath ??= findIp();
  if (!ipPath) throw new Error('ip (iproute2) not found');
  return ipPath;
}

/** Runs a command; failures carry its stderr, which is what explains them. */
export function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

export const ip = (...args: string[]) => run(ipBin(), args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Synchronous `ip netns list` probe, for labUnavailable(). */
export function netnsProbe(): string | undefined {
  try {
    execFileSync(ipBin(), ['netns', 'list'], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `ip netns does not work here: ${(e as Error).message}`;
  }
}

// Interface names are limited to 15 characters, hence the short prefix (checked in lab.ts).
export const bridgeName = (prefix: string) => `${prefix}0`;
export const nsName = (prefix: string, i: number) => `${prefix}-h${i}`;
/** The root-namespace end of host i's veth pair; the other end is `eth0` inside the namespace. */
export const vethName = (prefix: string, i: number) => `${prefix}-h${i}-br`;
export const INNER_VETH = 'eth0';
export const hostIp = (i: number, net = LAB_NET) => `${net}.${10 + i}`;
export const bridgeIp = (net = LAB_NET) => `${net}.1`;

export async function listNamespaces(): Promise<string[]> {
  const out = await ip('netns', 'list');
  return out.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

export async function listLinks(): Promise<string[]> {
  const out = await ip('-o', 'link', 'show');
  // "7: nnlab-h0-br@if2: <...>" -> "nnlab-h0-br"
  return out.split('\n').map((l) => l.split(': ')[1]?.split('@')[0] ?? '').filter(Boolean);
}

/** What an earlier run with this prefix left behind (namespaces, veths, bridge). */
export async function leftovers(prefix: string): Promise<{ namespaces: string[]; links: string[] }> {
  const ns = new RegExp(`^${prefix}-h\\d+$`);
  const link = new RegExp(`^(${prefix}-h\\d+-br|${prefix}0)$`);
  return {
    namespaces: (await listNamespaces()).filter((n) => ns.test(n)),
    links: (await listLinks()).filter((l) => link.test(l)),
  };
}

/** Pids of processes living in a namespace (a namespace outlives `ip netns del` while they do). */
export async function namespacePids(ns: string): Promise<number[]> {
  try {
    return (await ip('netns', 'pids', ns)).split('\n').map(Number).filter((n) => n > 0);
  } catch {
    return [];
  }
}

/**
 * Removes namespaces and links of this prefix. Processes must already be gone (lab.ts kills
 * them first); deleting a namespace deletes its veth end and with it the peer on the bridge.
 */
export async function destroyNetwork(prefix: string): Promise<string[]> {
  const removed: string[] = [];
  const { namespaces, links } = await leftovers(prefix);
  for (const ns of namespaces) {
    await ip('netns', 'del', ns);
    removed.push(`netns ${ns}`);
  }
  // The kernel dismantles a deleted namespace, and the veths in it, asynchronously: give the
  // veths a moment to vanish on their own, then delete what is left (the bridge, stray veths).
  const veth = new RegExp(`^${prefix}-h\\d+-br$`);
  for (let i = 0; i < 60 && (await listLinks()).some((l) => veth.test(l)); i++) await sleep(50);
  const still = new Set(await listLinks());
  for (const l of links) {
    if (!still.has(l)) continue;
    try {
      await ip('link', 'del', l);
    } catch (e) {
      if (!/Cannot find device/.test((e as Error).message)) throw e;
    }
    removed.push(`link ${l}`);
  }
  return removed;
}

/** Refuses to shadow a subnet some other interface of this machine already uses. */
async function assertSubnetFree(prefix: string, net: string): Promise<void> {
  const out = await ip('-o', '-4', 'addr', 'show');
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+)\.\d+\//.exec(line);
    if (m && m[2] === net && m[1] !== bridgeName(prefix)) {
      throw new Error(`${net}.0/24 is already used by ${m[1]} (another lab up? \`npx tsx scripts/lab/lab.ts down\` removes the default one)`);
    }
  }
}

export interface HostNet {
  ns: string;
  ip: string;
}

/** Creates the bridge and `hosts` namespaces. Call destroyNetwork(prefix) first for leftovers. */
export async function createNetwork(prefix: string, hosts: number, net = LAB_NET): Promise<{ bridge: string; bridgeIp: string; hosts: HostNet[] }> {
  await assertSubnetFree(prefix, net);
  const br = bridgeName(prefix);
  // No STP (ports forward at once) and no IGMP snooping: a dumb home switch that floods
  // multicast to every port, so mDNS needs no querier.
  await ip('link', 'add', br, 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0');
  await ip('addr', 'add', `${bridgeIp(net)}/24`, 'dev', br);
  await ip('link', 'set', br, 'multicast', 'on', 'up');
  const out: HostNet[] = [];
  for (let i = 0; i < hosts; i++) {
    const ns = nsName(prefix, i);
    const outer = vethName(prefix, i);
    const addr = hostIp(i, net);
    await ip('netns', 'add', ns);
    // The peer is created directly inside the namespace, so its name (eth0) never meets the
    // root namespace's own eth0.
    await ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', INNER_VETH, 'netns', ns);
    await ip('link', 'set', outer, 'master', br, 'multicast', 'on', 'up');
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    await ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', INNER_VETH);
    await ip('-n', ns, 'link', 'set', INNER_VETH, 'multicast', 'on', 'up');
    // Without a default route, multicast (mDNS) needs its own route to pick an interface.
    await ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', INNER_VETH);
    out.push({ ns, ip: addr });
  }
  return { bridge: br, bridgeIp: bridgeIp(net), hosts: out };
}
