import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker';
import type pg from 'pg';
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { workerLogger } from './logger.ts';
import { queuePriority } from './job-priority.ts';

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
export interface Queue {
  utils: WorkerUtils;
  /** Enqueues inside the caller's transaction, so work appears exactly when its records commit. */
  add(tx: Tx, task: string, payload: unknown, opts?: EnqueueOptions): Promise<void>;
  /** Removes the queued job with this key inside the caller's transaction (a running one is left to end). */
  remove(tx: Tx, jobKey: string): Promise<void>;
  /**
   * Unlocks jobs still locked by these pools that they are not running: after a database outage a
   * finished job's completion can be lost, and graphile-worker would keep it locked for four hours.
   * Jobs locked in the last 30 s are left alone (just fetched, not started yet).
   */
  releaseStale(tx: Tx, poolIds: string[], running: string[]): Promise<void>;
  /**
   * Gives back the try of jobs that ended through no fault of their own (their node died or shut
   * down cleanly): graphile-worker counts every fetch as an attempt, so a segment whose nodes kept
   * dying would otherwise end up with no attempts left and nobody ever running it.
   */
  refund(tx: Tx, jobKeys: string[]): Promise<void>;
  /** The jobs a dead node's pools held go back to the queue now, their try given back (see refund). */
  handBack(tx: Tx, poolIds: string[]): Promise<void>;
  /**
   * Jobs the queue will never run again, their attempts used up, taken out of the queue (the caller
   * records their end in the same transaction): what a failure the node could not record leaves.
   */
  takeGivenUp(tx: Tx): Promise<GivenUpJob[]>;
  release(): Promise<void>;
}

export type GivenUpJob = {
  task: string;
  payload: unknown;
  attempts: number;
  lastError: string | null;
};

const textArray = (xs: string[]) => `{${xs.map((x) => JSON.stringify(x)).join(',')}}`;

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
    async remove(tx, jobKey) {
      await tx.execute(sql`select graphile_worker.remove_job(${jobKey})`);
    },
    async releaseStale(tx, poolIds, running) {
      if (!poolIds.length) return;
      await tx.execute(sql`update graphile_worker._private_jobs
        set locked_at = null, locked_by = null
        where locked_by = any(${`{${poolIds.join(',')}}`}::text[])
          and not (id = any(${`{${running.join(',')}}`}::bigint[]))
          and locked_at < now() - interval '30 seconds'`);
    },
    async refund(tx, jobKeys) {
      if (!jobKeys.length) return;
      await tx.execute(sql`update graphile_worker._private_jobs set attempts = greatest(attempts - 1, 0)
        where key = any(${textArray(jobKeys)}::text[])`);
    },
    async handBack(tx, poolIds) {
      if (!poolIds.length) return;
      await tx.execute(sql`update graphile_worker._private_jobs set attempts = greatest(attempts - 1, 0)
        where locked_by = any(${textArray(poolIds)}::text[])`);
      // In this transaction: graphile-worker's own call would wait on the rows locked just above.
      await tx.execute(sql`select graphile_worker.force_unlock_workers(${textArray(poolIds)}::text[])`);
    },
    async takeGivenUp(tx) {
      return tx.execute<GivenUpJob>(sql`delete from graphile_worker._private_jobs j
        using graphile_worker._private_tasks t
        where t.id = j.task_id and j.attempts >= j.max_attempts and j.locked_at is null
        returning t.identifier as task, j.payload, j.attempts, j.last_error as "lastError"`);
    },
    release: async () => utils.release(),
  };
}
