import { z } from 'zod';

/** What the Python driver reports when a scene raises: the user's file and line. */
export const driverErrorSchema = z.object({
  type: z.string(),
  message: z.string(),
  traceback: z.string().default(''),
  file: z.string().nullable().default(null),
  line: z.number().int().nullable().default(null),
});
export type DriverError = z.infer<typeof driverErrorSchema>;

export const playSchema = z.object({
  index: z.number().int(),
  runTime: z.number(),
  frames: z.number().int(),
  frozen: z.boolean(),
  section: z.number().int(),
  skipped: z.boolean(),
  timeBased: z.boolean(),
  /** Whether manim's skip path fast-forwards it exactly (no updaters, no stop condition). */
  pure: z.boolean().default(false),
  /** Mobjects and bezier points on screen: what drawing a frame of this play costs beyond its pixels. */
  mobjects: z.number().int().default(0),
  points: z.number().int().default(0),
  /** One step of the play's animations and updaters, timed while planning: its Python cost per frame. */
  stepSeconds: z.number().default(0),
  drawSeconds: z.number().default(0),
  /** Timed while planning: the scene's own code before the play (building mobjects), and the play
   *  on the planning pass (starting its animations, one step). Drawing and fast-forwarding pay both. */
  codeSeconds: z.number().default(0),
  seconds: z.number().default(0),
  /** Scene time at the play's start (the rendered clock): where a range of plays starts. */
  startTime: z.number().optional(),
});
export type Play = z.infer<typeof playSchema>;

export const sectionSchema = z.object({ name: z.string(), type: z.string(), skip: z.boolean() });
export const soundSchema = z.object({ time: z.number(), file: z.string(), gain: z.number().nullable() });

export const planSchema = z.object({
  fps: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  plays: z.array(playSchema),
  sections: z.array(sectionSchema),
  sounds: z.array(soundSchema),
  totalFrames: z.number().int(),
  texFiles: z.array(z.string()).default([]),
  /** Planned with the exact progression: its frame counts are a render's (a cheap plan's may not be). */
  exact: z.boolean().default(false),
});
export type ScenePlan = z.infer<typeof planSchema>;

/** A still (format png): manim's own last-frame image. */
export const stillSchema = z.object({ path: z.string() });

export const listSchema = z.object({ scenes: z.array(z.string()) });

export const renderResultSchema = z.object({
  partials: z.array(z.object({ index: z.number().int(), path: z.string(), frames: z.number().int() })),
  frames: z.array(z.object({ index: z.number().int(), path: z.string() })).default([]),
  firstFrame: z.number().int(),
  /** The last play it drew: where an open-ended render stopped. */
  lastPlay: z.number().int(),
  /** It stopped at the start of play lastPlay + 1, so the scene has that play. */
  stopped: z.boolean().default(false),
  /** A render of every play from 0 with no stop is also the scene's exact plan. */
  plan: planSchema.optional(),
});
export type RenderResult = z.infer<typeof renderResultSchema>;

export const stitchResultSchema = z.object({
  outputs: z.array(z.object({ kind: z.enum(['movie', 'section', 'sectionsIndex']), path: z.string() })),
});

/** A scene without plays: the PNG of its one frame (driver/nn_driver/still.py). */
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

export class SceneError extends Error {
  override name = 'SceneError';
  constructor(readonly detail: DriverError) {
    super(detail.file && detail.line ? `${detail.type}: ${detail.message} (${detail.file}:${detail.line})` : `${detail.type}: ${detail.message}`);
  }
}
