import { z } from 'zod';
import { JOB_STATES } from '../model/states.ts';

/** The parts of `GET /jobs/:id` the CLI reads. */
export const jobDetailSchema = z.object({
  id: z.string(),
  state: z.enum(JOB_STATES),
  error: z.object({ message: z.string(), traceback: z.string().optional() }).passthrough().nullable(),
  wallMs: z.number().nullable(),
  priority: z.number(),
  retryOf: z.string().nullable(),
  scenes: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      state: z.string(),
      error: z.object({ message: z.string(), traceback: z.string().optional() }).passthrough().nullable(),
      totalFrames: z.number().nullable(),
      framesDone: z.number(),
      wallMs: z.number().nullable(),
      /** Each output with its download path (`/jobs/:id/output/…`). */
      outputs: z.array(z.object({ name: z.string(), url: z.string() })),
      /** Per play: served from the play cache or rendered. */
      plays: z.array(z.object({ index: z.number(), cached: z.boolean() })).default([]),
      segments: z.array(
        z.object({
          id: z.string(),
          plays: z.tuple([z.number(), z.number()]),
          slice: z.tuple([z.number(), z.number()]).nullable().default(null),
          encodes: z.boolean().default(false),
          head: z.number().nullable().default(null),
          tail: z.number().nullable().default(null),
          frames: z.number(),
          framesDone: z.number(),
          state: z.string(),
          node: z.string().nullable(),
          renderMs: z.number().nullable(),
          attempts: z.number(),
          startedAt: z.string().nullable(),
          finishedAt: z.string().nullable(),
        }),
      ),
    }),
  ),
});
export type JobDetailView = z.infer<typeof jobDetailSchema>;

export const nodesSchema = z.object({
  database: z.object({ problem: z.string().nullable() }).optional(),
  nodes: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      hostname: z.string(),
      cores: z.number(),
      concurrency: z.number(),
      state: z.string(),
      reason: z.string().nullable(),
      offWork: z.string().nullable(),
      power: z.enum(['awake', 'asleep', 'waking']),
      powerSince: z.string(),
      powerNote: z.string().nullable(),
      wakeable: z.boolean(),
      coordinator: z.boolean(),
      current: z.array(z.unknown()),
      versions: z.record(z.string(), z.unknown()),
      lastSeen: z.string(),
    }),
  ),
});
