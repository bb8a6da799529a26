import type { Config } from '../config/schema.ts';
import { connect } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../db/embedded.ts';
import { startNode, type NodeHandle } from './node.ts';
import { advertise, type Advertised } from './discovery.ts';
import { VERSION } from '../model/version.ts';
import { clusterToken, homeDir } from '../lib/home.ts';
import { startDrivers } from '../driver/info.ts';
import { announceCoordinator } from './announce.ts';

export interface Coordinator {
  node: NodeHandle;
  url: string;
  token: string;
  databaseUrl: string;
  embedded?: EmbeddedPostgresHandle;
  stop(): Promise<void>;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** The coordinator's database URL with the host a joining node used to reach the coordinator. */
function databaseUrlFor(url: string, host: string): string {
  const u = new URL(url);
  if (LOCAL_HOSTS.has(u.hostname)) u.hostname = host.includes(':') ? `[${host}]` : host;
  return u.toString();
}

/**
 * A coordinator: the database (embedded unless DATABASE_URL or config.database.url), migrations,
 * the HTTP runtime and a local worker, advertised on the LAN. Stopping it hands running work back
 * and stops Postgres last.
 */
export async function startCoordinator(config: Config, opts: { listen?: boolean; /** `up`: say so in the home (announce.ts) */ announce?: boolean } = {}): Promise<Coordinator> {
  const home = homeDir(config.home);
  const token = clusterToken(home, config.token);
  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.database.url;
  // Python imports manim while Postgres starts: both take a second or so.
  const { driver, versions: versionsReady } = startDrivers(config);
  let advertised: Advertised | undefined;
  try {
    if (!databaseUrl) {
      embedded = await startEmbeddedPostgres(home, config.database.embedded.port, config.http.host);
      databaseUrl = embedded.url;
    }
    const db = connect(databaseUrl, 2);
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    const versions = await versionsReady;
    const stack = typeof versions.stack === 'string' ? versions.stack : undefined;
    const url = databaseUrl;
    const node = await startNode({
      config, databaseUrl, token, listen: opts.listen ?? true, coordinator: true, versions, driver, clusterStack: stack, nice: config.nice,
      cluster: { name: config.name, stack, databaseUrlFor: (host) => databaseUrlFor(url, host) },
    });
    const port = Number(new URL(node.url ?? 'http://x:0').port);
    advertised = advertise(config.name, config.http.host, port, VERSION);
    const unannounce = opts.announce && node.url ? announceCoordinator(home, { url: node.url, token, pid: process.pid }) : undefined;
    return {
      node,
      url: node.url ?? '',
      token,
      databaseUrl,
      embedded,
      async stop() {
        unannounce?.();
        await advertised?.stop();
        await node.stop();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await advertised?.stop();
    await driver.close();
    await embedded?.stop();
    throw err;
  }
}
