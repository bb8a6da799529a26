import { cpus } from 'node:os';
import { z } from 'zod';
import { renderOptionsFields, renderOptionsSchema } from '../model/render-options.ts';

const cronTriggerSchema = z.object({
  schedule: z.string().min(1),
  directory: z.string().min(1),
  options: renderOptionsFields.partial().optional(),
});

const gitTriggerSchema = z.object({
  repository: z.string().min(1),
  branch: z.string().default('main'),
  secret: z.string().optional(),
});

export const configSchema = z.object({
  name: z.string().min(1).default('home'),
  http: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8787),
    })
    .prefault({}),
  /** Function names this node registers; each one is a file in functions/. */
  functions: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).default(['plan', 'render-segment', 'stitch']),
  /** Extra function modules (absolute paths or relative to the config file). */
  functionModules: z.array(z.string()).default([]),
  /** Segments a node renders at once; default: its CPU count. */
  concurrency: z.number().int().min(1).max(256).optional(),
  render: renderOptionsSchema.prefault({}),
  /** How scenes are cut: about `perWorker` segments per render slot, none under `minFrames` frames. */
  segments: z
    .object({
      perWorker: z.number().int().min(1).max(64).default(4),
      minFrames: z.number().int().min(1).default(240),
      /** What starting a segment costs (forking the driver, constructing the scene), in seconds. */
      setupSeconds: z.number().min(0).max(600).default(2.5),
      /** Most plays in one cut, like a render farm's chunk size; 0 = as the cutter sees fit. */
      maxPlays: z.number().int().min(0).default(0),
      /** A render that reaches the end of its segment goes on into the next one while it is queued. */
      rebalance: z.boolean().default(true),
      /** Start rendering from play 0 while the scene is still being planned. */
      lead: z.boolean().default(true),
      /** Most render slots per scene that, rather than wait for its plan, fast-forward from play 0
       *  meanwhile (with a lead), each keeping up to 16 paused copies of itself (~25 MB each).
       *  Off (0) by default: how a scout rides out a database restart is not yet understood. */
      scouts: z.number().int().min(0).max(64).default(0),
    })
    .prefault({}),
  /** nice level of renders: above 0 keeps a machine in use responsive. */
  nice: z.number().int().min(0).max(19).default(10),
  /** Most attempts for one segment before the job fails. */
  maxAttempts: z.number().int().min(1).max(25).default(3),
  /** Largest accepted upload, bytes. */
  maxUploadBytes: z.number().int().positive().default(64 * 1024 * 1024),
  triggers: z
    .object({
      crons: z.array(cronTriggerSchema).default([]),
      git: z.array(gitTriggerSchema).default([]),
    })
    .prefault({}),
  database: z
    .object({
      url: z.string().optional(),
      embedded: z.object({ port: z.number().int().min(0).max(65535).optional() }).prefault({}),
    })
    .prefault({}),
  home: z.string().optional(),
  token: z.string().min(16).optional(),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Segments this node renders at once: `concurrency`, else its CPU count. */
export function renderConcurrency(config: Config): number {
  return config.concurrency ?? cpus().length;
}

/** Typed helper for `wrangler-like.config.ts`: returns its argument, checked by TypeScript. */
export function defineConfig(config: ConfigInput = {}): ConfigInput {
  return config;
}
