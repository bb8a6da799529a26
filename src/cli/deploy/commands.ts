import { InvalidArgumentError, type Command } from 'commander';
import type { Config } from '../../config/schema.ts';
import { homeDir } from '../../lib/home.ts';
import { isLoopbackHost, reachableUrl } from '../../lib/hosts.ts';
import { formatJoinString, type JoinInfo } from '../../lib/join-string.ts';
import { runningCoordinator } from '../../runtime/announce.ts';
import { ClusterError, openClusterClient, type ClusterClient } from '../client.ts';
import { deploy, undeploy } from './deploy.ts';
import type { SshTarget } from './ssh.ts';

type Conn = { join?: string; cluster?: string; token?: string };
interface Context {
  config: () => Promise<Config>;
  /** The cluster a command names (--join, --cluster/--token, NN_JOIN, NN_URL/NN_TOKEN). */
  targetOf: (o: Conn) => Partial<JoinInfo>;
}
type RemoteFlags = Conn & { dir: string; sshOption: string[] };

const DEFAULT_DIR = '~/.local/share/networknodes';

const collect = (check: (v: string) => string) => (v: string, prev: string[]) => [...prev, check(v)];
const destinationArg = (v: string) => {
  // Never an ssh option in disguise.
  if (!/^([^\s@'"]+@)?[A-Za-z0-9._:[\]-]+$/.test(v) || v.startsWith('-')) throw new InvalidArgumentError('expected user@host or host');
  return v;
};
const dirArg = (v: string) => {
  if (!/^(~|~\/[A-Za-z0-9._/-]*|\/[A-Za-z0-9._/-]+)$/.test(v) || v.split('/').includes('..')) throw new InvalidArgumentError('an absolute path or ~/… of letters, digits and . _ - /');
  return v;
};
const envArg = (v: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=[^\n]*$/.test(v)) throw new InvalidArgumentError(`expected NAME=VALUE, got "${v}"`);
  return v;
};
const sshOptionArg = (v: string) => {
  if (!/^[A-Za-z]+[ =]\S/.test(v)) throw new InvalidArgumentError(`expected an ssh -o option such as Port=2222, got "${v}"`);
  return v;
};
const nameArg = (v: string) => {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(v)) throw new InvalidArgumentError('1-63 letters, digits, . _ -');
  return v;
};
const positiveInt = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a whole number of at least 1`);
  return n;
};

/**
 * The cluster a deployed node joins: the one named, else the coordinator `up` runs on this home.
 * Its URL must be one the remote can reach, so never loopback.
 */
async function clusterToJoin(ctx: Context, o: Conn): Promise<{ client: ClusterClient; joinString: string }> {
  let target = ctx.targetOf(o);
  if (!target.url) {
    const running = await runningCoordinator(homeDir((await ctx.config()).home));
    if (!running) throw new ClusterError('no cluster given and no coordinator runs on this machine: start one with `networknodes up --host 0.0.0.0`, or give its join string (--join or NN_JOIN)');
    target = { url: reachableUrl(running.url), token: running.token, fingerprint: running.fingerprint };
  }
  if (isLoopbackHost(new URL(target.url!).hostname)) throw new ClusterError(`the coordinator serves on ${target.url}, which only this machine can reach: start it with \`networknodes up --host 0.0.0.0\` (or its LAN address) and deploy with the join string it prints`);
  const client = await openClusterClient(target);
  return { client, joinString: formatJoinString({ url: client.base, token: client.token, fingerprint: client.fingerprint }) };
}

const sshTarget = (destination: string, o: RemoteFlags): SshTarget => ({ destination, options: o.sshOption });

/** `deploy` and `undeploy`: a render node installed on, or removed from, a machine over SSH. */
export function registerDeployCommands(program: Command, ctx: Context): void {
  const remote = (cmd: Command) =>
    cmd
      .argument('<destination>', 'user@host (or a Host of ~/.ssh/config), reached with your own ssh and keys', destinationArg)
      .option('--dir <dir>', 'where the remote keeps the node: the project, its environments, NN_HOME, log', dirArg, DEFAULT_DIR)
      .option('-o, --ssh-option <option>', 'an ssh -o option, repeatable (Port=2222, IdentityFile=…, UserKnownHostsFile=…)', collect(sshOptionArg), [])
      .option('--cluster <url>', 'the cluster URL (or NN_URL); none: the coordinator running on this machine')
      .option('--token <token>', 'cluster token (or NN_TOKEN)');

  remote(program.command('deploy').description('install (or upgrade in place) a render node on a machine over SSH, as a service that joins this cluster'))
    .option('--workers <n>', 'segments the machine renders at once (default: its CPU count)', positiveInt('--workers'))
    .option('--name <name>', 'the node’s name (default: the host, or the name of the earlier deploy)', nameArg)
    .option('--setup-env <NAME=VALUE>', 'environment for the remote set-up, repeatable (PIP_INDEX_URL, HTTPS_PROXY, NN_SETUP_PYTHON, …)', collect(envArg), [])
    .option('--timeout <seconds>', 'how long to wait for the node to come online', positiveInt('--timeout'), 180)
    .action(async (destination: string, o: RemoteFlags & { workers?: number; name?: string; setupEnv: string[]; timeout: number }) => {
      const { client, joinString } = await clusterToJoin(ctx, o);
      await deploy({ target: sshTarget(destination, o), dir: o.dir, client, joinString, name: o.name, workers: o.workers, setupEnv: o.setupEnv, timeoutMs: o.timeout * 1000 });
    });

  remote(program.command('undeploy').description('stop and remove a node that deploy installed; it leaves the cluster'))
    .option('--drain', 'let the node finish its running segments first (default: they go back to the queue at once)')
    .action(async (destination: string, o: RemoteFlags & { drain?: boolean }) => {
      // Without a cluster to ask, the machine is still cleaned up.
      const cluster = await clusterToJoin(ctx, o).catch((err: Error) => {
        process.stderr.write(`undeploy: not checking the cluster's registry: ${err.message}\n`);
        return undefined;
      });
      await undeploy({ target: sshTarget(destination, o), dir: o.dir, client: cluster?.client, drain: o.drain });
    });
}
