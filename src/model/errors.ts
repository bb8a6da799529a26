import { z } from 'zod';

/** An error as a user sees it on a job, a scene or a segment. */
export interface JobError {
  message: string;
  type?: string;
  traceback?: string;
  file?: string | null;
  line?: number | null;
  node?: string;
}

/** One failed try of a segment: which node, what went wrong. */
export interface SegmentFailure {
  node: string;
  nodeName?: string;
  error: string;
  at: string;
}

/** What the Python driver reports when a scene raises: the user's file and line. */
export const driverErrorSchema = z.object({
  type: z.string(),
  message: z.string(),
  traceback: z.string().default(''),
  file: z.string().nullable().default(null),
  line: z.number().int().nullable().default(null),
});
export type DriverError = z.infer<typeof driverErrorSchema>;

/**
 * The one line a user reads: the scene's own exception as Python names it (`ValueError: …`), or the
 * driver's kind of failure before its message (`LimitExceeded: …`), then where in the user's file.
 */
export function driverErrorLine(detail: DriverError, file = detail.file): string {
  // A scene's own exception arrives as type SceneError with `ValueError: …` as its message.
  const what = detail.type === 'SceneError' ? detail.message : `${detail.type}: ${detail.message}`;
  return file && detail.line ? `${what} (${file}:${detail.line})` : what;
}

/** A scene that raised (or a request the driver refused), with the driver's detail. */
export class SceneError extends Error {
  override name = 'SceneError';
  constructor(readonly detail: DriverError) {
    super(driverErrorLine(detail));
  }
}

/**
 * Driver error types that are the machine's doing, not the scene's: a child killed under it, memory
 * or disk run out, a package missing on this node (driver/nn_driver/errors.py). Another node may
 * render the same thing, so these are retried there instead of failing the scene.
 */
const MACHINE_FAULTS = ['WorkerCrashed', 'MachineFault'];

/** Whether `err` is the scene's own failure, the same on every node: the scene fails at once. */
export function isSceneFault(err: unknown): err is SceneError {
  return err instanceof SceneError && !MACHINE_FAULTS.includes(err.detail.type);
}
