import { and, asc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { artifacts, type ArtifactKind } from '../db/schema.ts';

export interface NewArtifact {
  jobId: string;
  sceneId?: string;
  segmentId?: string;
  kind: ArtifactKind;
  name: string;
  position?: number;
  contentType: string;
  bytes: Buffer;
}

export async function putArtifact(tx: Tx, a: NewArtifact): Promise<void> {
  await tx.insert(artifacts).values({ ...a, size: a.bytes.length });
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

export async function readArtifact(db: Tx, id: string): Promise<Buffer> {
  const [row] = await db.select({ bytes: artifacts.bytes }).from(artifacts).where(eq(artifacts.id, id));
  if (!row) throw new Error(`artifact ${id} not found`);
  return row.bytes;
}

/** Bytes [start, end] inclusive; with EXTERNAL storage Postgres reads only those TOAST chunks. */
export async function readArtifactRange(db: Tx, id: string, start: number, end: number): Promise<Buffer> {
  const [row] = await db
    .select({ bytes: sql<Buffer>`substring(${artifacts.bytes} from ${start + 1} for ${end - start + 1})` })
    .from(artifacts)
    .where(eq(artifacts.id, id));
  if (!row) throw new Error(`artifact ${id} not found`);
  return row.bytes;
}
