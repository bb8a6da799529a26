import { z } from 'zod';
import { planSchema, sceneEndingSchema } from '../model/plan.ts';

export const listSchema = z.object({ scenes: z.array(z.string()) });

/** A drawn play's partial movie file, with its play-cache key when the driver could take one, and
 *  the seconds drawing it took (its code, animations, frames and encoding), which later renders remember. */
const partialSchema = z.object({ index: z.number().int(), path: z.string(), frames: z.number().int(), key: z.string().nullable().default(null), seconds: z.number().default(0) });

export const renderResultSchema = z.object({
  partials: z.array(partialSchema),
  frames: z.array(z.object({ index: z.number().int(), path: z.string() })).default([]),
  firstFrame: z.number().int(),
  /** The last play it drew: where an open-ended render stopped. */
  lastPlay: z.number().int(),
  /** It stopped at the start of play lastPlay + 1, so the scene has that play. */
  stopped: z.boolean().default(false),
  /** Plays of its range it found in the play cache (`serve`), by the key each was found under. */
  served: z.array(z.object({ index: z.number().int(), key: z.string() })).default([]),
  /** The CPU seconds its exact fast-forward over each play before its first took (cutting/forwarded.ts). */
  forwarded: z.array(z.object({ index: z.number().int(), seconds: z.number().min(0) })).default([]),
  /** A render that ran the scene's code to its end: its sections and sounds, and each play's section. */
  ending: sceneEndingSchema.optional(),
  /** A render of every play from 0 with no stop is also the scene's exact plan. */
  plan: planSchema.optional(),
  /** A slice of a video's play (or the head it started with): its play and first frame, its frames
   *  losslessly, for the play's encoder, and its last frame. */
  slice: z.object({ play: z.number().int(), first: z.number().int(), path: z.string(), frames: z.number().int(), poster: z.string().nullable() }).nullable().default(null),
  /** The first frames of the play it ended inside (told by its stop file): losslessly for a video
   *  (null path for PNG frames, which are in `frames`), and its last frame. */
  tail: z.object({ play: z.number().int(), path: z.string().nullable(), frames: z.number().int(), poster: z.string().nullable() }).nullable().default(null),
});
export type RenderResult = z.infer<typeof renderResultSchema>;

/** A one-pass re-render's plan (driver `plan` with `serve`): the plays it drew, as partials. */
export const servedPlanSchema = planSchema.extend({ partials: z.array(partialSchema).default([]) });

export const stitchResultSchema = z.object({
  outputs: z.array(z.object({ kind: z.enum(['movie', 'section', 'sectionsIndex']), path: z.string() })),
});

/** A sliced play's partial movie file, encoded from its slices (driver/nn_driver/encode_play.py). */
export const encodedSchema = z.object({ path: z.string(), frames: z.number().int() });

/** A still (format png, or a scene without plays): manim's own last-frame PNG (driver/nn_driver/still.py). */
export const stillResultSchema = z.object({ path: z.string() });

/** The doctor's smoke render: one tiny real render per feature (driver/nn_driver/smoke.py). */
export const smokeSchema = z.object({
  features: z.array(z.object({ feature: z.string(), ok: z.boolean(), seconds: z.number().optional(), error: z.string().optional() })),
});

export const infoSchema = z.object({
  python: z.string(),
  manim: z.string(),
  av: z.string(),
  pycairo: z.string(),
  cairo: z.string(),
  numpy: z.string(),
  pillow: z.string(),
  latex: z.boolean(),
  dvisvgm: z.boolean(),
  stack: z.string(),
});
export type DriverInfo = z.infer<typeof infoSchema>;
