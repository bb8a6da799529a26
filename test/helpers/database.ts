import postgres from 'postgres';
import { randomBytes } from 'node:crypto';
import { connect } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { MACHINE_POSTGRES } from './test-postgres.ts';

/** The machine's Postgres (CI starts it); TEST_DATABASE_URL points elsewhere (test/global-setup.ts
 *  sets it to an embedded Postgres when nothing answers there). */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? MACHINE_POSTGRES;

/** A fresh, migrated database per test file, dropped afterwards. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `nn_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  const db = connect(url, 2);
  await migrate(db);
  await db.close();
  return {
    url,
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
