import { drawnElsewhere, type Play } from '../model/plan.ts';

/** The cost model the cutter balances shares with: what drawing, encoding and fast-forwarding a
 *  play cost, from what the planning pass recorded and timed. */

/** Rough costs in microseconds of one core. What matters is their ratio: a segment's set-up against
 *  drawing, drawing against fast-forwarding. */
const US = {
  pixel: 0.006, // clearing, copying and encoding a frame, per pixel
  mobject: 80, // Python and Cairo per drawn mobject per frame
  point: 0.9, // Cairo per bezier point per frame
  play: 50_000, // a drawn play's own file: the encoder opened and flushed (fitted with framePixel)
  fastForwardMobject: 15, // one step of animations and updaters, per mobject, when not measured
  fastForwardPlay: 60_000, // starting a play's animations (copies of its mobjects), when not measured
  fastForwardPlayMobject: 500, // the same, per mobject on screen
  // With a frame drawn and timed while planning (in CPU time), fitted to the Benchmark scene's 39
  // plays as two workers drew them at 720p (model 73.5 s against 71.1 s drawn; each play within
  // about 30 %, most within 15): a frame costs 7 ms beyond its timed drawing (clearing, converting
  // and encoding it), and its drawing about what the timed frames took.
  // A frozen wait's repeated frame is converted and encoded like any other: 9.2 ms a 720p frame
  // with plain manim on one core, 5.6 ms fitted on the lab's runs (the old 0.9 ms made waits 3-4x
  // too cheap).
  framePixel: 0.007, // clearing, converting and encoding a still frame, per pixel
  // Encoding what changed: per pixel, times the square root of the share of pixels that differ
  // between two frames in the middle of the play (driver/nn_driver/middle.py). x264 skips unchanged
  // macroblocks: the bundled scenes' partial movie files, encoded again frame by frame, took 7 ms a
  // still 720p frame and 12-21 ms a moving one. Fitted with the two constants above kept, on the
  // two scenes' 49 drawn plays (local, 2 workers; 0.020-0.039 in three renders, which drifted 78-88
  // s for the Benchmark scene): that scene's model within 5 % of what it took in total (9-14 %
  // short without it), the short updater scene's plays 0.86-0.89 of it, median (0.76-0.80 without).
  motionPixel: 0.03,
  // A frame of the play against the one timed in its middle (driver/nn_driver/middle.py; the mean
  // of the play's ends before, whose first draws carry one-offs). Fitted per play on the Benchmark
  // scene: 1.0-1.2 locally (2 workers), 1.5 on the lab; 1.35 kept. With the middle's frame the
  // per-play error (rms of the log ratio) fell from 0.18 to 0.15 locally, from 0.23 to 0.15 on the lab.
  drawnFrame: 1.35,
  // A video slice's frame is not encoded where it is drawn but converted to the encoder's pixel
  // format and compressed (measured at 720p: 4.6 + 2.8 ms), and a slice is drawn in a run of
  // frames alike, so its timed frame and step stand for them as they are (bench_play.py: timed
  // 66 + 20 ms, drawn 74 a frame).
  slicePixel: 0.008,
};

/** Microseconds of Python per frame for the play's animations and updaters. Best from a fast-forward
 *  measured over a play that is stepped frame by frame (one with updaters; a pure play's jumps), less
 *  its start: every frame's step, where the planning pass times two. On the lab the short updater
 *  scene's first play was timed at 24 ms a step and stepped at 11 (its first uses of a number's
 *  glyphs), which made drawing it look 40 % dearer than it was. Else timed while planning (a frame's
 *  step in the middle of the play), else estimated from the mobjects on screen. A timed step can
 *  catch a one-off (a font loaded, a garbage collection), so it counts at most a few drawn frames'
 *  worth. */
function stepCost(play: Play, pixels: number): number {
  if (play.forwardSeconds !== undefined && !play.pure && play.frames > 0) return Math.max(0, play.forwardSeconds * 1e6 - startCost(play)) / play.frames;
  if (play.stepSeconds <= 0) return 500 + play.mobjects * US.fastForwardMobject;
  return Math.min(play.stepSeconds * 1e6, 3 * drawCost(play, pixels));
}

/** Microseconds to draw and encode one frame: the planning pass draws one frame of every play and
 *  times it; without that, an estimate from the mobjects and points on screen. With
 *  `timedEncoding`, a frame's fixed work is at least the encoding the planning pass timed for the
 *  play, as its slices' encoder is weighed (the slicer: the same frames, the same settings); the
 *  per-pixel constant, fitted on frames that encode cheaply, counts dense moving ones short
 *  (bench_play.py's 200 shapes: 30 ms a 720p frame against the constant's 6.5). */
function drawCost(play: Play, pixels: number, timedEncoding = false): number {
  const fixed = Math.max(pixels * (US.framePixel + US.motionPixel * Math.sqrt(play.motion)), timedEncoding ? play.encodeSeconds * 1e6 : 0);
  if (play.drawSeconds > 0) return fixed + play.drawSeconds * 1e6 * US.drawnFrame;
  return pixels * US.pixel + play.mobjects * US.mobject + play.points * US.point;
}

/** Microseconds every run pays for a play, drawn or not: the scene's code before it and starting
 *  its animations, as timed while planning (estimated when it was not). */
function startCost(play: Play): number {
  const timed = (play.codeSeconds + play.seconds) * 1e6;
  return timed > 0 ? timed : US.fastForwardPlay + play.mobjects * US.fastForwardPlayMobject;
}

/** Estimated microseconds to draw and encode a play (`timedEncoding`: see drawCost). */
export function playCost(play: Play, pixels: number, timedEncoding = false): number {
  if (play.skipped || play.frames === 0) return 0;
  // served (from the play cache) or drawn in slices: a segment that spans it only fast-forwards over it
  if (drawnElsewhere(play)) return fastForwardCost(play, pixels);
  // measured on an earlier render of the same play: better than any estimate
  if (play.rememberedSeconds !== undefined) return play.rememberedSeconds * 1e6;
  const draw = drawCost(play, pixels, timedEncoding) + stepCost(play, pixels);
  return startCost(play) + US.play + (play.frozen ? draw + (play.frames - 1) * pixels * US.framePixel : play.frames * draw);
}

/** Estimated microseconds to fast-forward over a play that a segment starts after: measured where
 *  a scout or an earlier render fast-forwarded over it (cutting/forwarded.ts, store/cost-memory.ts). */
export function fastForwardCost(play: Play, pixels: number): number {
  if (play.skipped) return 0;
  if (play.forwardSeconds !== undefined) return play.forwardSeconds * 1e6;
  return startCost(play) + (play.pure ? 0 : play.frames * stepCost(play, pixels));
}

/** Estimated microseconds to draw frames a..b-1 of a play, once a segment got to the play's start:
 *  stepping through frames 0..a-1 without drawing them (a pure play jumps: its frames depend only
 *  on their time), then drawing the slice. A video's play is encoded by its encoder segment; PNG
 *  frames are written where they are drawn. */
export function sliceCost(play: Play, pixels: number, a: number, b: number, video: boolean): number {
  const step = stepCost(play, pixels);
  const draw = video && play.drawSeconds > 0 ? play.drawSeconds * 1e6 + pixels * US.slicePixel : drawCost(play, pixels);
  return startCost(play) + (play.pure ? 0 : a * step) + (b - a) * (draw + step);
}

/** Microseconds per pixel the encoder spends on a sliced play's frame: unpacking it (already in
 *  the encoder's pixel format) and encoding it into the play's partial movie file. Measured at
 *  720p on one core: 2 + 17 ms a frame of the Benchmark scene, 2 + 34 ms of bench_play.py's 200
 *  moving shapes; nearer the second, since a play long and costly enough to slice is dense, and the
 *  slices' sizes hang on it (too cheap an encoder waits for a first slice too large). */
const ENCODE_PIXEL = 0.033;
/** Microseconds per pixel the encoder spends unpacking a frame beside encoding it (4.6 ms at 720p). */
const UNPACK_PIXEL = 0.005;

/** Estimated microseconds the encoder of a play drawn in slices spends on each of its frames. */
export function sliceEncodeCost(play: Play, pixels: number): number {
  // the planning pass timed its drawn frame encoded: what this play's frames cost the encoder
  return play.encodeSeconds > 0 ? play.encodeSeconds * 1e6 + pixels * UNPACK_PIXEL : pixels * ENCODE_PIXEL;
}

/** Estimated microseconds the share that ends inside a play spends encoding each of the play's
 *  frames (cutting/boundary.ts): at most what a frame of a play drawn whole pays for converting and
 *  encoding it, plus unpacking it. A lone key frame timed while planning errs long, which a slice's
 *  encoder on a slot of its own can afford; a share weighing its tail against drawing the play
 *  whole needs both on the same footing. */
export function tailEncodeCost(play: Play, pixels: number): number {
  return Math.min(sliceEncodeCost(play, pixels), pixels * (US.framePixel + UNPACK_PIXEL));
}
