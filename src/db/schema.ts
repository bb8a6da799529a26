import {
  pgTable, text, uuid, integer, bigint, bigserial, jsonb, timestamp, boolean, customType, primaryKey, index, real, type AnyPgColumn,
} from 'drizzle-orm/pg-core';

import type { JobError, SegmentFailure } from '../model/errors.ts';
import type { ScenePlan } from '../model/plan.ts';
import type { Schedule } from '../config/schedule.ts';
import type { RenderOptions } from '../model/render-options.ts';
import type { JobState, NodePower, NodeState, SceneState, SegmentState } from '../model/states.ts';

export type { JobError, SegmentFailure } from '../model/errors.ts';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
const now = () => timestamp({ withTimezone: true, mode: 'date' }).notNull().defaultNow();
const at = () => timestamp({ withTimezone: true, mode: 'date' });

/** Uploaded sources, content-addressed: one bundle per distinct set of files. */
export const bundles = pgTable('bundles', {
  id: text().primaryKey(), // sha256 of the sorted (path, bytes) pairs
  size: bigint({ mode: 'number' }).notNull(),
  createdAt: now(),
});

export const bundleFiles = pgTable('bundle_files', {
  bundleId: text().notNull().references(() => bundles.id, { onDelete: 'cascade' }),
  path: text().notNull(),
  bytes: bytea().notNull(),
}, (t) => [primaryKey({ columns: [t.bundleId, t.path] })]);

export const jobs = pgTable('jobs', {
  id: uuid().primaryKey().defaultRandom(),
  kind: text().$type<'render' | 'function'>().notNull(),
  state: text().$type<JobState>().notNull().default('queued'),
  source: text().notNull().default('api'),
  bundleId: text().references(() => bundles.id),
  entry: text(),
  /** Which project the files are a version of (JobRequest.project): null for a client that named none. */
  project: text(),
  sceneNames: jsonb().$type<string[]>(),
  // A render job's, checked when it was submitted; a function job's are {} and never read.
  options: jsonb().$type<RenderOptions>().notNull().default({} as RenderOptions),
  functionName: text(),
  /** The trigger that made this job (triggers.git / triggers.crons name), and the commit it rendered. */
  trigger: text(),
  commit: text(),
  input: jsonb(),
  result: jsonb(),
  error: jsonb().$type<JobError>(),
  createdAt: now(),
  startedAt: at(),
  finishedAt: at(),
  /** Queue order against other jobs, lowest first (src/queue/job-priority.ts). */
  priority: integer().notNull().default(0),
  /** The job this one retries (src/store/retry.ts): same bundle and options. */
  retryOf: uuid().references((): AnyPgColumn => jobs.id, { onDelete: 'set null' }),
}, (t) => [index().on(t.createdAt), index().on(t.trigger, t.createdAt), index().on(t.commit)]);

export const scenes = pgTable('scenes', {
  id: uuid().primaryKey().defaultRandom(),
  jobId: uuid().notNull().references(() => jobs.id, { onDelete: 'cascade' }),
  name: text().notNull(),
  position: integer().notNull(),
  state: text().$type<SceneState>().notNull().default('planning'),
  plan: jsonb().$type<ScenePlan>(),
  totalFrames: integer(),
  error: jsonb().$type<JobError>(),
  stitchNode: text(),
  startedAt: at(),
  finishedAt: at(),
}, (t) => [index().on(t.jobId)]);

export const segments = pgTable('segments', {
  id: uuid().primaryKey().defaultRandom(),
  jobId: uuid().notNull().references(() => jobs.id, { onDelete: 'cascade' }),
  sceneId: uuid().notNull().references(() => scenes.id, { onDelete: 'cascade' }),
  position: integer().notNull(),
  fromPlay: integer().notNull(),
  toPlay: integer().notNull(),
  /** A slice of one play (fromPlay = toPlay): its frames fromFrame..toFrame-1, counted from the
   *  play's first; null for a run of whole plays. */
  fromFrame: integer(),
  toFrame: integer(),
  /** Encodes its play's partial movie file from the play's slices, in order, as they land (its
   *  frame range is the whole play; it draws none of it). */
  encodes: boolean().notNull().default(false),
  frames: integer().notNull(),
  cost: real().notNull(),
  state: text().$type<SegmentState>().notNull().default('queued'),
  nodeId: text(),
  attempts: integer().notNull().default(0),
  framesDone: integer().notNull().default(0),
  /** The play a running segment is at (a scout: fast-forwarding, before it knows its start). */
  atPlay: integer(),
  /** A scout's exact fast-forward over plays 0, 1, … so far: the CPU seconds each took (its code
   *  before the play too). The cutter weighs the plays before a share by them (cutting/forwarded.ts). */
  forwarded: real().array(),
  /** What a scout's frame in the middle of each of those plays took to draw (CPU seconds, 0 where
   *  it drew none): set beside the planning pass's own sample (cutting/draw-samples.ts). */
  drawSamples: real().array(),
  /** When its render reported its last play start, when it started drawing (past any fast-forward
   *  or scouting) and from which play: how fast its machine draws, for a split (split.ts). */
  progressAt: at(),
  drawingSince: at(),
  drawingFrom: integer(),
  /** The rate the cut weighed a lead's or scout's machine at (cutting/rate.ts: its drawing, or its
   *  fast-forward, so far): its rate until it has drawn a play of its share. */
  cutRate: real(),
  /** A free slot asks the running render to end after this play, so that it draws the rest: its
   *  node answers (store/segments/split.ts), since only it knows whether the render is past it. */
  splitAt: integer(),
  /** With `splitAt`: the render ends inside that play, the one it is drawing, at about this frame
   *  and not after `splitLatest` (driver/nn_driver/live_cut.py); its node picks the frame. */
  splitFrame: integer(),
  splitLatest: integer(),
  /** The running segment a split took this one's plays from: that render does not go on into it. */
  splitFrom: uuid(),
  /** A scout that is the scene's planning pass: it records the plan, then renders a share. */
  plans: boolean().notNull().default(false),
  /** Its order within its job's queue band (job-priority.ts), kept for every time it is queued again. */
  priority: integer().notNull().default(0),
  error: jsonb().$type<JobError>(),
  /** Every failed try: which node, what went wrong. A node that failed a segment is avoided for it. */
  failures: jsonb().$type<SegmentFailure[]>().notNull().default([]),
  startedAt: at(),
  finishedAt: at(),
}, (t) => [index().on(t.sceneId), index().on(t.jobId)]);

export type ArtifactKind = 'partial' | 'slice' | 'frame' | 'poster' | 'output';

/** Every byte a node makes lives here: nodes share no filesystem. */
export const artifacts = pgTable('artifacts', {
  id: uuid().primaryKey().defaultRandom(),
  jobId: uuid().notNull().references(() => jobs.id, { onDelete: 'cascade' }),
  sceneId: uuid().references(() => scenes.id, { onDelete: 'cascade' }),
  segmentId: uuid().references(() => segments.id, { onDelete: 'cascade' }),
  kind: text().$type<ArtifactKind>().notNull(),
  name: text().notNull(),
  position: integer().notNull().default(0),
  contentType: text().notNull(),
  size: bigint({ mode: 'number' }).notNull(),
  createdAt: now(),
}, (t) => [index().on(t.jobId, t.kind), index().on(t.sceneId, t.kind)]);

/**
 * An artifact's bytes in pieces of a few MiB, by their offset in the file: postgres.js carries bytea
 * as hex text, so one value cannot hold a file over about 256 MiB, and a piece at a time keeps
 * storing, reading and serving (Range included) in constant memory.
 */
export const artifactChunks = pgTable('artifact_chunks', {
  artifactId: uuid().notNull().references(() => artifacts.id, { onDelete: 'cascade' }),
  offset: bigint({ mode: 'number' }).notNull(),
  bytes: bytea().notNull(),
}, (t) => [primaryKey({ columns: [t.artifactId, t.offset] })]);

/**
 * SVGs of LaTeX formulas and Pango texts, named as manim names them in its media folder
 * ("Tex/<hash>.svg", "texts/<hash>.svg"; the hash covers the whole source). LaTeX runs once in the
 * cluster: every render after that, on any node and in any later job, takes the SVG from here.
 */
export const texCache = pgTable('tex_cache', {
  name: text().primaryKey(),
  bytes: bytea().notNull(),
  createdAt: at().notNull().defaultNow(),
});

export const nodes = pgTable('nodes', {
  id: text().primaryKey(),
  name: text().notNull(),
  hostname: text().notNull(),
  addresses: jsonb().$type<string[]>().notNull().default([]),
  os: text().notNull(),
  cores: integer().notNull(),
  memoryBytes: bigint({ mode: 'number' }).notNull(),
  versions: jsonb().$type<Record<string, unknown>>().notNull().default({}),
  functions: jsonb().$type<string[]>().notNull().default([]),
  concurrency: integer().notNull(),
  /** How fast it computed as it started (runtime/speed.ts): which machine takes a new scene's
   *  planning pass, before any render measured a rate. */
  speed: real(),
  state: text().$type<NodeState>().notNull().default('online'),
  coordinator: boolean().notNull().default(false),
  url: text(),
  current: jsonb().$type<unknown[]>().notNull().default([]),
  /** graphile-worker pool ids: a dead node's jobs are unlocked by these. */
  workerIds: jsonb().$type<string[]>().notNull().default([]),
  /** Why this node takes no render work, when it takes none (e.g. a different render stack). */
  reason: text(),
  /** Why it takes no work now by its own rules (its schedule, its user active), set at each heartbeat. */
  offWork: text(),
  /** Wake-on-LAN: the MAC of the interface that carries its address, the broadcast address to send
   *  magic packets to, and whether it asked to be woken (config wake.enabled, `join --wakeable`). */
  mac: text(),
  broadcast: text(),
  wakeable: boolean().notNull().default(false),
  /** awake (heart-beating), asleep (announced it, or stopped heart-beating while wakeable), waking
   *  (magic packets sent at powerSince); powerNote says why when it is not plain. */
  power: text().$type<NodePower>().notNull().default('awake'),
  powerSince: now(),
  powerNote: text(),
  /** When magic packets last went to it: a node that did not wake is not woken again at once. */
  wokenAt: at(),
  /** Its config's schedule: the coordinator wakes no node outside its hours. */
  schedule: jsonb().$type<Schedule>(),
  startedAt: now(),
  lastSeen: now(),
});

export const events = pgTable('events', {
  id: bigserial({ mode: 'number' }).primaryKey(),
  jobId: uuid().notNull().references(() => jobs.id, { onDelete: 'cascade' }),
  seq: integer().notNull(),
  type: text().notNull(),
  data: jsonb().notNull().default({}),
  createdAt: now(),
}, (t) => [index().on(t.jobId, t.seq)]);

export type TriggerOutcome = 'rendered' | 'unchanged' | 'ignored' | 'failed';

/** Every time a trigger fired (a push arrived, a cron came due) and what came of it. */
export const triggerRuns = pgTable('trigger_runs', {
  id: bigserial({ mode: 'number' }).primaryKey(),
  trigger: text().notNull(),
  kind: text().$type<'git' | 'cron'>().notNull(),
  at: now(),
  commit: text(),
  /** The content hash of what the run bundled: a cron run with the same hash as the last renders nothing. */
  bundleId: text(),
  outcome: text().$type<TriggerOutcome>().notNull(),
  reason: text(),
  /** The render jobs the run created, one per scene file. */
  jobIds: jsonb().$type<string[]>().notNull().default([]),
}, (t) => [index().on(t.trigger, t.at)]);

/**
 * The farm's play cache (issue 12): one play's partial movie file by its key, the digest of
 * everything that decides its pixels (driver/nn_driver/play_key.py). Shared by every job and node;
 * `usedAt` orders least-recently-used eviction. `scene` names the scene that made it, for a flush
 * and for deciding whether a re-render is worth planning before it draws.
 */
export const playCache = pgTable('play_cache', {
  key: text().primaryKey(),
  scene: text().notNull(),
  /** The piece's file extension and content type, as the render stored it (".mp4", "video/mp4"). */
  ext: text().notNull(),
  contentType: text().notNull(),
  size: bigint({ mode: 'number' }).notNull(),
  bytes: bytea().notNull(),
  createdAt: now(),
  usedAt: now(),
}, (t) => [index().on(t.scene), index().on(t.usedAt)]);
