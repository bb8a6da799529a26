import { open } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { artifactChunks, artifacts, type ArtifactKind } from '../db/schema.ts';

/** Bytes per stored chunk: small enough that postgres.js's hex text of one stays small. */
export const CHUNK_BYTES = 8 * 1024 * 1024;

export interface NewArtifact {
  jobId: string;
  sceneId?: string;
  segmentId?: string;
  kind: ArtifactKind;
  name: string;
  position?: number;
  contentType: string;
}

async function insertArtifact(tx: Tx, a: NewArtifact, size: number): Promise<string> {
  const [row] = await tx.insert(artifacts).values({ ...a, size }).returning({ id: artifacts.id });
  return row!.id;
}

/** A small file already in memory (a poster frame). */
export async function putArtifact(tx: Tx, a: NewArtifact & { bytes: Buffer }): Promise<void> {
  const { bytes, ...meta } = a;
  const id = await insertArtifact(tx, meta, bytes.length);
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
    await tx.insert(artifactChunks).values({ artifactId: id, offset, bytes: bytes.subarray(offset, offset + CHUNK_BYTES) });
  }
}

/** A file of any size, read from disk and stored a chunk at a time. */
export async function putArtifactFile(tx: Tx, a: NewArtifact, path: string): Promise<void> {
  const file = await open(path);
  try {
    const { size } = await file.stat();
    const id = await insertArtifact(tx, a, size);
    const buf = Buffer.alloc(Math.min(CHUNK_BYTES, size));
    for (let offset = 0; offset < size; ) {
      const { bytesRead } = await file.read(buf, 0, buf.length, offset);
      if (!bytesRead) throw new Error(`${path} got shorter while it was stored`);
      await tx.insert(artifactChunks).values({ artifactId: id, offset, bytes: buf.subarray(0, bytesRead) });
      offset += bytesRead;
    }
  } finally {
    await file.close();
  }
}

/** Metadata only: listing never pulls video bytes out of Postgres. */
export async function listArtifacts(db: Tx, where: { jobId?: string; sceneId?: string; kind: ArtifactKind }) {
  return db
    .select({ id: artifacts.id, name: artifacts.name, kind: artifacts.kind, sceneId: artifacts.sceneId, position: artifacts.position, size: artifacts.size, contentType: artifacts.contentType })
    .from(artifacts)
    .where(and(
      eq(artifacts.kind, where.kind),
      where.jobId ? eq(artifacts.jobId, where.jobId) : undefined,
      where.sceneId ? eq(artifacts.sceneId, where.sceneId) : undefined,
    ))
    .orderBy(asc(artifacts.position), asc(artifacts.name));
}

/**
 * Bytes [start, end] inclusive (default: all of it), one chunk per query, so memory stays that of a
 * chunk whatever the file's size. A file deleted meanwhile ends with an error, never short.
 */
export async function* artifactBytes(db: Tx, id: string, size: number, start = 0, end = size - 1): AsyncGenerator<Buffer> {
  let at = start;
  while (at <= end) {
    // The chunk holding `at`: the last one that starts at or before it.
    const [chunk] = await db
      .select({ offset: artifactChunks.offset, bytes: sql<Buffer>`substring(${artifactChunks.bytes} from (${at}::bigint - ${artifactChunks.offset} + 1)::int for ${Math.min(end - at + 1, 2 ** 31 - 1)}::int)` })
      .from(artifactChunks)
      .where(and(eq(artifactChunks.artifactId, id), lte(artifactChunks.offset, at)))
      .orderBy(sql`${artifactChunks.offset} desc`)
      .limit(1);
    if (!chunk || !chunk.bytes.length) throw new Error(`artifact ${id} has no bytes at ${at} (deleted while it was read?)`);
    yield chunk.bytes;
    at += chunk.bytes.length;
  }
}

/** A whole artifact written to a file (stitching reads the partial movies from disk). */
export async function writeArtifactFile(db: Tx, id: string, size: number, path: string): Promise<void> {
  await pipeline(Readable.from(artifactBytes(db, id, size)), createWriteStream(path));
}

/** A range's PNG frames are named from 0000.png on in frame order, as `manim render -n` names them. */
export async function renumberFrames(tx: Tx, sceneId: string, scene: string): Promise<void> {
  await tx.execute(sql`update artifacts a
    set name = ${scene} || '/' || lpad((r.n - 1)::text, greatest(4, length((r.n - 1)::text)), '0') || '.png'
    from (select id, row_number() over (order by position) as n from artifacts where scene_id = ${sceneId} and kind = 'frame') r
    where a.id = r.id`);
}
