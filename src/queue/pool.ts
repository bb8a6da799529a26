import pg from 'pg';
import { APP_NAMES, IDLE_SECONDS } from '../db/client.ts';
import { log } from '../lib/log.ts';

/** graphile-worker's channel for "jobs were added"; its payload's `count` says how many. */
export const JOBS_INSERT_CHANNEL = 'jobs:insert';

/**
 * The pool graphile-worker's runner and WorkerUtils of one node share: its queries are short (fetch
 * a job, complete it, unlock), so one connection serves every render slot.
 *
 * graphile-worker 0.17 takes its LISTEN client with `pgPool.connect(listenForChanges)` (main.js) and
 * holds it for as long as the runner runs: a second long-lived connection per node beside the node's
 * own LISTEN connection. This pool never answers that one call; the node relays `jobs:insert` from
 * its own listener to the runner instead (runner.ts `nudges`), as graphile-worker's listener would,
 * and polling covers the rest. Recognised by the function's name: should a later graphile-worker
 * rename it, its listener simply gets a connection again.
 */
class QueuePool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: Parameters<pg.Pool['connect']>[0]): void;
  override connect(callback?: Parameters<pg.Pool['connect']>[0]): Promise<pg.PoolClient> | void {
    if (callback?.name === 'listenForChanges') return;
    // pg's own Pool#query takes its client this way too.
    return callback ? super.connect(callback) : super.connect();
  }
}

export function createQueuePool(connectionString: string, max = 1): pg.Pool {
  const pool = new QueuePool({ connectionString, max, idleTimeoutMillis: IDLE_SECONDS * 1000, application_name: APP_NAMES.queue });
  // A connection lost while idle or checked out (Postgres restarting) must not crash the node: pg
  // drops it and the next query reports the error, which graphile-worker retries.
  const lost = (err: Error) => log.warn({ error: err.message }, 'a queue database connection was lost');
  pool.on('error', lost);
  pool.on('connect', (client) => client.on('error', lost));
  return pool;
}

/** How many jobs a `jobs:insert` notification announces (graphile-worker's payload `{"count":n}`;
 *  older ones send none: one). */
export function jobsInserted(payload: string): number {
  try {
    const count: unknown = (JSON.parse(payload) as { count?: unknown }).count;
    return typeof count === 'number' ? count : 1;
  } catch {
    return 1;
  }
}
