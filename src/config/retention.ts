import { z } from 'zod';
import { validCron } from './cron.ts';

/**
 * How long finished jobs are kept, with their outputs, pieces and events (src/store/retention.ts):
 * a job goes when any rule says so. The `gc` queue task applies them on `schedule`;
 * `networknodes gc` applies them now.
 */
export const retentionSchema = z
  .strictObject({
    /** Finished jobs older than this many days go. */
    maxAgeDays: z.number().positive().default(30),
    /** Only the newest this many finished jobs are kept. */
    maxJobs: z.number().int().min(0).default(1000),
    /** Finished jobs' stored files (outputs, pieces, posters) are kept under this many bytes, the oldest jobs going first; none: no limit. */
    maxBytes: z.number().int().positive().optional(),
    /** When the `gc` task runs: five-field cron, UTC. */
    schedule: z.string().refine(validCron, 'not a cron schedule: five fields, e.g. "17 * * * *" (UTC)').default('17 * * * *'),
  })
  .prefault({});
export type Retention = z.infer<typeof retentionSchema>;
