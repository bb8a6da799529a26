import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { freshDatabase } from './helpers/database.ts';
import { connect, type Database } from '../src/db/client.ts';
import { jobs, scenes, segments } from '../src/db/schema.ts';
import { fetchSlice, followSlice, SLICE_END, SliceDrawnAgain, sliceName, sliceStored, storeSlicePart, storeSliceRest, type Followed } from '../src/store/slices.ts';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let database: Database;
let dir: string;

beforeAll(async () => {
  db = await freshDatabase();
  database = connect(db.url, 2);
  dir = mkdtempSync(join(tmpdir(), 'nn-parts-'));
});
afterAll(async () => {
  await database?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A running slice segment of play 2 from frame 40 on node `node-a`, and its file of `size` bytes. */
async function drawing(size: number) {
  const [job] = await database.db.insert(jobs).values({ kind: 'render', state: 'running' }).returning();
  const [scene] = await database.db.insert(scenes).values({ jobId: job!.id, name: 'S', position: 0, state: 'rendering' }).returning();
  const [seg] = await database.db.insert(segments).values({ jobId: job!.id, sceneId: scene!.id, position: 0, fromPlay: 2, toPlay: 2, fromFrame: 40, toFrame: 90, frames: 50, cost: 1, state: 'running', nodeId: 'node-a', attempts: 1 }).returning();
  const path = join(dir, `${seg!.id}.bin`);
  writeFileSync(path, randomBytes(size));
  const at = { segmentId: seg!.id, nodeId: 'node-a', play: 2, fromFrame: 40 };
  const rest = (attempt: number) =>
    database.db.transaction((tx) => storeSliceRest(tx, { jobId: job!.id, sceneId: scene!.id, segmentId: seg!.id, kind: 'slice', name: sliceName(2, 40), position: 2, contentType: 'application/octet-stream' }, attempt, path));
  return { sceneId: scene!.id, segmentId: seg!.id, path, at, rest };
}

describe('a slice streamed to the store while it is drawn', () => {
  it('is followed part by part to the same bytes, ended by the end record, and fetched whole', async () => {
    const s = await drawing(300_000);
    const out = join(dir, 'followed.bin');
    const got: Followed = { at: 0 };
    expect(await followSlice(database.db, s.sceneId, 2, 40, out, got)).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(await storeSlicePart(database.db, s.at, s.path, 0, 70_000)).toBe(true);
    expect(await followSlice(database.db, s.sceneId, 2, 40, out, got)).toBe(false);
    expect(got.at).toBe(70_000);
    expect(await storeSlicePart(database.db, s.at, s.path, 70_000, 200_000)).toBe(true);
    expect(await sliceStored(database.db, s.sceneId, 2, 40)).toBe(false);
    // the rest is what the parts did not hold
    await s.rest(1);
    expect(await sliceStored(database.db, s.sceneId, 2, 40)).toBe(true);
    const [rest] = await database.sql<{ size: string }[]>`select size from artifacts where name = ${sliceName(2, 40)}`;
    expect(Number(rest!.size)).toBe(100_000);
    expect(await followSlice(database.db, s.sceneId, 2, 40, out, got)).toBe(true);
    expect(readFileSync(out).equals(Buffer.concat([readFileSync(s.path), SLICE_END]))).toBe(true);
    const whole = join(dir, 'whole.bin');
    await fetchSlice(database.db, s.sceneId, 2, 40, whole);
    expect(readFileSync(whole).equals(readFileSync(out))).toBe(true);
  });

  it('stores no part for a segment no longer its node', async () => {
    const s = await drawing(1000);
    await database.db.update(segments).set({ nodeId: 'node-b' }).where(eq(segments.id, s.segmentId));
    expect(await storeSlicePart(database.db, s.at, s.path, 0, 500)).toBe(false);
    const rows = await database.db.execute(sql`select 1 from artifacts where segment_id = ${s.segmentId}`);
    expect(rows.length).toBe(0);
  });

  it('drawn again by another try, replaces the first try pieces, and a follower of them is told', async () => {
    const s = await drawing(50_000);
    const out = join(dir, 'again.bin');
    const got: Followed = { at: 0 };
    await storeSlicePart(database.db, s.at, s.path, 0, 20_000);
    expect(await followSlice(database.db, s.sceneId, 2, 40, out, got)).toBe(false);
    // the node was presumed dead; the segment is taken again, and its new try draws from the start
    await database.db.update(segments).set({ attempts: 2 }).where(eq(segments.id, s.segmentId));
    await storeSlicePart(database.db, s.at, s.path, 0, 30_000);
    await expect(followSlice(database.db, s.sceneId, 2, 40, out, got)).rejects.toBeInstanceOf(SliceDrawnAgain);
    // the slice is the second try's parts and rest: the first try's part is gone
    await s.rest(2);
    const names = (await database.sql<{ name: string }[]>`select name from artifacts where segment_id = ${s.segmentId} order by name`).map((r) => r.name);
    expect(names).toEqual([sliceName(2, 40), `${sliceName(2, 40)}.2.000000000000`]);
    const fresh = join(dir, 'fresh.bin');
    await fetchSlice(database.db, s.sceneId, 2, 40, fresh);
    expect(readFileSync(fresh).equals(Buffer.concat([readFileSync(s.path), SLICE_END]))).toBe(true);
  });
});
