import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Tx } from '../db/tx.ts';
import { listArtifacts, writeArtifactFile } from './artifacts.ts';

/** A slice's artifact name: its play and first frame, zero-padded so that names sort in frame order. */
export const sliceName = (play: number, fromFrame: number) => `slice-${play}-${String(fromFrame).padStart(7, '0')}.bin`;

/** The stored slices of a scene's sliced plays, written into `dir`: their files by play, in frame order. */
export async function fetchSlices(db: Tx, sceneId: string, dir: string): Promise<Map<number, string[]>> {
  const byPlay = new Map<number, string[]>();
  for (const a of await listArtifacts(db, { sceneId, kind: 'slice' })) {
    await mkdir(dir, { recursive: true });
    const path = join(dir, a.name);
    await writeArtifactFile(db, a.id, a.size, path);
    byPlay.set(a.position, [...(byPlay.get(a.position) ?? []), path]);
  }
  return byPlay;
}
