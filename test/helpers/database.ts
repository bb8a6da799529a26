import postgres from 'postgres';
import { beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { connect, type Database } from '../../src/db/client.ts';
import { createQueue, type Queue } from '../../src/queue/queue.ts';
import { queuePoolOver } from '../../src/queue/pool.ts';
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

/** A fresh database and a queue over it for the test file's tests (as a node has them, with no
 *  node running): set up before they run, released and dropped after. */
export function databaseWithQueue(): { url: string; database: Database; queue: Queue } {
  const held = {} as { url: string; database: Database; queue: Queue };
  let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  beforeAll(async () => {
    db = await freshDatabase();
    held.url = db.url;
    held.database = connect(db.url, 2);
    held.queue = await createQueue(queuePoolOver(held.database.sql, 2), 3);
  });
  afterAll(async () => {
    await held.queue?.release();
    await held.database?.close();
    await db?.drop();
  });
  return held;
}
