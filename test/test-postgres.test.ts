import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import postgres from 'postgres';
import { listening, testPostgres } from './helpers/test-postgres.ts';
import { ADMIN_URL } from './helpers/database.ts';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

describe('the tests\' Postgres', () => {
  it('is the given one when it answers', async () => {
    const pg = await testPostgres(ADMIN_URL, '/nonexistent');
    expect(pg).toMatchObject({ url: ADMIN_URL, embedded: false });
  });

  it('on a machine with nothing listening there, is an embedded Postgres the tests can create databases in', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nn-test-pg-'));
    const pg = await testPostgres(`postgres://postgres@127.0.0.1:${await closedPort()}/postgres`, home);
    try {
      expect(pg.embedded).toBe(true);
      const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
      await sql.unsafe('create database nn_probe');
      await sql.unsafe('drop database nn_probe');
      await sql.end();
    } finally {
      await pg.stop();
      rmSync(home, { recursive: true, force: true });
    }
    expect(await listening(pg.url)).toBe(false);
  });
});
