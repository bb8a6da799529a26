import { z } from 'zod';

/** One play of a scene as the planning pass records it (driver/nn_driver/describe.py). */
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
  /** One frame's step of the play's animations and updaters in its middle, timed while planning:
   *  its Python cost per frame. */
  stepSeconds: z.number().default(0),
  drawSeconds: z.number().default(0),
  /** Measured while planning too: the share of pixels a frame in its middle changes, what encoding
   *  each of its frames costs beyond a still one (driver/nn_driver/middle.py). */
  motion: z.number().min(0).max(1).default(0),
  /** Timed while planning: that frame encoded alone (a key frame), what the encoder of a sliced
   *  play pays per frame (0 for PNG frames and short plays). */
  encodeSeconds: z.number().default(0),
  /** Timed while planning: the scene's own code before the play (building mobjects), and the play
   *  on the planning pass (starting its animations, one step). Drawing and fast-forwarding pay both. */
  codeSeconds: z.number().default(0),
  seconds: z.number().default(0),
  /** Scene time at the play's start (the rendered clock): where a range of plays starts. */
  startTime: z.number().optional(),
  /** Its play-cache key (driver/nn_driver/play_key.py): null when the state could not be hashed
   *  surely (`uncachable` says why); such a play always renders. */
  key: z.string().nullable().optional(),
  uncachable: z.string().optional(),
  /** Served from the play cache in this job: no segment renders it. */
  cached: z.boolean().optional(),
  /** Drawn by the planning pass itself (a one-pass re-render): no segment renders it. */
  drawn: z.boolean().optional(),
  /** Seconds drawing it took in this job (its code, animations, frames, encoding), recorded when
   *  its segment finished: what later renders of the scene remember (store/cost-memory.ts). */
  drawnSeconds: z.number().optional(),
  /** Seconds an earlier render of the same play took to draw it (scaled to this play's frames):
   *  the cutter takes it instead of the cost model's estimate. */
  rememberedSeconds: z.number().optional(),
  /** CPU seconds the exact fast-forward over it took (the code before it too): measured by scouts
   *  while the scene was planned (cutting/forwarded.ts), then by the segments that started after it
   *  (what later renders remember). What such a segment pays for it, in place of the model's estimate. */
  forwardSeconds: z.number().optional(),
  /** Drawn in this many slices of its frames, each by a segment of its own (a play that alone
   *  would bound the scene's wall time, see cutting/slice.ts): no whole-play segment draws it. */
  sliced: z.number().int().optional(),
});
export type Play = z.infer<typeof playSchema>;

/** A play whose partial the scene already has (from the cache, or drawn while planning). */
export const isServed = (p: Pick<Play, 'cached' | 'drawn'>) => !!(p.cached || p.drawn);

/** A play no run of whole plays draws: served, or drawn in slices; a segment fast-forwards over it. */
export const drawnElsewhere = (p: Pick<Play, 'cached' | 'drawn' | 'sliced'>) => isServed(p) || !!p.sliced;

export const sectionSchema = z.object({ name: z.string(), type: z.string(), skip: z.boolean() });
export const soundSchema = z.object({ time: z.number(), file: z.string(), gain: z.number().nullable() });

/** What a render that ran the scene's code to its end met: sections and sounds, each play's section. */
export const sceneEndingSchema = z.object({ sections: z.array(sectionSchema), sounds: z.array(soundSchema), playSections: z.array(z.number().int()) });
export type SceneEnding = z.infer<typeof sceneEndingSchema>;

/** A scene's plan: every play, its sections and sounds (stored in `scenes.plan`). */
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
  /** Taken from a render of an earlier version of the scene's files (store/cost-memory.ts
   *  rememberedPlan): the render that runs the scene to its end checks its sections and sounds. */
  earlierVersion: z.boolean().optional(),
  /** Seconds the planning pass spent computing play keys (part of its Python time). */
  keySeconds: z.number().default(0),
});
export type ScenePlan = z.infer<typeof planSchema>;

/** One cut of a scene: the plays a segment renders, as the cutter made it. */
export interface SegmentCut {
  fromPlay: number;
  toPlay: number;
  /** It starts at this frame of play fromPlay, and ends before this frame of play toPlay (see
   *  segmentPieces): a slice of one play, or a share cut inside the plays at its ends. */
  fromFrame?: number;
  toFrame?: number;
  /** Encodes play fromPlay's partial movie file from its slices as they land (it draws nothing). */
  encodes?: boolean;
  frames: number;
  /** Estimated seconds of one core: drawing and encoding, and for a worker's first segment its
   *  set-up and fast-forward to `fromPlay`. */
  cost: number;
  /** Queue order, lowest first: each worker's first segment, then the others from the back. */
  priority: number;
}

/** Where a segment starts and ends inside plays. Both frames on one play: a slice of it (its
 *  frames fromFrame..toFrame-1, encoded by the play's encoder segment, whose slice is the whole
 *  play). Otherwise `head`: it starts at that frame of fromPlay, the play's last frames; `tail`: it
 *  draws the frames of toPlay before that one, then encodes the play (cutting/boundary.ts). */
export function segmentPieces(seg: { fromPlay: number; toPlay: number; fromFrame?: number | null; toFrame?: number | null }): { slice?: [number, number]; head?: number; tail?: number } {
  const { fromFrame, toFrame } = seg;
  if (fromFrame != null && toFrame != null && seg.fromPlay === seg.toPlay) return { slice: [fromFrame, toFrame] };
  return { ...(fromFrame != null ? { head: fromFrame } : {}), ...(toFrame != null ? { tail: toFrame } : {}) };
}
