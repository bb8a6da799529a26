import { Command, Option, InvalidArgumentError } from 'commander';
import { loadConfig, ConfigError } from '../config/load.ts';
import { ClusterClient, ClusterError, clusterTarget, openClusterClient } from './client.ts';
import { isJoinString } from '../lib/join-string.ts';
import { jobDetailSchema, nodesSchema } from './job-schemas.ts';
import { clusterToken, homeDir } from '../lib/home.ts';
import { z } from 'zod';
import { log, LOG_FORMATS, setLogFormat } from '../lib/log.ts';
import { chooseLogFormat } from './log-format.ts';
import { addManimRenderOptions, flagNotes, renderOptionsFromFlags, scenesFromFlags, type ManimFlags } from './manim-flags.ts';
import { registerJobCommands } from './job-commands.ts';
import { registerCacheCommand } from './cache-command.ts';
import { registerDeployCommands } from './deploy/commands.ts';
import { DeployError } from './deploy/deploy.ts';
import { SshError } from './deploy/ssh.ts';
import { MAX_PRIORITY, MIN_PRIORITY, prioritySchema } from '../model/priority.ts';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};

const minutesArg = (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('minutes must be a number above 0');
  return n;
};

const priorityArg = (v: string) => {
  const parsed = prioritySchema.safeParse(Number(v));
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]!.message);
  return parsed.data;
};

// A command imports what it runs when it runs: a render against a running coordinator loads no
// database, queue or node code (they cost it a good part of a second).
const program = new Command('networknodes')
  .description('Render Manim scenes across the computers you already have')
  .option('-c, --config <file>', 'config file (default: ./wrangler-like.config.ts)')
  .addOption(new Option('--log-format <format>', 'log records as human lines or JSON (or NN_LOG_FORMAT; default: human, json for up/join off a terminal)').choices(LOG_FORMATS))
  .showHelpAfterError()
  .hook('preAction', (_program, action) => setLogFormat(chooseLogFormat(program.opts<{ logFormat?: string }>().logFormat, action.name())));

async function config() {
  return loadConfig(program.opts<{ config?: string }>().config);
}

/**
 * The cluster a command names: a join string given (--join, else NN_JOIN unless --cluster is given)
 * with any --cluster/--token beside it; else --cluster/NN_URL and --token/NN_TOKEN.
 */
function targetOf(o: { join?: string; cluster?: string; token?: string }) {
  const join = o.join ?? (o.cluster ? undefined : process.env.NN_JOIN);
  if (join) return clusterTarget({ join, cluster: o.cluster, token: o.token });
  return clusterTarget({ cluster: o.cluster ?? process.env.NN_URL, token: o.token ?? process.env.NN_TOKEN });
}

/** A client of the cluster a command names; none named: this machine's coordinator, with its home's token. */
async function clusterClient(opts: { join?: string; cluster?: string; token?: string }): Promise<ClusterClient> {
  const cfg = await config();
  const target = targetOf(opts);
  // `up` and the local cluster a render keeps say where they serve (the latter on any free port).
  const running = target.url ? undefined : await (await import('../runtime/announce.ts')).runningCoordinator(homeDir(cfg.home));
  if (running) return openClusterClient({ ...running, token: target.token ?? running.token });
  return openClusterClient({
    url: target.url ?? `http://127.0.0.1:${cfg.http.port}`,
    token: target.token ?? clusterToken(homeDir(cfg.home), cfg.token),
    fingerprint: target.fingerprint,
  });
}

program
  .command('up')
  .description('start a coordinator: database, HTTP runtime and a local worker')
  .option('--host <host>', 'address to serve on')
  .option('--port <port>', 'HTTP port', int('--port'))
  .option('--workers <n>', 'segments this machine renders at once (default: CPU count)', int('--workers'))
  .option('--idle-stop <minutes>', 'stop once no job has run for this long (how `render` keeps a local cluster)', minutesArg)
  .action(async (o: { host?: string; port?: number; workers?: number; idleStop?: number }) => {
    const cfg = await config();
    if (o.host) cfg.http.host = o.host;
    if (o.port !== undefined) cfg.http.port = o.port;
    if (o.workers) cfg.concurrency = o.workers;
    // One coordinator per home: they would share its embedded Postgres. A kept local cluster makes way.
    const { runningCoordinator } = await import('../runtime/announce.ts');
    const running = cfg.database.url ? undefined : await runningCoordinator(homeDir(cfg.home));
    if (running && (o.idleStop || !running.idleStopMinutes)) {
      throw new ClusterError(`a coordinator already runs on this machine at ${running.url} (pid ${running.pid}); \`networknodes down\` stops it`);
    }
    if (running) {
      process.stderr.write(`stopping the local cluster kept from an earlier render (pid ${running.pid})\n`);
      await (await import('./kept-cluster.ts')).stopAnnounced(running);
    }
    const { startCoordinator } = await import('../runtime/coordinator.ts');
    const c = await startCoordinator(cfg, { announce: true, idleStopMinutes: o.idleStop });
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping: handing running work back');
      await idle?.stop();
      await c.stop();
      process.exit(0);
    };
    const idle = o.idleStop ? (await import('../runtime/idle-stop.ts')).stopWhenIdle(c.databaseUrl, o.idleStop, () => void stop('idle')) : undefined;
    // Before the token is printed: a script that stops the coordinator once it reads the token must
    // find the handlers in place (the default action would kill it with Postgres still running).
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.stdout.write(`NetworkNodes "${cfg.name}" is up\n  url:   ${c.url}\n  token: ${c.token}\n${c.fingerprint ? `  certificate: ${c.fingerprint}\n` : ''}  database: ${c.embedded ? `embedded Postgres on port ${c.embedded.port} (${c.embedded.dataDir})` : 'DATABASE_URL'}\n`);
    // The join string is as secret as the token it carries.
    process.stdout.write(`join a machine with: networknodes join ${c.joinString}\nrender from another machine with: NN_JOIN=${c.joinString} networknodes render scene.py\n`);
  });

program
  .command('down')
  .description('stop the coordinator of this machine: an `up`, or the local cluster `render` keeps')
  .action(async () => {
    const { runningCoordinator } = await import('../runtime/announce.ts');
    const running = await runningCoordinator(homeDir((await config()).home));
    if (!running) return void process.stdout.write('no coordinator runs on this machine\n');
    await (await import('./kept-cluster.ts')).stopAnnounced(running);
    process.stdout.write(`stopped the coordinator at ${running.url} (pid ${running.pid})\n`);
  });

addManimRenderOptions(
  program
    .command('render')
    .description('render scenes of FILE on the cluster (or on a local one) and download the videos')
    .argument('<file>', 'Python file with Manim scenes')
    .argument('[scenes...]', 'scene names (default: every scene in the file)'),
)
  .addOption(new Option('--cluster <url>', 'cluster URL (or NN_URL); none: this machine’s coordinator, else a local cluster kept for later renders (--keep)').helpGroup('Farm options:'))
  .addOption(new Option('--token <token>', 'cluster token (or NN_TOKEN)').helpGroup('Farm options:'))
  .addOption(new Option('--local <n>', 'workers of the local cluster (default: CPU count)').argParser(int('--local')).helpGroup('Farm options:'))
  .addOption(new Option('--keep <minutes>', 'keep the local cluster for later renders until it has been idle this long; 0: stop it with this render (default: local.keepMinutes, 10)').argParser((v) => (v === '0' ? 0 : minutesArg(v))).helpGroup('Farm options:'))
  .addOption(new Option('--priority <n>', `queue order against other jobs, lowest first (${MIN_PRIORITY}..${MAX_PRIORITY}, default 0)`).argParser(priorityArg).helpGroup('Farm options:'))
  .addOption(new Option('--json', 'print one JSON line with the result').helpGroup('Farm options:'))
  .addOption(new Option('-w, --watch', 'render again on every save of FILE or of a module it imports (an edit mid-render restarts it)').helpGroup('Farm options:'))
  .action(async (file: string, scenes: string[], o: ManimFlags & { join?: string; cluster?: string; token?: string; local?: number; keep?: number; priority?: number; json?: boolean; watch?: boolean }) => {
    for (const note of flagNotes(o)) process.stderr.write(`${note}\n`);
    const target = targetOf(o);
    const run = o.watch ? (await import('./watch.ts')).runWatch : (await import('./render.ts')).runRender;
    const code = await run({
      file,
      scenes: scenesFromFlags(scenes, o),
      options: renderOptionsFromFlags(o),
      priority: o.priority,
      outDir: o.outDir,
      outputFile: o.output_file,
      preview: o.preview ? { command: o.preview_command } : undefined,
      json: !!o.json,
      cluster: target.url,
      token: target.token,
      fingerprint: target.fingerprint,
      local: o.local,
      keepMinutes: o.keep,
      configFile: program.opts<{ config?: string }>().config,
      config: await config(),
    });
    process.exit(code);
  });

program
  .command('status')
  .description('a job’s state, or the recent jobs')
  .argument('[job]', 'job id')
  .option('--cluster <url>')
  .option('--token <token>')
  .option('--json')
  .action(async (job: string | undefined, o: { cluster?: string; token?: string; json?: boolean }) => {
    const client = await clusterClient(o);
    if (job) {
      const j = await client.call(`/jobs/${job}`, jobDetailSchema);
      if (o.json) return void process.stdout.write(JSON.stringify(j) + '\n');
      process.stdout.write(`${j.id} ${j.state}${j.wallMs ? ` (${(j.wallMs / 1000).toFixed(1)} s)` : ''}${j.priority ? `  priority ${j.priority}` : ''}${j.retryOf ? `  retries ${j.retryOf}` : ''}\n`);
      for (const s of j.scenes) {
        process.stdout.write(`  ${s.name.padEnd(24)} ${s.state.padEnd(10)} ${s.framesDone}/${s.totalFrames ?? '?'} frames\n`);
        for (const g of s.segments) process.stdout.write(`    plays ${g.plays[0]}-${g.plays[1]}  ${g.state.padEnd(9)} ${g.node ?? ''} ${g.renderMs ? (g.renderMs / 1000).toFixed(1) + ' s' : ''}\n`);
        if (s.error) process.stdout.write(`    ${s.error.message}\n`);
      }
      return;
    }
    const { jobs } = await client.call('/jobs', z.object({ jobs: z.array(z.object({ id: z.string(), state: z.string(), entry: z.string().nullable(), function: z.string().nullable(), createdAt: z.string() })) }));
    if (o.json) return void process.stdout.write(JSON.stringify(jobs) + '\n');
    for (const j of jobs) process.stdout.write(`${j.id}  ${j.state.padEnd(10)} ${j.createdAt}  ${j.entry ?? j.function ?? ''}\n`);
  });

program
  .command('nodes')
  .description('the live nodes and what each is doing')
  .option('--cluster <url>')
  .option('--token <token>')
  .option('--json')
  .action(async (o: { cluster?: string; token?: string; json?: boolean }) => {
    const { nodes, database } = await (await clusterClient(o)).call('/nodes', nodesSchema);
    if (o.json) return void process.stdout.write(JSON.stringify(nodes) + '\n');
    if (database?.problem) process.stdout.write(`database: ${database.problem}\n`);
    for (const n of nodes) {
      // A sleeping or waking machine's state is its power; an awake one's, what it was told (online, paused…).
      const state = n.power === 'awake' ? n.state : n.power;
      process.stdout.write(`${n.name.padEnd(20)} ${state.padEnd(9)} ${String(n.current.length)}/${n.concurrency} busy  ${n.cores} cores${n.coordinator ? '  (coordinator)' : ''}${n.wakeable ? '  (wakeable)' : ''}  manim ${String(n.versions.manim ?? '?')}\n`);
      if (n.powerNote && n.power !== 'awake') process.stdout.write(`    ${n.power} since ${new Date(n.powerSince).toLocaleTimeString()}: ${n.powerNote}\n`);
      if (n.reason) process.stdout.write(`    takes no render work: ${n.reason}\n`);
      if (n.offWork && n.power === 'awake') process.stdout.write(`    takes no work now: ${n.offWork}\n`);
    }
  });

for (const [action, what] of [['drain', 'finish current work, then take no more'], ['pause', 'take no new work until resumed'], ['resume', 'take work again']] as const) {
  program
    .command(action)
    .description(`${what} (a node's name or id)`)
    .argument('<node>')
    .option('--cluster <url>')
    .option('--token <token>')
    .action(async (ref: string, o: { cluster?: string; token?: string }) => {
      const r = await (await clusterClient(o)).call(`/nodes/${encodeURIComponent(ref)}/${action}`, z.object({ name: z.string(), state: z.string() }), { method: 'POST' });
      process.stdout.write(`${r.name}: ${r.state}\n`);
    });
}

program
  .command('join')
  .description('join this machine to a cluster as a render node')
  .argument('[target]', 'the join string `networknodes up` printed, or the coordinator URL (default: NN_JOIN, else find it on the LAN over mDNS)')
  .option('--token <token>', 'cluster token (or NN_TOKEN)')
  .option('--join <joinstring>', 'the join string (or NN_JOIN)')
  .option('--workers <n>', 'segments this machine renders at once (default: CPU count)', int('--workers'))
  .option('--name <name>', 'this node’s name (default: hostname)')
  .option('--wakeable', 'the coordinator may wake this machine with Wake-on-LAN when work waits (config wake.enabled)')
  .action(async (target: string | undefined, o: { token?: string; join?: string; workers?: number; name?: string; wakeable?: boolean }) => {
    const cfg = await config();
    if (o.workers) cfg.concurrency = o.workers;
    if (o.wakeable) cfg.wake.enabled = true;
    const given = target && isJoinString(target) ? { join: target } : { cluster: target, join: o.join };
    const { joinCluster } = await import('./join.ts');
    const node = await joinCluster({ config: cfg, target: targetOf({ ...given, token: o.token }), name: o.name });
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await node.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
  });

registerJobCommands(program, clusterClient, priorityArg);
registerCacheCommand(program, clusterClient);
registerDeployCommands(program, { config, targetOf });

// Every command that talks to a cluster takes its join string too.
for (const cmd of program.commands) {
  if (cmd.options.some((opt) => opt.long === '--cluster')) cmd.option('--join <joinstring>', 'the join string `networknodes up` printed (or NN_JOIN)');
}

program
  .command('doctor')
  .description('what this machine has for rendering, and how to fix what is missing')
  .option('--json')
  .action(async (o: { json?: boolean }) => process.exit(await (await import('./doctor.ts')).runDoctor(!!o.json, homeDir((await config()).home))));

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof ConfigError || err instanceof ClusterError) {
    process.stderr.write(`networknodes: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof DeployError || err instanceof SshError) {
    process.stderr.write(`networknodes: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
