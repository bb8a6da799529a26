import { PROJECT_ROOT } from '../../driver/python.ts';
import { VERSION } from '../../model/version.ts';
import type { ClusterClient } from '../client.ts';
import { factsSchema, machineProblems, setupProblems, type Facts } from './preflight.ts';
import { packFiles, trackedFiles } from './ship.ts';
import { keyValues, mustRun, runStep, type SshTarget } from './ssh.ts';
import { drainNodes, nodesNamed, waitForDrained, waitForNode, waitForNodeGone } from './wait-node.ts';

export class DeployError extends Error {
  override name = 'DeployError';
}

export interface RemoteOptions {
  target: SshTarget;
  /** Where on the remote everything goes (absolute, or ~/…). */
  dir: string;
}

export interface DeployOptions extends RemoteOptions {
  /** The cluster the node joins, and the join string that gets it there (it carries the token). */
  client: ClusterClient;
  joinString: string;
  name?: string;
  workers?: number;
  /** NAME=VALUE pairs for the remote set-up (a pip index, a proxy, NN_SETUP_PYTHON). */
  setupEnv: string[];
  timeoutMs: number;
}

const hostOf = (destination: string) => destination.slice(destination.lastIndexOf('@') + 1);
const sayer = (verb: string, destination: string) => (msg: string) => process.stderr.write(`${verb} ${hostOf(destination)}: ${msg}\n`);
/** A line of the remote set-up's output, without its terminal colours (ours are plain lines). */
const remoteLine = (line: string) => {
  const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
  if (plain.trim()) process.stderr.write(`  | ${plain}\n`);
};

/** A node name from the SSH host: `desk.local` stays, an IPv6 address loses its colons. */
export const defaultNodeName = (destination: string) => hostOf(destination).replace(/^\[|\]$/g, '').replace(/[^A-Za-z0-9._-]/g, '-');

async function facts(o: RemoteOptions): Promise<Facts> {
  const parsed = factsSchema.safeParse(keyValues(await mustRun(o.target, 'facts', o.dir)));
  if (!parsed.success) throw new DeployError(`${hostOf(o.target.destination)} answered the pre-flight oddly (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}): is its login shell bash-compatible?`);
  return parsed.data;
}

/** The end of the remote node's log, for a failure message. */
async function logTail(o: RemoteOptions): Promise<string> {
  const r = await runStep(o.target, 'logs', o.dir).catch((err: Error) => ({ stdout: `(could not read the log: ${err.message})` }));
  return r.stdout.trim().split('\n').map((l) => `  | ${l}`).join('\n');
}

/**
 * Installs (or upgrades in place) a render node on a machine over SSH: pre-flight, the project's
 * tracked files, its set-up, a service that joins the cluster, and the node seen online.
 */
export async function deploy(o: DeployOptions): Promise<void> {
  const host = hostOf(o.target.destination);
  const say = sayer('deploy', o.target.destination);
  say('checking the machine over SSH (OS, Node.js, disk)…');
  const f = await facts(o);
  const problems = machineProblems(f, host);
  if (problems.length) throw new DeployError(problems.join('\n'));
  const name = o.name ?? (f.name || defaultNodeName(o.target.destination));

  const { files, revision } = await trackedFiles(PROJECT_ROOT);
  say(`${f.os} ${f.arch}, Node.js ${f.node}, ${(f.free_kb / 1024 ** 2).toFixed(1)} GB free; sending networknodes ${VERSION} (${revision}, ${files.length} files) to ${f.dir}…`);
  await mustRun(o.target, 'receive', o.dir, [], { input: packFiles(PROJECT_ROOT, files) });
  const check = keyValues(await mustRun(o.target, 'check', o.dir, o.setupEnv));
  const missing = (check.missing ?? '').split(' ').filter(Boolean);
  const setupIssues = setupProblems({ missing, python: check.python ?? '' }, f, host);
  if (setupIssues.length) throw new DeployError(setupIssues.join('\n'));

  // Nodes of this name already registered (the version being replaced): the new one is another.
  const before = new Set((await nodesNamed(o.client, name)).map((n) => n.id));
  if (f.deployed) say('upgrading in place: stopping the running node (its segments go back to the queue)…');
  await mustRun(o.target, 'activate', o.dir);
  const packages = missing.length ? `Debian packages (${missing.join(' ')}), ` : '';
  say(f.deployed
    ? `setting up what the new version changes (${packages}the Python environment, the npm packages)…`
    : `setting up ${packages}the Python environment with the pinned Manim and the npm packages; this takes minutes…`);
  await mustRun(o.target, 'setup', o.dir, o.setupEnv, { onLine: remoteLine });

  await mustRun(o.target, 'secret', o.dir, [], { input: `${o.joinString}\n` });
  const started = keyValues(await mustRun(o.target, 'start', o.dir, [name, o.workers ? String(o.workers) : '']));
  if (started.service === 'systemd') {
    say('started the systemd user service networknodes-node (journalctl --user -u networknodes-node)');
    if (started.linger !== 'yes') say(`note: without lingering the service stops when the user logs out; run there: sudo loginctl enable-linger $(whoami)`);
  } else {
    say(`started in the background (no systemd user session there); log ${f.dir}/node.log, pid in ${f.dir}/node.pid; re-run deploy after a reboot`);
  }

  say(`waiting for node "${name}" to come online at ${o.client.base}…`);
  const node = await waitForNode(o.client, name, {
    before,
    timeoutMs: o.timeoutMs,
    running: async () => (await runStep(o.target, 'running', o.dir)).stdout.trim() === 'yes',
    why: async (what) => new DeployError(`${what}; the end of its log:\n${await logTail(o)}`),
  });
  // A node that would draw other pixels is no working deploy, though it runs.
  if (node.reason) throw new DeployError(`node "${name}" joined ${o.client.base} but takes no render work: ${node.reason}`);
  process.stdout.write(`node "${name}" is online on ${o.client.base}: ${node.concurrency} worker(s), ${node.cores} cores, manim ${String(node.versions.manim ?? '?')}\n`);
}

/**
 * Stops and removes what deploy installed on a machine; the node leaves the cluster's registry.
 * `drain`: it finishes its running segments first, instead of handing them back to the queue.
 */
export async function undeploy(o: RemoteOptions & { client?: ClusterClient; drain?: boolean }): Promise<void> {
  const say = sayer('undeploy', o.target.destination);
  const f = await facts(o);
  if (!f.deployed) throw new DeployError(`nothing deployed in ${f.dir} on ${hostOf(o.target.destination)} (another --dir?)`);
  if (o.drain) {
    if (!o.client) throw new DeployError('--drain needs the cluster (its join string, or the coordinator on this machine) to drain the node');
    const ids = await drainNodes(o.client, f.name);
    say(`draining node "${f.name}": it finishes its running segments and takes no more…`);
    await waitForDrained(o.client, f.name, ids);
  }
  say(`stopping node "${f.name}"${o.drain ? '' : ' (its running segments go back to the queue)'} and removing ${f.dir}…`);
  await mustRun(o.target, 'remove', o.dir);
  if (!o.client) {
    process.stdout.write(`removed node "${f.name}" from ${hostOf(o.target.destination)} (no cluster given: its registry was not checked)\n`);
    return;
  }
  // A node stopped cleanly marks itself offline; one that was killed drops out after the heartbeat time-out.
  if (!(await waitForNodeGone(o.client, f.name, 60_000))) throw new DeployError(`node "${f.name}" was removed from the machine but is still listed by ${o.client.base} after 60 s`);
  process.stdout.write(`removed node "${f.name}" from ${hostOf(o.target.destination)}; it is no longer in the cluster's nodes\n`);
}
