import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, type JobHelpers, type ParsedCronItem, type Task, type TaskList, type WorkerEvents, type WorkerPool } from 'graphile-worker';
import type pg from 'pg';
import { log } from '../lib/log.ts';
import { workerLogger } from './logger.ts';
import type { QueueLease } from './queue.ts';

export interface TaskCall {
  task: string;
  payload: unknown;
  attempt: number;
  maxAttempts: number;
  jobKey: string | null;
  /** The queue job and its lock holder (absent when graphile-worker did not say who locked it). */
  lease?: QueueLease;
}

/** Runs one claimed queue job; a thrown error makes graphile-worker retry it later. */
export type Dispatch = (call: TaskCall) => Promise<void>;

export interface RunnerHandle {
  /** Queue job ids this runner is executing now. */
  running: Set<string>;
  /** graphile-worker pool ids of this node: its jobs are locked by these, and unlocked by them if it dies. */
  workerIds: Set<string>;
  /** It stopped on its own: graphile-worker shuts its pool down when it cannot record jobs'
   *  outcomes, and a node that went on looking free would fetch nothing ever again. */
  ended(): boolean;
  stop(): Promise<void>;
}


/**
 * A graphile-worker runner that claims only the task names this node registered, so work that
 * needs a capability goes only to nodes that have it.
 */
export async function startRunner(opts: {
  /** The node's queue pool (pool.ts): it has no LISTEN connection of its own, hence `nudges`. */
  pgPool: pg.Pool;
  /** Subscribes to "n jobs were added" (the node's listener on pool.ts's JOBS_INSERT_CHANNEL); returns the unsubscribe. */
  nudges: (onInsert: (count: number) => void) => Promise<() => Promise<void>>;
  tasks: string[];
  concurrency: number;
  dispatch: Dispatch;
  /** Read before each fetch. */
  forbiddenFlags?: () => Promise<string[]>;
  /** graphile-worker's crontab: identical items on many nodes enqueue each run once. */
  cronItems?: ParsedCronItem[];
}): Promise<RunnerHandle> {
  const taskList: TaskList = {};
  const running = new Set<string>();
  let stopping = false;
  for (const name of opts.tasks) {
    // A job unlocked while it ran (its end lost, then releaseStale) may be another node's now: the
    // completion graphile-worker makes when this returns deletes it only while this pool still
    // holds its lock (patches/graphile-worker+0.17.3.patch); by its id alone, a segment would stay
    // queued with no queue job. A job handed back from a node taken for dead has a new id (handBack).
    const task: Task = async (payload, helpers) => {
      running.add(helpers.job.id);
      try {
        await opts.dispatch({
          task: name,
          payload,
          attempt: helpers.job.attempts,
          maxAttempts: helpers.job.max_attempts,
          jobKey: helpers.job.key,
          ...(helpers.job.locked_by ? { lease: { jobId: helpers.job.id, lockedBy: helpers.job.locked_by } } : {}),
        });
      } finally {
        await untilDatabaseAnswers(helpers, () => stopping);
        running.delete(helpers.job.id);
      }
    };
    taskList[name] = task;
  }
  // Our own emitter, passed in: the pool is created inside run(), before it returns.
  const events: WorkerEvents = new EventEmitter();
  const workerIds = new Set<string>();
  let pool: WorkerPool | undefined;
  events.on('pool:create', ({ workerPool }) => {
    pool = workerPool;
    workerIds.add(workerPool.id);
  });
  events.on('job:error', ({ job, error }) => {
    log.warn({ task: job.task_identifier, attempt: job.attempts, error: String(error) }, 'queue job failed, will retry');
  });
  const runner = await run({
    events,
    parsedCronItems: opts.cronItems ?? [],
    forbiddenFlags: opts.forbiddenFlags,
    pgPool: opts.pgPool,
    concurrency: opts.concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList,
    logger: workerLogger,
  });
  // What graphile-worker's own listener does: wake as many idle workers as jobs were added (not
  // while shutting down: its workers refuse a nudge then).
  const unsubscribe = await opts.nudges((count) => {
    if (count > 0 && !stopping && pool && !pool._shuttingDown) pool.nudge(count);
  });
  let ended = false;
  // graphile-worker's runner promise settles when it stops, asked to or not (it logs why)
  void runner.promise.catch(() => {}).finally(() => (ended = true));
  return {
    running,
    workerIds,
    ended: () => ended && !stopping,
    stop: async () => {
      stopping = true;
      await unsubscribe();
      // one that stopped on its own refuses a second stop
      if (!ended) await runner.stop();
    },
  };
}

/**
 * graphile-worker 0.17 records a job's outcome without awaiting it and retries no refused
 * connection, so an outcome reached while Postgres restarts would crash the node with an unhandled
 * rejection; the task hands its outcome back only once the database answers again.
 */
async function untilDatabaseAnswers(helpers: JobHelpers, stopping: () => boolean): Promise<void> {
  for (let delay = 250, warned = false; ; delay = Math.min(delay * 2, 5000)) {
    try {
      await helpers.withPgClient((client) => client.query('select 1'));
      return;
    } catch (err) {
      if (stopping()) return;
      if (!warned) log.warn({ task: helpers.job.task_identifier, error: String(err) }, 'database unreachable: holding this job’s outcome until it answers');
      warned = true;
      await sleep(delay);
    }
  }
}
