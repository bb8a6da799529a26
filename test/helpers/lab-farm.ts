/**
 * A farm in the lab (scripts/lab): a coordinator in h0 and nodes that join it, each a real
 * `networknodes` process in its own network namespace, driven over the pinned HTTPS API.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { fetch as pinnedFetch, type Agent } from 'undici';
import { createLab, type Lab, type LabHost } from '../../scripts/lab/lab.ts';
import { PROJECT_ROOT } from '../../src/driver/python.ts';
import { pinnedAgent } from '../../src/cli/client.ts';
import { parseJoinString } from '../../src/lib/join-string.ts';
import { waitFor } from './node.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'networknodes.js');

export interface NodeView {
  name: string;
  state: string;
  reason: string | null;
  offWork: string | null;
  power: string;
  powerNote: string | null;
  wakeable: boolean;
  mac: string | null;
  broadcast: string | null;
  lastSeen: string;
}

/** Runs `networknodes ARGS` on a lab host with its own NN_HOME, keeping the last 20 000 characters
 *  of its output in `logs` and the process in `procs`, both by host name. */
export function startNetworkNodes(lab: Lab, host: LabHost, args: string[], o: { cwd: string; logs: Map<string, string>; procs: Map<string, ChildProcess>; env?: NodeJS.ProcessEnv }): ChildProcess {
  const child = lab.spawn(host, [process.execPath, BIN, ...args], { env: { NN_HOME: host.home, NN_LOG_LEVEL: 'info', ...o.env }, cwd: o.cwd });
  o.logs.set(host.name, '');
  const keep = (d: Buffer) => o.logs.set(host.name, (o.logs.get(host.name)! + d.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  o.procs.set(host.name, child);
  return child;
}

export interface LabFarm {
  lab: Lab;
  joinString: string;
  /** Each host's output so far (the last 20 000 characters). */
  logs: Map<string, string>;
  procs: Map<string, ChildProcess>;
  call(path: string, init?: RequestInit): Promise<Response>;
  nodes(): Promise<NodeView[]>;
  /** A node joining with this config (written to a file) and extra `join` flags, once the API lists it. */
  join(host: LabHost, config: object, extra?: string[]): Promise<ChildProcess>;
  destroy(): Promise<void>;
}

/** A lab of `hosts` machines with a coordinator (of `coordinatorConfig`) serving HTTPS in h0. */
export async function labFarm(opts: { hosts: number; prefix: string; subnet: string; dir: string; coordinatorConfig: object }): Promise<LabFarm> {
  const lab = await createLab({ hosts: opts.hosts, cpu: null, prefix: opts.prefix, subnet: opts.subnet });
  const logs = new Map<string, string>();
  const procs = new Map<string, ChildProcess>();
  const configFile = (name: string, config: object) => {
    const path = join(opts.dir, `${name}.config.mjs`);
    writeFileSync(path, `export default ${JSON.stringify(config)};\n`);
    return path;
  };
  const start = (host: LabHost, args: string[]) => startNetworkNodes(lab, host, args, { cwd: opts.dir, logs, procs });
  try {
    const h0 = lab.hosts[0]!;
    start(h0, ['-c', configFile('h0', opts.coordinatorConfig), 'up', '--host', h0.ip, '--port', '8787', '--workers', '1']);
    const joinString = (await waitFor(async () => logs.get('h0')!.match(/networknodes join (nn1:\S+)/)?.[1], 120_000, `the coordinator: ${logs.get('h0')}`)) as string;
    const { url, token, fingerprint } = parseJoinString(joinString);
    const dispatcher: Agent = pinnedAgent(fingerprint!, url);
    const call = (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token}`);
      if (typeof init.body === 'string') headers.set('content-type', 'application/json');
      // undici's own fetch takes the Agent that pins the coordinator's self-signed certificate.
      return pinnedFetch(url + path, { ...(init as object), headers: Object.fromEntries(headers), dispatcher }) as unknown as Promise<Response>;
    };
    const nodes = async () => ((await (await call('/nodes')).json()) as { nodes: NodeView[] }).nodes;
    return {
      lab, joinString, logs, procs, call, nodes,
      async join(host, config, extra = []) {
        const child = start(host, ['-c', configFile(host.name, config), 'join', joinString, '--workers', '1', '--name', host.name, ...extra]);
        await waitFor(async () => (await nodes()).some((n) => n.name === host.name), 90_000, `${host.name} to join: ${logs.get(host.name)}`);
        return child;
      },
      destroy: () => lab.destroy(),
    };
  } catch (err) {
    await lab.destroy();
    throw err;
  }
}
