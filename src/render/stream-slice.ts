import { open } from 'node:fs/promises';
import type { Db } from '../db/client.ts';
import { storeSlicePart, type SliceAt } from '../store/slices.ts';

/** A slice file's header (nn_driver/frame_file.py): magic, width, height, pixel format. */
const HEADER_BYTES = 32;
/** At most one part this often: each is a transaction on the coordinator's Postgres, and the
 *  encoder takes about 20 frames a second, so parts of a few frames keep it fed. */
const PART_MS = 500;

/**
 * Streams the frames of a slice (or a share's head) to the store while the render draws them: each
 * look stores the whole frames written since the last part as one part (store/slices.ts), so the
 * play's encoder takes them while the rest is drawn. Frames are records of a 4-byte length and
 * their bytes: a record not yet written whole waits for the next look.
 */
export function sliceStreamer(db: Db, at: SliceAt, path: string): () => Promise<void> {
  let sent = 0;
  let whole = HEADER_BYTES;
  let last = 0;
  const length = Buffer.alloc(4);
  return async () => {
    if (Date.now() - last < PART_MS) return;
    const file = await open(path).catch(() => undefined);
    if (!file) return; // not drawing yet
    try {
      const { size } = await file.stat();
      while (whole + 4 <= size) {
        await file.read(length, 0, 4, whole);
        const end = whole + 4 + length.readUInt32LE(0);
        if (end > size) break;
        whole = end;
      }
    } finally {
      await file.close();
    }
    if (whole <= Math.max(sent, HEADER_BYTES)) return;
    last = Date.now();
    if (await storeSlicePart(db, at, path, sent, whole)) sent = whole;
  };
}
