import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import type { FunctionEnv } from '../function/define.ts';
import { encodedSchema } from '../driver/protocol.ts';
import { yieldSegment, type SegmentWithJob } from '../store/segments/claim.ts';
import { segmentRange } from '../store/segments/running.ts';
import { followSlice, playSlices, SLICE_END, SliceDrawnAgain, sliceName, type Followed } from '../store/slices.ts';
import { slicePartsOf } from '../store/events.ts';
import { log } from '../lib/log.ts';

/** The encoder looks for the next piece of a slice at each event of its job and each part of a
 *  slice stored, and at least this often: it polled three queries four times a second before, a
 *  good part of what its node's runtime spent while the play was encoded. */
const LOOK_MS = 1000;
/** An encoder waits this long for a slice that no slot draws before it gives its own slot up. */
const UNDRAWN_MS = 10_000;

export type Encoded = z.infer<typeof encodedSchema>;

/** The encoder gave its slot up: no slot was free to draw the slice it waits for. */
export class EncoderYielded extends Error {}

/** A share that drew the first frames of its last play (its tail) leaves encoding the play to an
 *  encoder segment: a piece it would wait for is not being drawn. */
export class EncoderHandedOff extends Error {}

/**
 * An encoder segment: the partial movie file of a play drawn in slices, encoded by the driver from
 * the slices' frames in frame order. Each slice's frames are appended to its file as they land in
 * the store, a part at a time while it is drawn (store/slices.ts); the driver encodes them as they
 * come (nn_driver/encode_play.py), so a slice that comes late holds the encoder up only as long as
 * its last frames take.
 * The encoder holds a render slot while it waits: when the slice it waits for stays queued with no
 * slice of the play drawing (every slot taken, by encoders among others), it goes back to the
 * queue for a while, so that slot draws it. A share that drew its last play's first frames
 * (`tail`: their file) encodes that play the same way, and hands it off at once to an encoder
 * segment when a piece it needs is not being drawn (EncoderHandedOff).
 */
export async function encodeSlices(env: FunctionEnv, { seg, scene, job }: SegmentWithJob, request: { cwd: string; work: string }, signal: AbortSignal, drop: AbortController, tail?: { play: number; path: string }): Promise<Encoded> {
  const { db } = env.database;
  const play = tail?.play ?? seg.fromPlay;
  const slices = await playSlices(db, scene.id, play);
  const drewIt = (s: { id: string }) => tail !== undefined && s.id === seg.id;
  const paths = slices.map((s, k) => (drewIt(s) ? tail!.path : join(request.work, 'slices', `${k}.bin`)));
  await mkdir(join(request.work, 'slices'), { recursive: true });
  // the driver follows every file to its end record (its own tail's too)
  if (tail) await appendFile(tail.path, SLICE_END);
  const stop = new AbortController();
  const both = AbortSignal.any([signal, drop.signal, stop.signal]);
  const encoding = env.driver.call(
    'encode-play',
    { cwd: request.cwd, file: join(request.cwd, job.entry!), scene: scene.name, options: job.options, mediaDir: join(request.work, 'media'), slices: paths, outDir: join(request.work, 'out'), index: play, wait: true },
    encodedSchema,
    both,
  );
  let yielded = false;
  let handedOff = false;
  /** Until the job's next event, a part of the slice followed stored (`parts`), or LOOK_MS. */
  const nextLook = (parts: string) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        env.events.off(job.id, done);
        env.events.off(parts, done);
        both.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, LOOK_MS);
      env.events.on(job.id, done);
      env.events.on(parts, done);
      both.addEventListener('abort', done);
    });
  const follow = async () => {
    for (const [k, slice] of slices.entries()) {
      if (drewIt(slice)) continue;
      const parts = slicePartsOf(scene.id, sliceName(play, slice.fromFrame!));
      let undrawnSince: number | undefined;
      let looked = 0;
      const got: Followed = { at: 0 };
      for (;;) {
        if (both.aborted) return;
        // its parts as they are drawn; whole when its segment ends, or a share's head as soon as its render is past the play
        if (await followSlice(db, scene.id, play, slice.fromFrame!, paths[k]!, got)) break;
        // Its parts wake the encoder about twice a second while they come: the states are looked at
        // once a LOOK_MS then (on the lab, the looks took a tenth of the encoder's machine).
        if (got.at === 0 || Date.now() - looked >= LOOK_MS) {
          looked = Date.now();
          const now = await playSlices(db, scene.id, play);
          const state = now.find((s) => s.id === slice.id)?.state;
          const own = await segmentRange(db, seg.id);
          // cancelled, replanned, or taken back from this node (presumed dead) and given to another
          if (own?.state !== 'running' || own.nodeId !== env.nodeId) return drop.abort();
          const waiting = state === 'queued' && !now.some((s) => s.state === 'running' && !drewIt(s));
          if (tail !== undefined && state === 'queued') {
            handedOff = true;
            return stop.abort();
          }
          undrawnSince = waiting ? (undrawnSince ?? Date.now()) : undefined;
          if (undrawnSince !== undefined && Date.now() - undrawnSince >= UNDRAWN_MS) {
            yielded = await yieldSegment(db, env.queue, seg.id, env.nodeId, new Date(Date.now() + UNDRAWN_MS));
            return stop.abort();
          }
        }
        await nextLook(parts);
      }
    }
  };
  let failed: unknown;
  const following = follow().catch((err: unknown) => {
    log.warn({ err, segmentId: seg.id }, 'following the slices of a play failed');
    failed = err;
    stop.abort();
  });
  try {
    return await encoding;
  } catch (err) {
    if (yielded) throw new EncoderYielded(`play ${play}: no slot was free to draw the slice it waits for`);
    if (handedOff) throw new EncoderHandedOff(`play ${play}: a piece of it is not being drawn; an encoder segment encodes it`);
    throw failed instanceof SliceDrawnAgain ? failed : err;
  } finally {
    stop.abort();
    await following;
  }
}
