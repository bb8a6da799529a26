import { renderConcurrency, type Config } from '../config/schema.ts';
import { connect } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../db/embedded.ts';
import { startNode, type NodeHandle } from './node.ts';
import { advertise, type Advertised } from './discovery.ts';
import { VERSION } from '../model/version.ts';
import { clusterToken, homeDir, readOrCreateSecret } from '../lib/home.ts';
import { loadOrCreateCertificate } from '../lib/cert.ts';
import { formatJoinString } from '../lib/join-string.ts';
import { isLoopbackHost, reachableUrl } from '../lib/hosts.ts';
import { ensureNodeRole, nodeRoleUrl } from '../db/roles.ts';
import { startDriver, type StartedDriver } from '../driver/info.ts';
import { announceCoordinator } from './announce.ts';

export interface Coordinator {
  node: NodeHandle;
  url: string;
  token: string;
  /** SHA-256 of the certificate served over HTTPS; absent over plain HTTP (loopback). */
  fingerprint?: string;
  /** What `networknodes join` takes: URL, token and fingerprint in one string ("" when not listening). */
  joinString: string;
  databaseUrl: string;
  embedded?: EmbeddedPostgresHandle;
  stop(): Promise<void>;
}

/** The coordinator's database URL with the host a joining node used to reach the coordinator. */
function databaseUrlFor(url: string, host: string): string {
  const u = new URL(url);
  if (isLoopbackHost(u.hostname)) u.hostname = host.includes(':') ? `[${host}]` : host;
  return u.toString();
}

/**
 * A coordinator: the database (embedded unless DATABASE_URL or config.database.url), migrations,
 * the HTTP runtime and a local worker, advertised on the LAN. Stopping it hands running work back
 * and stops Postgres last.
 */
export async function startCoordinator(
  config: Config,
  opts: {
    listen?: boolean;
    /** `up`: say so in the home (announce.ts) */
    announce?: boolean;
    /** Announced with it: `up --idle-stop`, so a `render` knows the cluster is one kept for it. */
    idleStopMinutes?: number;
    /** Its driver, started by the caller before it loaded this module (see openCluster). */
    driver?: StartedDriver;
  } = {},
): Promise<Coordinator> {
  const home = homeDir(config.home);
  const token = clusterToken(home, config.token);
  // Served by HTTPS (when not on loopback) and by the embedded Postgres (always: SSL costs nothing).
  const certificate = await loadOrCreateCertificate(home);
  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.database.url;
  // Python imports manim while Postgres starts: both take a second or so.
  const { driver, versions: versionsReady } = opts.driver ?? startDriver(config);
  let advertised: Advertised | undefined;
  try {
    if (!databaseUrl) {
      embedded = await startEmbeddedPostgres(home, config.database.embedded.port, config.http.host, certificate);
      databaseUrl = embedded.url;
    }
    const db = connect(databaseUrl, 2);
    // Render nodes connect to the embedded database as a role that can do their work and no more; a
    // database of the user's own (DATABASE_URL) is handed out as given.
    let nodeUrl = databaseUrl;
    try {
      await migrate(db);
      if (embedded) {
        const password = readOrCreateSecret(home, 'postgres-node-password');
        await ensureNodeRole(db.sql, password);
        nodeUrl = nodeRoleUrl(databaseUrl, password);
      }
    } finally {
      await db.close();
    }
    const versions = await versionsReady;
    const stack = typeof versions.stack === 'string' ? versions.stack : undefined;
    const node = await startNode({
      config, databaseUrl, token, listen: opts.listen ?? true, coordinator: true, versions, driver, clusterStack: stack, nice: config.nice, certificate,
      cluster: { name: config.name, stack, databaseUrlFor: (host) => databaseUrlFor(nodeUrl, host), databaseCertificate: embedded ? certificate.cert : undefined },
    });
    const port = Number(new URL(node.url ?? 'http://x:0').port);
    advertised = advertise(config.name, config.http.host, port, VERSION, !!node.fingerprint);
    const url = node.url ?? '';
    const unannounce = opts.announce && url ? announceCoordinator(home, { url, token, fingerprint: node.fingerprint, pid: process.pid, workers: renderConcurrency(config), idleStopMinutes: opts.idleStopMinutes }) : undefined;
    return {
      node,
      url,
      token,
      fingerprint: node.fingerprint,
      joinString: url ? formatJoinString({ url: reachableUrl(url), token, fingerprint: node.fingerprint }) : '',
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
