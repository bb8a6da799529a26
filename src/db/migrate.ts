import { fileURLToPath } from 'node:url';
import { migrate as drizzleMigrate } from 'drizzle-orm/postgres-js/migrator';
import { runMigrations } from 'graphile-worker';
import type { Database } from './client.ts';

const MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));
// Any constant shared by all nodes: an advisory lock so that nodes starting together migrate once.
const MIGRATION_LOCK = 0x6e6e6d67;

/** Brings the project's tables and graphile-worker's schema up to date. Needs a pool of two
 *  connections: one holds the advisory lock while drizzle migrates on the other. */
export async function migrate(database: Database): Promise<void> {
  await database.sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await drizzleMigrate(database.db, { migrationsFolder: MIGRATIONS });
  });
  await runMigrations({ connectionString: database.url });
}
