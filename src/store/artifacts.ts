import { open } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
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

/** A file of any size, or its bytes [from, to) (default: from 0 to its end), read from disk and
 *  stored a chunk at a time. */
export async function putArtifactFile(tx: Tx, a: NewArtifact, path: string, range: { from?: number; to?: number } = {}): Promise<void> {
  const file = await open(path);
  try {
    const from = range.from ?? 0;
    const to = range.to ?? (await file.stat()).size;
    if (to < from) throw new Error(`${path} is shorter than the ${from} bytes stored of it already`);
    const id = await insertArtifact(tx, a, to - from);
    const buf = Buffer.alloc(Math.min(CHUNK_BYTES, to - from));
    for (let offset = 0; offset < to - from; ) {
      const { bytesRead } = await file.read(buf, 0, Math.min(buf.length, to - from - offset), from + offset);
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

/** The signature that opens a binary COPY's output, then its flags and header extension lengths. */
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** The one bytea field of the one row (or none) of a binary COPY's output in `out`, or 'short'
 *  when `out` ends before it does. */
function fieldOf(out: Buffer): Buffer | undefined | 'short' {
  if (out.length < 19) return 'short';
  if (!out.subarray(0, 11).equals(COPY_SIGNATURE)) throw new Error('not the output of a binary COPY');
  const at = 19 + out.readUInt32BE(15);
  if (out.length < at + 2) return 'short';
  const fields = out.readInt16BE(at);
  if (fields === -1) return undefined;
  if (fields !== 1) throw new Error(`a binary COPY row of ${fields} fields, not 1`);
  if (out.length < at + 6) return 'short';
  const length = out.readInt32BE(at + 2);
  if (length === -1) return undefined;
  return out.length < at + 6 + length ? 'short' : out.subarray(at + 6, at + 6 + length);
}

/** The field of a binary COPY's output from the messages it came in. The header and the row come
 *  in the first, which then holds the field whole and is not copied again: on the lab, copies of
 *  the stored frames and their garbage took a third of the CPU of the node encoding a sliced play. */
function copiedField(messages: Buffer[]): Buffer | undefined {
  const first = messages[0] ? fieldOf(messages[0]) : 'short';
  const field = first === 'short' ? fieldOf(Buffer.concat(messages)) : first;
  if (field === 'short') throw new Error('a binary COPY output cut short');
  return field;
}

/**
 * Bytes [start, end] inclusive (default: all of it), one chunk per query, so memory stays that of a
 * chunk whatever the file's size, and no connection is held between chunks (a slow download holds
 * none). Each chunk comes as a binary COPY: as a query's result, postgres.js reads bytea as hex text,
 * which cost the node encoding a sliced play 5 times the CPU (0.13-0.23 s per 20 MiB, against
 * 0.02-0.04). A file deleted meanwhile ends with an error, never short.
 */
export async function* artifactBytes(db: Db, id: string, size: number, start = 0, end = size - 1): AsyncGenerator<Buffer> {
  const artifact = z.uuid().parse(id);
  let at = start;
  while (at <= end) {
    // The chunk holding `at`: the last one that starts at or before it. COPY takes no parameters:
    // its values are a checked uuid and integers.
    const chunk = `select substring(bytes from (${at}::bigint - "offset" + 1)::int for ${Math.min(end - at + 1, 2 ** 31 - 1)}::int)
      from artifact_chunks where artifact_id = '${artifact}' and "offset" <= ${at} order by "offset" desc limit 1`;
    const parts: Buffer[] = [];
    for await (const part of await db.$client.unsafe(`copy (${chunk}) to stdout (format binary)`).readable()) parts.push(part as Buffer);
    const bytes = copiedField(parts);
    if (!bytes?.length) throw new Error(`artifact ${id} has no bytes at ${at} (deleted while it was read?)`);
    yield bytes;
    at += bytes.length;
  }
}

/** A whole artifact written to a file (stitching reads the partial movies from disk), or with
 *  `append` added to its end. */
export async function writeArtifactFile(db: Db, id: string, size: number, path: string, append = false): Promise<void> {
  await pipeline(Readable.from(artifactBytes(db, id, size)), createWriteStream(path, { flags: append ? 'a' : 'w' }));
}

/** A range's PNG frames are named from 0000.png on in frame order, as `manim render -n` names them. */
export async function renumberFrames(tx: Tx, sceneId: string, scene: string): Promise<void> {
  await tx.execute(sql`update artifacts a
    set name = ${scene} || '/' || lpad((r.n - 1)::text, greatest(4, length((r.n - 1)::text)), '0') || '.png'
    from (select id, row_number() over (order by position) as n from artifacts where scene_id = ${sceneId} and kind = 'frame') r
    where a.id = r.id`);
}
