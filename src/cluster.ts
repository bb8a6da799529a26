import type { Config } from './config/schema.ts';
import { connect } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './db/embedded.ts';
import { startNode, type NodeHandle } from './runtime/node.ts';
import { clusterToken, homeDir } from './lib/home.ts';
import { nodeVersions } from './driver/info.ts';

export interface Coordinator {
  node: NodeHandle;
  url: string;
  token: string;
  databaseUrl: string;
  embedded?: EmbeddedPostgresHandle;
  stop(): Promise<void>;
}

/**
 * A coordinator: the database (embedded unless DATABASE_URL or config.database.url), migrations,
 * the HTTP runtime and a local worker. Stopping it hands running work back and stops Postgres last.
 */
export async function startCoordinator(config: Config, opts: { listen?: boolean } = {}): Promise<Coordinator> {
  const home = homeDir(config.home);
  const token = clusterToken(home, config.token);
  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(home, config.database.embedded.port);
    databaseUrl = embedded.url;
  }
  try {
    const db = connect(databaseUrl, 2);
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    const node = await startNode({ config, databaseUrl, token, listen: opts.listen ?? true, coordinator: true, versions: await nodeVersions() });
    return {
      node,
      url: node.url ?? '',
      token,
      databaseUrl,
      embedded,
      async stop() {
        await node.stop();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}
