import { cpus } from 'node:os';
import { z } from 'zod';
import { validCron } from './cron.ts';
import { renderOptionsFields, renderOptionsSchema } from '../model/render-options.ts';
import { limitsSchema } from './limits.ts';
import { isLoopbackHost } from '../lib/hosts.ts';
import { retentionSchema } from './retention.ts';
import { scheduleSchema } from './schedule.ts';
import { wakeSchema } from './wake.ts';

/** A trigger's name: part of URLs (/hooks/git/NAME, /latest/NAME/SCENE) and of queue keys. */
const triggerName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a trigger name is letters, digits, ".", "_" or "-"');
/** A folder inside a repository, relative to its root ("" or "." = the whole repository). */
const repoPath = z
  .string()
  .default('')
  .refine((p) => !p.startsWith('/') && !p.replace(/\\/g, '/').split('/').includes('..'), 'a path inside the repository: relative, without ".."');
/** What a trigger's renders use; the node's `render` defaults fill in the rest. */
const triggerRender = renderOptionsFields.partial().default({});

export const gitTriggerSchema = z.strictObject({
  name: triggerName,
  /** Any URL `git fetch` understands: https://, ssh://, git@host:path, file://, a local path. */
  repo: z.string().min(1),
  branch: z.string().min(1).default('main'),
  path: repoPath,
  /** Shared with the forge: it signs (GitHub, Gitea/Forgejo) or sends (GitLab) it with each push. */
  secret: z.string().min(1),
  render: triggerRender,
});
export type GitTrigger = z.infer<typeof gitTriggerSchema>;

export const cronTriggerSchema = z
  .strictObject({
    name: triggerName,
    /** Five-field cron, UTC, as graphile-worker's crontab reads it. */
    schedule: z.string().refine(validCron, 'not a cron schedule: five fields, e.g. "0 3 * * *" (UTC)'),
    /** A local directory (relative to the config file), or a folder inside `repo`. */
    path: z.string().min(1),
    repo: z.string().min(1).optional(),
    branch: z.string().min(1).optional(),
    render: triggerRender,
  })
  .refine((c) => c.repo !== undefined || c.branch === undefined, { message: 'branch needs a repo', path: ['branch'] });
export type CronTrigger = z.infer<typeof cronTriggerSchema>;

const triggersSchema = z
  .strictObject({
    git: z.array(gitTriggerSchema).default([]),
    crons: z.array(cronTriggerSchema).default([]),
  })
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    for (const name of [...t.git, ...t.crons].map((x) => x.name)) {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', message: `two triggers are named "${name}"; each needs its own name` });
      seen.add(name);
    }
  });

/** What a warm re-render's planning pass draws before it leaves the rest to other slots. */
export const DEFAULT_PLAN_FRAMES = 240;

export const configSchema = z.strictObject({
  name: z.string().min(1).default('home'),
  http: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8787),
      /** HTTPS with the node's self-signed certificate (nodes pin its fingerprint); auto: unless on loopback. */
      tls: z.enum(['auto', 'on', 'off']).default('auto'),
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
    .strictObject({
      perWorker: z.number().int().min(1).max(64).default(4),
      /** A floor, not the cut: how many segments a scene gets is the cutter's estimate of the
       *  shortest wall time, set-ups included (a fixed 240 left machines idle on short scenes). */
      minFrames: z.number().int().min(1).default(30),
      /** What starting a segment costs (forking the driver, constructing the scene), in seconds. */
      setupSeconds: z.number().min(0).max(600).default(2.5),
      /** Most plays in one cut, like a render farm's chunk size; 0 = as the cutter sees fit. */
      maxPlays: z.number().int().min(0).default(0),
      /** A render that reaches the end of its segment goes on into the next one while it is queued, and a
       *  slot with nothing left to take may end a running render early and take the rest (split.ts). */
      rebalance: z.boolean().default(true),
      /** Draw a play that alone would bound a scene's wall time in slices of its frames on
       *  several slots (src/cutting/slice.ts). */
      slices: z.boolean().default(true),
      /** Move the boundary between two slots' shares into a play when that shortens the wall time:
       *  one draws the play's first frames and encodes it, the other its last (src/cutting/boundary.ts). */
      insidePlays: z.boolean().default(true),
      /** Slice every play longer than this many frames into slices of about as many, as a farm's
       *  frames per task; 0: only plays the cutter finds bound the wall time. */
      sliceFrames: z.number().int().min(0).default(0),
      /** Start rendering from play 0 while the scene is still being planned. */
      lead: z.boolean().default(true),
      /** Most render slots per scene that, rather than wait for its plan, fast-forward from play 0
       *  meanwhile (with a lead), each keeping up to 16 paused copies of itself (~25 MB each). Only
       *  slots with LaTeX that no scene's lead or planning scout takes. On the lab (4 machines) the
       *  Benchmark scene took 63-80 s with them, 88 s without: the two slots that waited for the
       *  plan were idle 17 s each. A node with more slots than cores takes none (queue-keys.ts). */
      scouts: z.number().int().min(0).max(64).default(4),
    })
    .prefault({}),
  /** The farm's play cache (src/store/play-cache.ts): past `maxBytes` the least recently used plays go. */
  cache: z
    .strictObject({
      maxBytes: z.number().int().min(0).default(4 * 1024 ** 3),
      /** A re-render's planning pass draws the plays the cache misses, up to this many frames; the
       *  rest go to segments on free nodes. Default: all of them with one render slot, else
       *  DEFAULT_PLAN_FRAMES. */
      planFrames: z.number().int().min(0).optional(),
    })
    .prefault({}),
  /** The local cluster a `render` without `--cluster` starts on the embedded database. */
  local: z
    .strictObject({
      /** It is kept for later renders until idle this long (`up --idle-stop`); 0: it stops with its render. */
      keepMinutes: z.number().min(0).default(10),
    })
    .prefault({}),
  /** When this node takes work: hours of the day, and only while its user leaves it alone (schedule.ts). */
  schedule: scheduleSchema.prefault({}),
  /** Wake-on-LAN and sleeping when idle (wake.ts). */
  wake: wakeSchema,
  /** nice level of renders: above 0 keeps a machine in use responsive. */
  nice: z.number().int().min(0).max(19).default(10),
  /** What one render may use: wall time, memory, disk (see src/driver/limits.ts). */
  limits: limitsSchema,
  /** How long finished jobs and their files are kept (see src/config/retention.ts). */
  retention: retentionSchema,
  /** Most attempts for one segment before the job fails. */
  maxAttempts: z.number().int().min(1).max(25).default(3),
  /** Largest accepted upload, bytes. */
  maxUploadBytes: z.number().int().positive().default(64 * 1024 * 1024),
  /** Renders on a git push (`POST /hooks/git/NAME`) and on a schedule. */
  triggers: triggersSchema.prefault({}),
  database: z
    .strictObject({
      url: z.string().optional(),
      embedded: z.strictObject({ port: z.number().int().min(0).max(65535).optional() }).prefault({}),
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

/** Whether this node serves HTTPS (and its embedded Postgres SSL). */
export function servesTls(config: Config): boolean {
  return config.http.tls === 'on' || (config.http.tls === 'auto' && !isLoopbackHost(config.http.host));
}

/** Typed helper for `wrangler-like.config.ts`: returns its argument, checked by TypeScript. */
export function defineConfig(config: ConfigInput = {}): ConfigInput {
  return config;
}
