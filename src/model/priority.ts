import { z } from 'zod';

/** A job's priority: its queued work against other jobs', lowest first, like `nice` (src/queue/job-priority.ts). */
export const MIN_PRIORITY = -15;
export const MAX_PRIORITY = 15;

export const prioritySchema = z
  .number()
  .int('priority must be a whole number')
  .min(MIN_PRIORITY, `priority must be at least ${MIN_PRIORITY}`)
  .max(MAX_PRIORITY, `priority must be at most ${MAX_PRIORITY}`);
