import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { ClusterClient, ClusterError, openClusterClient } from './client.ts';
import { discover } from '../runtime/discovery.ts';
import { startNode, type NodeHandle } from '../runtime/node.ts';
import { startDriver } from '../driver/info.ts';
import { homeDir } from '../lib/home.ts';
import { certFingerprint, normalFingerprint } from '../lib/cert.ts';
import type { JoinInfo } from '../lib/join-string.ts';
import { pinnedDatabaseUrl } from '../db/tls.ts';

const clusterSchema = z.object({
  name: z.string(), version: z.string(), stack: z.string().nullable(), databaseUrl: z.string(), databaseCertificate: z.string().nullable().default(null),
});

/** The first coordinator on the LAN that proves it holds the token (an mDNS answer alone proves nothing). */
async function findOnLan(token: string): Promise<ClusterClient> {
  process.stderr.write('looking for a coordinator on the LAN (mDNS _networknodes._tcp)…\n');
  const found = await discover();
  if (!found.length) throw new ClusterError('no coordinator answered on the LAN over mDNS; give the join string `networknodes up` printed: networknodes join nn1:…');
  const refusals: string[] = [];
  for (const f of found) {
    try {
      return await openClusterClient({ url: f.url, token });
    } catch (err) {
      refusals.push(`${f.name} at ${f.url}: ${(err as Error).message}`);
    }
  }
  throw new ClusterError(`no coordinator on the LAN proved it holds this token:\n  ${refusals.join('\n  ')}`);
}

/**
 * The database URL a node uses: the coordinator's embedded Postgres serves SSL with the certificate
 * it sent over the pinned connection; the node keeps it in its home and accepts no other.
 */
function databaseUrlOf(config: Config, cluster: z.infer<typeof clusterSchema>): string {
  if (!cluster.databaseCertificate) return cluster.databaseUrl;
  const fingerprint = certFingerprint(cluster.databaseCertificate);
  const file = join(homeDir(config.home), `cluster-${normalFingerprint(fingerprint).slice(0, 16)}.crt`);
  writeFileSync(file, cluster.databaseCertificate, { mode: 0o600 });
  return pinnedDatabaseUrl(cluster.databaseUrl, file);
}

/**
 * Joins a cluster: with its join string (URL, token and the certificate to pin), a URL and the
 * token, or the token alone (the coordinator is found over mDNS and must prove it holds the token).
 * The coordinator hands the database credentials to a caller that sent the token.
 */
export async function joinCluster(opts: { config: Config; target: Partial<JoinInfo>; name?: string }): Promise<NodeHandle> {
  const { token } = opts.target;
  if (!token) throw new ClusterError('a cluster token is needed: the join string `networknodes up` printed, or --token or NN_TOKEN');
  const client = opts.target.url ? await openClusterClient(opts.target) : await findOnLan(token);
  const cluster = await client.call('/cluster', clusterSchema);
  const { driver, versions: versionsReady } = startDriver(opts.config);
  const versions = await versionsReady;
  // A render node's own runtime takes any free port unless one is asked for: the coordinator may
  // run on this machine too.
  const config = { ...opts.config, http: { ...opts.config.http, port: process.env.PORT ? opts.config.http.port : 0 } };
  const node = await startNode({
    config, databaseUrl: databaseUrlOf(config, cluster), token, listen: true, name: opts.name, versions,
    clusterStack: cluster.stack ?? undefined, nice: opts.config.nice, driver, peerHost: new URL(client.base).hostname,
  });
  process.stdout.write(`joined "${cluster.name}" at ${client.base} as ${node.name} (${node.services.functions.size} functions)\n`);
  return node;
}
