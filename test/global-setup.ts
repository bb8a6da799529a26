import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MACHINE_POSTGRES, testPostgres } from './helpers/test-postgres.ts';

/**
 * Once per test run: TEST_DATABASE_URL (default: the machine's Postgres) when it answers, else an
 * embedded Postgres for the run, which the test processes (started after this) find in
 * TEST_DATABASE_URL; it is stopped and removed afterwards.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const home = mkdtempSync(join(tmpdir(), 'nn-test-pg-'));
  const pg = await testPostgres(process.env.TEST_DATABASE_URL ?? MACHINE_POSTGRES, home);
  if (pg.embedded) process.stderr.write(`no Postgres at ${process.env.TEST_DATABASE_URL ?? MACHINE_POSTGRES}: the tests use an embedded one\n`);
  process.env.TEST_DATABASE_URL = pg.url;
  return async () => {
    await pg.stop();
    rmSync(home, { recursive: true, force: true });
  };
}
