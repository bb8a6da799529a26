import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker';
import type pg from 'pg';
import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { workerLogger } from './logger.ts';
import { queuePriority } from './job-priority.ts';
import { JOBS_INSERT_CHANNEL } from './pool.ts';

export interface EnqueueOptions {
  jobKey?: string;
  /** With a jobKey: 'replace' (the default) moves the job to the new run_at, i.e. debounces. */
  jobKeyMode?: 'replace' | 'preserve_run_at';
  /** Jobs of one named queue run one at a time. */
  queueName?: string;
  maxAttempts?: number;
  /** Order within the task's job, lowest first; the job's own priority is added (job-priority.ts). */
  priority?: number;
  /** Nodes whose runner forbids one of these flags do not take the job. */
  flags?: string[];
  /** Not before then. */
  runAt?: Date;
}

/** The only coordination point: graphile-worker's queue in the shared Postgres. */
/** The queue job a call runs as, and the pool that locked it for this node. */
export interface QueueLease {
  jobId: string;
  lockedBy: string;
}

export interface Queue {
  utils: WorkerUtils;
  /** Enqueues inside the caller's transaction, so work appears exactly when its records commit. */
  add(tx: Tx, task: string, payload: unknown, opts?: EnqueueOptions): Promise<void>;
  /** Jobs with these keys that wait for a later run-at, not fetched by anyone, run now. */
  wake(tx: Tx, jobKeys: string[]): Promise<void>;
  /** Removes the queued job with this key inside the caller's transaction (a running one is left to end). */
  remove(tx: Tx, jobKey: string): Promise<void>;
  /**
   * Puts back jobs still locked by these pools that they are not running, under new ids: after a
   * database outage a finished job's completion can be lost, and graphile-worker would keep it
   * locked for four hours. Jobs locked in the last 30 s are left alone (just fetched, not started yet).
   */
  releaseStale(tx: Tx, poolIds: string[], running: string[]): Promise<void>;
  /**
   * Gives back the try of jobs that ended through no fault of their own (their node died or shut
   * down cleanly): graphile-worker counts every fetch as an attempt, so a segment whose nodes kept
   * dying would otherwise end up with no attempts left and nobody ever running it.
   */
  refund(tx: Tx, jobKeys: string[]): Promise<void>;
  /** The jobs a dead node's pools held go back to the queue now, under new ids, their try given back (see refund). */
  handBack(tx: Tx, poolIds: string[]): Promise<void>;
  /**
   * Jobs the queue will never run again, their attempts used up, taken out of the queue (the caller
   * records their end in the same transaction): what a failure the node could not record leaves.
   */
  takeGivenUp(tx: Tx): Promise<GivenUpJob[]>;
  /**
   * Of these keys, those the queue will not run: no job holds the key, or its job has been locked
   * for over 30 s by a pool that is not one of `pools` (the pools live nodes run), so nobody will
   * ever end it. What a lost completion or lock leaves, that no reaper sees: its node still lives.
   */
  unheld(tx: Tx, jobKeys: string[], pools: string[]): Promise<{ key: string; lockedBy: string | null }[]>;
  /** Queue jobs of these tasks with tries left, queued or running: the work there is to do. */
  backlog(tx: Tx, tasks: string[]): Promise<number>;
  /**
   * Whether the queue still holds this job for the pool that locked it, and no newer job took its
   * key. A node taken for dead has its jobs handed back (handBack) while its process may still run
   * them: work it would claim after that is another node's now; so is the work of a retired job.
   * The job's row stays share-locked to the end of `tx`, so a hand-back waits for the claim that
   * checked it.
   */
  holds(tx: Tx, lease: QueueLease): Promise<boolean>;
  release(): Promise<void>;
}

export type GivenUpJob = {
  task: string;
  payload: unknown;
  attempts: number;
  lastError: string | null;
};

const textArray = (xs: string[]) => `{${xs.map((x) => JSON.stringify(x)).join(',')}}`;

/** Tasks always added with a job key (store/queue-keys.ts): one of them without a key was retired
 *  (graphile-worker took its key for a newer job, or removed it, while it ran). Over jobs `j`, tasks `t`. */
const KEYED_TASKS = ['plan', 'render-segment', 'stitch'];
const RETIRED = sql`(j.key is null and t.identifier = any(${textArray(KEYED_TASKS)}::text[]))`;

/**
 * Jobs taken from the pool that locked them go back to the queue unlocked, under new ids (with
 * `giveTryBack`, one attempt fewer). Unlocked in place, the same pool (its process may still run)
 * could fetch one again in another slot, and the first slot's completion, by id and pool, would
 * delete the job the second one runs: its segment would stay queued with no queue job. A new id
 * also ends every lease on the old one (Queue.holds). `where` is over `_private_jobs`.
 */
async function reissue(tx: Tx, where: SQL, giveTryBack: boolean): Promise<void> {
  await tx.execute(sql`with gone as (delete from graphile_worker._private_jobs where ${where} returning *),
    back as (insert into graphile_worker._private_jobs (job_queue_id, task_id, payload, priority, run_at, attempts, max_attempts, last_error, created_at, key, revision, flags)
      select job_queue_id, task_id, payload, priority, run_at, ${giveTryBack ? sql`greatest(attempts - 1, 0)` : sql`attempts`}, max_attempts, last_error, created_at, key, revision + 1, flags from gone
      returning 1)
    select pg_notify(${JOBS_INSERT_CHANNEL}, json_build_object('count', count(*))::text) from back having count(*) > 0`);
}

/** The queue's utilities on the node's queue pool (pool.ts), which its runner shares; the caller ends the pool. */
export async function createQueue(pgPool: pg.Pool, defaultMaxAttempts: number): Promise<Queue> {
  const utils = await makeWorkerUtils({ pgPool, logger: workerLogger });
  return {
    utils,
    async add(tx, task, payload, opts = {}) {
      await tx.execute(sql`select graphile_worker.add_job(
        identifier => ${task},
        payload => ${JSON.stringify(payload)}::json,
        job_key => ${opts.jobKey ?? null},
        job_key_mode => ${opts.jobKeyMode ?? 'replace'},
        queue_name => ${opts.queueName ?? null},
        max_attempts => ${opts.maxAttempts ?? defaultMaxAttempts},
        priority => ${queuePriority(payload, opts.priority)},
        run_at => ${opts.runAt?.toISOString() ?? null}::timestamptz,
        flags => ${opts.flags?.length ? sql`${`{${opts.flags.map((f) => `"${f}"`).join(',')}}`}::text[]` : sql`null`}
      )`);
    },
    async wake(tx, jobKeys) {
      await tx.execute(sql`with woken as (update graphile_worker._private_jobs set run_at = now()
          where key = any(${textArray(jobKeys)}::text[]) and locked_at is null and run_at > now() returning 1)
        select pg_notify(${JOBS_INSERT_CHANNEL}, json_build_object('count', count(*))::text) from woken having count(*) > 0`);
    },
    async remove(tx, jobKey) {
      await tx.execute(sql`select graphile_worker.remove_job(${jobKey})`);
    },
    async releaseStale(tx, poolIds, running) {
      if (!poolIds.length) return;
      await reissue(tx, sql`locked_by = any(${textArray(poolIds)}::text[]) and not (id = any(${`{${running.join(',')}}`}::bigint[]))
        and locked_at < now() - interval '30 seconds'`, false);
    },
    async refund(tx, jobKeys) {
      if (!jobKeys.length) return;
      await tx.execute(sql`update graphile_worker._private_jobs set attempts = greatest(attempts - 1, 0)
        where key = any(${textArray(jobKeys)}::text[])`);
    },
    async handBack(tx, poolIds) {
      if (!poolIds.length) return;
      const pools = textArray(poolIds);
      // A keyed job whose key graphile-worker took while it ran (add_job on that key made a newer
      // one, or remove_job retired it) must never run again: a try given back would revive it
      // beside its successor, and two nodes would render one segment.
      await tx.execute(sql`delete from graphile_worker._private_jobs j using graphile_worker._private_tasks t
        where t.id = j.task_id and j.locked_by = any(${pools}::text[]) and ${RETIRED}`);
      await reissue(tx, sql`locked_by = any(${pools}::text[])`, true);
      // Their named queues stay locked by the dead pools otherwise. In this transaction:
      // graphile-worker's own call would wait on the rows locked above.
      await tx.execute(sql`select graphile_worker.force_unlock_workers(${pools}::text[])`);
    },
    async holds(tx, lease) {
      const rows = await tx.execute(sql`select 1 from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
        where j.id = ${lease.jobId} and j.locked_by = ${lease.lockedBy} and not ${RETIRED} for share of j`);
      return rows.length > 0;
    },
    async takeGivenUp(tx) {
      // A retired keyed job (its end lost, then unlocked by releaseStale) goes too, but its work was
      // handed to the newer job that took its key: that is not given up.
      return tx.execute<GivenUpJob>(sql`with gone as (delete from graphile_worker._private_jobs j
          using graphile_worker._private_tasks t
          where t.id = j.task_id and j.attempts >= j.max_attempts and j.locked_at is null
          returning t.identifier as task, j.payload, j.attempts, j.last_error, ${RETIRED} as retired)
        select task, payload, attempts, last_error as "lastError" from gone where not retired`);
    },
    async unheld(tx, jobKeys, pools) {
      if (!jobKeys.length) return [];
      return tx.execute<{ key: string; lockedBy: string | null }>(sql`select k.key, j.locked_by as "lockedBy"
        from unnest(${textArray(jobKeys)}::text[]) k(key) left join graphile_worker._private_jobs j on j.key = k.key
        where j.id is null or (j.locked_at < now() - interval '30 seconds' and not j.locked_by = any(${textArray(pools)}::text[]))`);
    },
    async backlog(tx, tasks) {
      const [row] = await tx.execute<{ n: number }>(sql`select count(*)::int as n from graphile_worker._private_jobs j
        join graphile_worker._private_tasks t on t.id = j.task_id
        where t.identifier = any(${textArray(tasks)}::text[]) and j.attempts < j.max_attempts`);
      return row?.n ?? 0;
    },
    release: async () => utils.release(),
  };
}
