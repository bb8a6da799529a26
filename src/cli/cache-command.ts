import type { Command } from 'commander';
import { z } from 'zod';
import type { ClusterClient } from './client.ts';

type Conn = { cluster?: string; token?: string; json?: boolean };

const statsSchema = z.object({ plays: z.number(), bytes: z.number(), scenes: z.number(), maxBytes: z.number() });
const mib = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MiB`;

/** `networknodes cache stats|clear`: the farm's play cache (GET and DELETE /cache). */
export function registerCacheCommand(program: Command, clientFor: (o: Conn) => Promise<ClusterClient>): void {
  const cache = program.command('cache').description('the farm’s play cache: unchanged plays are served from it instead of rendering again');
  cache
    .command('stats')
    .description('how many plays the cache holds, of how many scenes, and their size')
    .option('--cluster <url>')
    .option('--token <token>')
    .option('--json')
    .action(async (o: Conn) => {
      const s = await (await clientFor(o)).call('/cache', statsSchema);
      if (o.json) return void process.stdout.write(JSON.stringify(s) + '\n');
      process.stdout.write(`${s.plays} play(s) of ${s.scenes} scene(s), ${mib(s.bytes)} of ${mib(s.maxBytes)}\n`);
    });
  cache
    .command('clear')
    .description('empty the cache: every play renders again')
    .option('--cluster <url>')
    .option('--token <token>')
    .option('--json')
    .action(async (o: Conn) => {
      const r = await (await clientFor(o)).call('/cache', z.object({ deleted: z.number() }), { method: 'DELETE' });
      if (o.json) return void process.stdout.write(JSON.stringify(r) + '\n');
      process.stdout.write(`cleared ${r.deleted} cached play(s)\n`);
    });
}
