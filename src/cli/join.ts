import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { ClusterClient, ClusterError } from './client.ts';
import { discover } from '../runtime/discovery.ts';
import { startNode, type NodeHandle } from '../runtime/node.ts';
import { startDrivers } from '../driver/info.ts';

const clusterSchema = z.object({ name: z.string(), version: z.string(), stack: z.string().nullable(), databaseUrl: z.string() });

/**
 * Joins a cluster with nothing but its token: the coordinator is found over mDNS (or given), and
 * it hands the database credentials to a caller that proves it has the token.
 */
export async function joinCluster(opts: { config: Config; url?: string; token?: string; name?: string }): Promise<NodeHandle> {
  if (!opts.token) throw new ClusterError('a cluster token is needed: --token or NN_TOKEN (networknodes up prints it)');
  let url = opts.url;
  if (!url) {
    process.stderr.write('looking for a coordinator on the LAN (mDNS _networknodes._tcp)…\n');
    const found = await discover();
    if (!found.length) throw new ClusterError('no coordinator answered on the LAN over mDNS; give its URL: networknodes join http://HOST:PORT');
    if (found.length > 1) process.stderr.write(`found ${found.length} coordinators; joining ${found[0]!.name} at ${found[0]!.url}\n`);
    url = found[0]!.url;
  }
  const client = new ClusterClient(url.replace(/\/$/, ''), opts.token);
  const cluster = await client.call('/cluster', clusterSchema);
  const { driver, versions: versionsReady } = startDrivers(opts.config);
  const versions = await versionsReady;
  // A render node's own runtime takes any free port unless one is asked for: the coordinator may
  // run on this machine too.
  const config = { ...opts.config, http: { ...opts.config.http, port: process.env.PORT ? opts.config.http.port : 0 } };
  const node = await startNode({
    config, databaseUrl: cluster.databaseUrl, token: opts.token, listen: true, name: opts.name, versions,
    clusterStack: cluster.stack ?? undefined, nice: opts.config.nice, driver,
  });
  process.stdout.write(`joined "${cluster.name}" at ${client.base} as ${node.name} (${node.services.functions.size} functions)\n`);
  return node;
}
