import { Command, Option, InvalidArgumentError } from 'commander';
import { loadConfig, ConfigError } from '../config/load.ts';
import { startCoordinator } from '../runtime/coordinator.ts';
import { runRender } from './render.ts';
import { runDoctor } from './doctor.ts';
import { joinCluster } from './join.ts';
import { ClusterClient, ClusterError } from './client.ts';
import { jobDetailSchema, nodesSchema } from './job-schemas.ts';
import { clusterToken, homeDir } from '../lib/home.ts';
import { z } from 'zod';
import { log } from '../lib/log.ts';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};

const program = new Command('networknodes')
  .description('Render Manim scenes across the computers you already have')
  .option('-c, --config <file>', 'config file (default: ./wrangler-like.config.ts)')
  .showHelpAfterError();

async function config() {
  return loadConfig(program.opts<{ config?: string }>().config);
}

/** Cluster URL and token for commands that talk to a running cluster. */
async function clusterClient(opts: { cluster?: string; token?: string }): Promise<ClusterClient> {
  const cfg = await config();
  const url = opts.cluster ?? process.env.NN_URL ?? `http://127.0.0.1:${cfg.http.port}`;
  const token = opts.token ?? process.env.NN_TOKEN ?? clusterToken(homeDir(cfg.home), cfg.token);
  return new ClusterClient(url.replace(/\/$/, ''), token);
}

program
  .command('up')
  .description('start a coordinator: database, HTTP runtime and a local worker')
  .option('--host <host>', 'address to serve on')
  .option('--port <port>', 'HTTP port', int('--port'))
  .option('--workers <n>', 'segments this machine renders at once (default: CPU count)', int('--workers'))
  .action(async (o: { host?: string; port?: number; workers?: number }) => {
    const cfg = await config();
    if (o.host) cfg.http.host = o.host;
    if (o.port !== undefined) cfg.http.port = o.port;
    if (o.workers) cfg.concurrency = o.workers;
    const c = await startCoordinator(cfg);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping: handing running work back');
      await c.stop();
      process.exit(0);
    };
    // Before the token is printed: a script that stops the coordinator once it reads the token must
    // find the handlers in place (the default action would kill it with Postgres still running).
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.stdout.write(`NetworkNodes "${cfg.name}" is up\n  url:   ${c.url}\n  token: ${c.token}\n  database: ${c.embedded ? `embedded Postgres on port ${c.embedded.port} (${c.embedded.dataDir})` : 'DATABASE_URL'}\n`);
    process.stdout.write(`render with: NN_URL=${c.url} NN_TOKEN=${c.token} networknodes render scene.py\n`);
  });

program
  .command('render')
  .description('render scenes of FILE on the cluster (or on a local one) and download the videos')
  .argument('<file>', 'Python file with Manim scenes')
  .argument('[scenes...]', 'scene names (default: every scene in the file)')
  .addOption(new Option('-q, --quality <q>', 'l=480p15 m=720p30 h=1080p60 p=1440p60 k=2160p60').choices(['l', 'm', 'h', 'p', 'k']))
  .addOption(new Option('--format <format>', 'output format (png: numbered frames)').choices(['mp4', 'mov', 'webm', 'gif', 'png']))
  .option('-o, --output_file <name>', 'output file name (one scene)')
  .option('-t, --transparent', 'render with an alpha channel (.mov)')
  .option('--fps, --frame_rate <fps>', 'frame rate', Number)
  .option('-r, --resolution <w,h>', 'resolution "W,H"')
  .option('--seed <n>', 'random seed', int('--seed'))
  .option('--save_sections', 'also save one video per section')
  .option('--out-dir <dir>', 'where outputs go', 'renders')
  .option('--cluster <url>', 'cluster URL (or NN_URL); none: a local cluster for this command')
  .option('--token <token>', 'cluster token (or NN_TOKEN)')
  .option('--local <n>', 'workers of the local cluster (default: CPU count)', int('--local'))
  .option('--json', 'print one JSON line with the result')
  .action(async (file: string, scenes: string[], o: Record<string, string | boolean | number | undefined>) => {
    const res = typeof o.resolution === 'string' ? o.resolution.split(/[,x]/).map(Number) : undefined;
    if (res && (res.length !== 2 || res.some((n) => !Number.isInteger(n) || n <= 0))) throw new InvalidArgumentError('--resolution must be "W,H"');
    const code = await runRender({
      file,
      scenes,
      options: {
        quality: o.quality as 'h' | undefined,
        format: o.format as 'mp4' | undefined,
        transparent: o.transparent ? true : undefined,
        fps: o.frame_rate as number | undefined,
        resolution: res as [number, number] | undefined,
        seed: o.seed as number | undefined,
        saveSections: o.save_sections ? true : undefined,
      },
      outDir: o.outDir as string,
      outputFile: o.output_file as string | undefined,
      json: !!o.json,
      cluster: (o.cluster as string | undefined) ?? process.env.NN_URL,
      token: (o.token as string | undefined) ?? process.env.NN_TOKEN,
      local: o.local as number | undefined,
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
      process.stdout.write(`${j.id} ${j.state}${j.wallMs ? ` (${(j.wallMs / 1000).toFixed(1)} s)` : ''}\n`);
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
    const { nodes } = await (await clusterClient(o)).call('/nodes', nodesSchema);
    if (o.json) return void process.stdout.write(JSON.stringify(nodes) + '\n');
    for (const n of nodes) {
      process.stdout.write(`${n.name.padEnd(20)} ${n.state.padEnd(9)} ${String(n.current.length)}/${n.concurrency} busy  ${n.cores} cores${n.coordinator ? '  (coordinator)' : ''}  manim ${String(n.versions.manim ?? '?')}\n`);
      if (n.reason) process.stdout.write(`    takes no render work: ${n.reason}\n`);
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
  .argument('[url]', 'the coordinator URL (default: find it on the LAN over mDNS)')
  .option('--token <token>', 'cluster token (or NN_TOKEN)')
  .option('--workers <n>', 'segments this machine renders at once (default: CPU count)', int('--workers'))
  .option('--name <name>', 'this node’s name (default: hostname)')
  .action(async (url: string | undefined, o: { token?: string; workers?: number; name?: string }) => {
    const cfg = await config();
    if (o.workers) cfg.concurrency = o.workers;
    const node = await joinCluster({ config: cfg, url: url ?? process.env.NN_URL, token: o.token ?? process.env.NN_TOKEN, name: o.name });
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

program
  .command('doctor')
  .description('what this machine has for rendering, and how to fix what is missing')
  .option('--json')
  .action(async (o: { json?: boolean }) => process.exit(await runDoctor(!!o.json)));

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof ConfigError || err instanceof ClusterError) {
    process.stderr.write(`networknodes: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
