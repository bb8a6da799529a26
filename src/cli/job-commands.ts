import type { Command } from 'commander';
import { z } from 'zod';
import type { ClusterClient } from './client.ts';
import { openWith } from './opener.ts';

type ClientFor = (o: { cluster?: string; token?: string }) => Promise<ClusterClient>;
type Conn = { cluster?: string; token?: string };

/** `open`, `retry`, `priority` and `gc`: the commands that act on the farm's page and its jobs. */
export function registerJobCommands(program: Command, clientFor: ClientFor, priorityArg: (v: string) => number): void {
  program
    .command('open')
    .description('open the farm’s web page, logged in with the token (prints the URL where nothing can open it)')
    .option('--cluster <url>')
    .option('--token <token>')
    .action(async (o: Conn) => {
      const client = await clientFor(o);
      const url = `${client.base}/#token=${encodeURIComponent(client.token)}`;
      if (openWith(url)) process.stdout.write(`opened ${client.base}\n`);
      else process.stdout.write(`no xdg-open or open on this machine; open this in a browser:\n${url}\n`);
    });

  program
    .command('retry')
    .description('render a failed or cancelled job again as a new job (its bundle, options and seed)')
    .argument('<job>', 'job id')
    .option('--failed-only', 'only the scenes that did not succeed (default: every scene of the job)')
    .option('--cluster <url>')
    .option('--token <token>')
    .option('--json')
    .action(async (job: string, o: Conn & { failedOnly?: boolean; json?: boolean }) => {
      const r = await (await clientFor(o)).call(
        `/jobs/${encodeURIComponent(job)}/retry`,
        z.object({ id: z.string(), scenes: z.array(z.string()) }),
        { method: 'POST', body: JSON.stringify({ scenes: o.failedOnly ? 'failed' : 'all' }), headers: { 'content-type': 'application/json', 'x-nn-source': 'cli' } },
      );
      if (o.json) return void process.stdout.write(JSON.stringify(r) + '\n');
      process.stdout.write(`job ${r.id} retries ${job}: ${r.scenes.length ? r.scenes.join(', ') : 'every scene'}\nfollow it with: networknodes status ${r.id}\n`);
    });

  program
    .command('priority')
    .description('change a queued or running job’s priority (lowest first): its queued work moves in the queue')
    .argument('<job>', 'job id')
    .argument('<priority>', 'the new priority', priorityArg)
    .option('--cluster <url>')
    .option('--token <token>')
    .action(async (job: string, priority: number, o: Conn) => {
      const r = await (await clientFor(o)).call(`/jobs/${encodeURIComponent(job)}/priority`, z.object({ priority: z.number(), was: z.number() }), {
        method: 'POST', body: JSON.stringify({ priority }), headers: { 'content-type': 'application/json' },
      });
      process.stdout.write(`${job}: priority ${r.was} -> ${r.priority}\n`);
    });

  program
    .command('gc')
    .description('delete now the finished jobs the retention rule no longer keeps (config `retention`), with their files and events')
    .option('--cluster <url>')
    .option('--token <token>')
    .option('--json')
    .action(async (o: Conn & { json?: boolean }) => {
      const freed = await (await clientFor(o)).call('/functions/gc', z.object({ jobs: z.number(), bundles: z.number(), bytes: z.number() }), {
        method: 'POST', body: '{}', headers: { 'content-type': 'application/json' },
      });
      if (o.json) return void process.stdout.write(JSON.stringify(freed) + '\n');
      process.stdout.write(`deleted ${freed.jobs} finished job(s) and ${freed.bundles} unused upload(s): ${(freed.bytes / 2 ** 20).toFixed(1)} MiB freed\n`);
    });
}
