import { z } from 'zod';

/**
 * A render's limits, enforced by the driver (driver/nn_driver/limits.py): hitting one fails the
 * scene at once with the limit named, on every node alike, so it is never retried elsewhere.
 */
export const limitsSchema = z
  .strictObject({
    /** Wall time per segment (and for loading or planning a scene): at least this, in seconds… */
    segmentSeconds: z.number().positive().max(7 * 24 * 3600).default(600),
    /** …or this many times the plan's estimate for the segment, whichever is more. */
    estimateMultiple: z.number().min(1).max(1000).default(10),
    /** Address space of one render, MB (RLIMIT_AS); default: half the machine's memory. */
    memoryMB: z.number().int().min(512).optional(),
    /** Largest file a render may write, MB (RLIMIT_FSIZE). */
    fileMB: z.number().int().positive().default(8192),
    /** Most a render may write to its media folder, MB. */
    diskMB: z.number().int().positive().default(32768),
  })
  .prefault({});
export type Limits = z.infer<typeof limitsSchema>;
