import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase } from './helpers/database.ts';
import { connect, type Database } from '../src/db/client.ts';
import { jobs } from '../src/db/schema.ts';
import { artifactBytes, putArtifactFile, writeArtifactFile } from '../src/store/artifacts.ts';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let database: Database;
let dir: string;

beforeAll(async () => {
  db = await freshDatabase();
  // one connection: a read that left it stalled would hold up every query after it
  database = connect(db.url, 1);
  dir = mkdtempSync(join(tmpdir(), 'nn-copy-'));
});
afterAll(async () => {
  await database?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('stored files read back in binary', () => {
  it('reads files one after another on one connection, each byte for byte, and the connection answers after them', async () => {
    const [job] = await database.db.insert(jobs).values({ kind: 'render', state: 'running' }).returning();
    // sizes around the read stream's buffer: a 70 KB file left postgres.js's socket paused after a
    // binary COPY whose end came in the same read as its data, and the next query never returned
    const sizes = [0, 1, 70_000, 16_384, 300_000, 9 * 1024 * 1024];
    const files = sizes.map((size, i) => {
      const path = join(dir, `in-${i}.bin`);
      writeFileSync(path, randomBytes(size));
      return path;
    });
    const ids: string[] = [];
    for (const [i, path] of files.entries()) {
      await database.db.transaction((tx) => putArtifactFile(tx, { jobId: job!.id, kind: 'slice', name: `f${i}`, contentType: 'application/octet-stream' }, path));
      const [row] = await database.sql<{ id: string }[]>`select id from artifacts where name = ${`f${i}`}`;
      ids.push(row!.id);
    }
    for (let round = 0; round < 3; round++) {
      for (const [i, path] of files.entries()) {
        const out = join(dir, `out-${i}.bin`);
        await writeArtifactFile(database.db, ids[i]!, sizes[i]!, out);
        expect(readFileSync(out).equals(readFileSync(path)), `file ${i} (${sizes[i]} bytes)`).toBe(true);
      }
    }
    // a range across the 8 MiB chunk boundary of the largest
    const parts: Buffer[] = [];
    const [start, end] = [8 * 1024 * 1024 - 10, 8 * 1024 * 1024 + 9];
    for await (const part of artifactBytes(database.db, ids.at(-1)!, sizes.at(-1)!, start, end)) parts.push(part);
    expect(Buffer.concat(parts).equals(readFileSync(files.at(-1)!).subarray(start, end + 1))).toBe(true);
    const [answer] = await database.sql<{ n: number }[]>`select 1 as n`;
    expect(answer!.n).toBe(1);
  }, 60_000);

  it('says so when a file was deleted while it was read', async () => {
    const [job] = await database.db.insert(jobs).values({ kind: 'render', state: 'running' }).returning();
    const path = join(dir, 'gone.bin');
    writeFileSync(path, randomBytes(1000));
    await database.db.transaction((tx) => putArtifactFile(tx, { jobId: job!.id, kind: 'slice', name: 'gone', contentType: 'application/octet-stream' }, path));
    const [row] = await database.sql<{ id: string }[]>`select id from artifacts where name = 'gone'`;
    await database.sql`delete from artifacts where id = ${row!.id}`;
    await expect(writeArtifactFile(database.db, row!.id, 1000, join(dir, 'gone-out.bin'))).rejects.toThrow(/has no bytes at 0/);
  });
});
