import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Sql } from '../db/client.ts';

/** graphile-worker's channel for "jobs were added"; its payload's `count` says how many. */
export const JOBS_INSERT_CHANNEL = 'jobs:insert';

type Query = string | { text: string; values?: unknown[] };
type Runner = Pick<Sql, 'unsafe'>;

async function run(sql: Runner, query: Query, values?: unknown[]) {
  const text = typeof query === 'string' ? query : query.text;
  const params = (typeof query === 'string' ? values : (query.values ?? values)) ?? [];
  // postgres.js types its parameters loosely at run time as node-postgres does (strings, numbers,
  // dates, arrays, null): the shapes graphile-worker sends.
  const rows = await sql.unsafe(text, params as Parameters<Sql['unsafe']>[1]);
  return { rows: [...rows], rowCount: rows.count, command: rows.command };
}

/**
 * The node's store pool (postgres.js), shaped as the node-postgres Pool graphile-worker takes: its
 * runner and utilities then queue their short queries (fetch a job, complete it, unlock) on the
 * store's few connections instead of a pool of their own. graphile-worker uses `connect()` (a client
 * with `query` and `release`), `query()`, and the pool's error events, which nothing here emits
 * (postgres.js reports a lost connection on the query that used it).
 *
 * graphile-worker 0.17 also takes a LISTEN client, with the callback form `connect(listenForChanges)`
 * (main.js; the only caller of that form), and holds it while the runner runs: a second long-lived
 * connection per node beside the node's own LISTEN connection. That call is never answered; the node
 * relays `jobs:insert` from its own listener to the runner instead (runner.ts `nudges`), as
 * graphile-worker's listener would, and polling covers the rest.
 */
class StorePool extends EventEmitter {
  readonly options: { max: number };

  constructor(
    private readonly sql: Sql,
    max: number,
  ) {
    super();
    this.options = { max };
    // Present, so graphile-worker does not warn that the pool has no error handlers.
    this.on('error', () => {});
    this.on('connect', () => {});
  }

  connect(listener?: unknown) {
    if (listener) return undefined;
    return this.sql.reserve().then((conn) => ({
      query: (query: Query, values?: unknown[]) => run(conn, query, values),
      release: () => conn.release(),
    }));
  }

  query(query: Query, values?: unknown[]) {
    return run(this.sql, query, values);
  }

  /** The store's pool is the node's to end. */
  async end(): Promise<void> {}
}

/** graphile-worker's pool for a node: its store pool, `max` the store pool's size. */
export function queuePoolOver(sql: Sql, max: number): pg.Pool {
  // The subset of pg.Pool graphile-worker 0.17 uses (see StorePool); the full type is its parameter's.
  return new StorePool(sql, max) as unknown as pg.Pool;
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
