import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker';
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { workerLogger } from './logger.ts';

export interface EnqueueOptions {
  jobKey?: string;
  maxAttempts?: number;
  priority?: number;
  /** Nodes whose runner forbids one of these flags do not take the job. */
  flags?: string[];
}

/** The only coordination point: graphile-worker's queue in the shared Postgres. */
export interface Queue {
  utils: WorkerUtils;
  /** Enqueues inside the caller's transaction, so work appears exactly when its records commit. */
  add(tx: Tx, task: string, payload: unknown, opts?: EnqueueOptions): Promise<void>;
  release(): Promise<void>;
}

export async function createQueue(connectionString: string, defaultMaxAttempts: number): Promise<Queue> {
  const utils = await makeWorkerUtils({ connectionString, logger: workerLogger });
  return {
    utils,
    async add(tx, task, payload, opts = {}) {
      await tx.execute(sql`select graphile_worker.add_job(
        identifier => ${task},
        payload => ${JSON.stringify(payload)}::json,
        job_key => ${opts.jobKey ?? null},
        max_attempts => ${opts.maxAttempts ?? defaultMaxAttempts},
        priority => ${opts.priority ?? 0},
        flags => ${opts.flags?.length ? sql`${`{${opts.flags.map((f) => `"${f}"`).join(',')}}`}::text[]` : sql`null`}
      )`);
    },
    release: async () => utils.release(),
  };
}
