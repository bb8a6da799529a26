import { inArray, notInArray, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { texCache } from '../db/schema.ts';

export const TEX_CHANNEL = 'nn_tex';

/** Keeps one SVG for the cluster and tells every node it is there. The first one made wins: the
 *  name is a hash of the whole source, so any two are the same. */
export async function putTex(db: Tx, name: string, bytes: Buffer): Promise<void> {
  const added = await db.insert(texCache).values({ name, bytes }).onConflictDoNothing().returning({ name: texCache.name });
  if (added.length) await db.execute(sql`select pg_notify(${TEX_CHANNEL}, ${name})`);
}

/** Which of these SVGs the cluster holds (names only: a plan's check need not fetch them). */
export async function storedTex(db: Tx, names: string[]): Promise<string[]> {
  if (!names.length) return [];
  return (await db.select({ name: texCache.name }).from(texCache).where(inArray(texCache.name, names))).map((r) => r.name);
}

export async function getTex(db: Tx, names: string[]): Promise<{ name: string; bytes: Buffer }[]> {
  if (!names.length) return [];
  return db.select({ name: texCache.name, bytes: texCache.bytes }).from(texCache).where(inArray(texCache.name, names));
}

/** Every SVG but those named: what a node that has `have` is missing. */
export async function texNotIn(db: Tx, have: string[]): Promise<{ name: string; bytes: Buffer }[]> {
  const q = db.select({ name: texCache.name, bytes: texCache.bytes }).from(texCache);
  return have.length ? q.where(notInArray(texCache.name, have)) : q;
}
