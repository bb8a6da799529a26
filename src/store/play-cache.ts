import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { playCache, scenes } from '../db/schema.ts';
import type { Play } from '../model/plan.ts';
import { contentType } from '../video/content-type.ts';

/**
 * The farm's play cache: each play's partial movie file under its key (driver/nn_driver/play_key.py),
 * shared by every job and node. A render stores the plays it drew; a plan that finds a play's key
 * here serves it (the piece is copied into the scene's partials) and no segment renders it.
 */

/** Whether `scene` has plays in the cache: then planning before drawing may spare renders. */
export async function sceneIsCached(db: Tx, scene: string): Promise<boolean> {
  const [row] = await db.select({ key: playCache.key }).from(playCache).where(eq(playCache.scene, scene)).limit(1);
  return !!row;
}

/** Every key the cache holds for `scene`: a one-pass re-render fast-forwards over those plays. */
export async function cachedKeys(db: Tx, scene: string): Promise<string[]> {
  return (await db.select({ key: playCache.key }).from(playCache).where(eq(playCache.scene, scene))).map((r) => r.key);
}

/** The plan's plays with `cached` set where the key is in the cache (skipped plays draw nothing). */
export async function markCached(db: Tx, plays: Play[]): Promise<Play[]> {
  const keys = plays.flatMap((p) => (p.key && !p.skipped ? [p.key] : []));
  if (!keys.length) return plays;
  const found = new Set((await db.select({ key: playCache.key }).from(playCache).where(inArray(playCache.key, keys))).map((r) => r.key));
  return plays.map((p) => ({ ...p, cached: !!p.key && !p.skipped && found.has(p.key) }));
}

/**
 * Copies the cached plays' pieces into the scene's partial artifacts (where the stitcher reads them,
 * named and placed as a render stores them) and marks them used. In the plan's transaction: a piece
 * evicted meanwhile would leave a play without its partial, so the rows are locked here.
 */
export async function serveCached(tx: Tx, scene: { jobId: string; sceneId: string }, plays: Pick<Play, 'index' | 'key' | 'cached'>[]): Promise<void> {
  const cached = plays.filter((p) => p.cached);
  if (!cached.length) return;
  const byKey = new Map(cached.map((p) => [p.key!, p.index]));
  const rows = await tx
    .update(playCache)
    .set({ usedAt: new Date() })
    .where(inArray(playCache.key, [...byKey.keys()]))
    .returning({ key: playCache.key });
  // (the segment that found it fails and is tried again: its next render draws the play)
  if (rows.length !== byKey.size) throw new Error('a cached play was evicted while its scene was rendered');
  for (const p of cached) {
    await tx.execute(sql`with a as (
        insert into artifacts (job_id, scene_id, kind, name, position, content_type, size)
        select ${scene.jobId}, ${scene.sceneId}, 'partial', ${p.index} || ext, ${p.index}, content_type, size from play_cache where key = ${p.key}
        returning id)
      insert into artifact_chunks (artifact_id, "offset", bytes) select a.id, 0, c.bytes from a, play_cache c where c.key = ${p.key}`);
  }
}

/** Plays a render found in the cache as it keyed them (a scene cut from an earlier render's plan):
 *  served as a plan serves them, and marked so in the scene's plan (the scene row locked by the caller). */
export async function serveRendered(tx: Tx, scene: { jobId: string; sceneId: string }, served: { index: number; key: string }[]): Promise<void> {
  await serveCached(tx, scene, served.map((p) => ({ ...p, cached: true })));
  const [row] = await tx.select({ plan: scenes.plan }).from(scenes).where(eq(scenes.id, scene.sceneId));
  if (!row?.plan) return;
  const keys = new Map(served.map((p) => [p.index, p.key]));
  const plays = row.plan.plays.map((p) => (keys.has(p.index) ? { ...p, cached: true, key: keys.get(p.index)! } : p));
  await tx.update(scenes).set({ plan: { ...row.plan, plays } }).where(eq(scenes.id, scene.sceneId));
}

/** Stores the plays a render drew (those with a key), then evicts past `maxBytes`, oldest use first. */
export async function storePlays(db: Tx, scene: string, pieces: { key: string | null; path: string }[], maxBytes: number): Promise<void> {
  for (const piece of pieces) {
    if (!piece.key) continue;
    const bytes = await readFile(piece.path);
    await db
      .insert(playCache)
      .values({ key: piece.key, scene, ext: extname(piece.path), contentType: contentType(piece.path), size: bytes.length, bytes })
      .onConflictDoUpdate({ target: playCache.key, set: { usedAt: new Date() } });
  }
  await evict(db, maxBytes);
}

async function evict(db: Tx, maxBytes: number): Promise<void> {
  await db.execute(sql`delete from play_cache where key in (
    select key from (select key, sum(size) over (order by used_at desc, key) as total from play_cache) t where total > ${maxBytes})`);
}

/** Empties the cache, or one scene's plays of it. Returns how many plays went. */
export async function clearCache(db: Tx, scene?: string): Promise<number> {
  const gone = await db.delete(playCache).where(scene ? eq(playCache.scene, scene) : undefined).returning({ key: playCache.key });
  return gone.length;
}

export async function cacheStats(db: Tx): Promise<{ plays: number; bytes: number; scenes: number }> {
  const [row] = await db
    .select({ plays: sql<number>`count(*)::int`, bytes: sql<number>`coalesce(sum(${playCache.size}), 0)::bigint`, scenes: sql<number>`count(distinct ${playCache.scene})::int` })
    .from(playCache);
  return { plays: row?.plays ?? 0, bytes: Number(row?.bytes ?? 0), scenes: row?.scenes ?? 0 };
}
