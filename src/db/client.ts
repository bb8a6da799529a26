import postgres from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './schema.ts';
import { postgresJsTarget } from './tls.ts';
import { withBeforeCommit } from './before-commit.ts';

export type Db = PostgresJsDatabase<typeof schema> & { $client: Sql };
export type Sql = postgres.Sql;

/** application_name of each kind of connection, so `pg_stat_activity` says whose it is. */
export const APP_NAMES = { store: 'nn-store', listen: 'nn-listen', planLock: 'nn-plan-lock', idleWatch: 'nn-idle-watch' } as const;

/** A pool's connections close after this long unused, so an idle node holds few. Longer than the
 *  heartbeat (4 s): a node that beats keeps one warm instead of reconnecting (TLS, scram) each time. */
const IDLE_SECONDS = 20;

export interface Database {
  url: string;
  sql: Sql;
  db: Db;
  /** LISTEN on a channel. Every channel of a node shares one connection (postgres.js keeps one per
   *  instance, re-listening after a reconnect), apart from the query pool. `onRelisten` runs after
   *  each reconnect: what was notified while the connection was down never comes. */
  listen(channel: string, onNotify: (payload: string) => void, onRelisten?: () => void): Promise<{ unlisten(): Promise<void> }>;
  close(): Promise<void>;
}

/**
 * Postgres ends a session that sits this long inside a transaction, releasing its locks. A node can
 * stop between two statements of one (its machine suspends, its user stops it): until then its row
 * and advisory locks would hold up every other node (the reaper's lock, one held by a suspended
 * laptop, kept the whole cluster from taking back any lost work). None of our transactions waits
 * on anything but Postgres and local files between its statements.
 */
const IDLE_IN_TRANSACTION_MS = 30_000;

/** A postgres.js instance for `url` (TLS pinned the way the URL says), with its own application_name.
 *  `held`: its connection is never closed for being idle or old (it holds a session lock). */
export function postgresFor(url: string, opts: { max: number; name: string; held?: boolean }): Sql {
  const target = postgresJsTarget(url);
  // Only when pinned: a key present but undefined would hide a URL's own sslmode from postgres.js.
  return postgres(target.url, {
    max: opts.max,
    idle_timeout: opts.held ? 0 : IDLE_SECONDS,
    ...(opts.held && { max_lifetime: 0 }),
    ...(target.ssl && { ssl: target.ssl }),
    onnotice: () => {},
    connection: { application_name: opts.name, idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS },
  });
}

/** Postgres's "deadlock detected" and "could not serialize": the transaction it failed did nothing. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_TRIES = 5;

function retryable(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = e.code ?? e.cause?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

/**
 * Top-level transactions run their before-commit hooks (before-commit.ts: a job's events are
 * appended last), and run again when Postgres fails them to break a deadlock, as its manual advises:
 * with fifty nodes at work on one job, row locks taken in differing orders still meet now and then,
 * and a failed transaction would otherwise cost a render's try.
 */
function retryingTransactions(db: Db): Db {
  const transaction = db.transaction.bind(db);
  db.transaction = (async (fn, config) => {
    for (let tries = 1; ; tries++) {
      try {
        return await transaction((tx) => withBeforeCommit(tx, fn), config);
      } catch (err) {
        if (!retryable(err) || tries >= MAX_TRIES) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 50 * tries));
      }
    }
  }) as Db['transaction'];
  return db;
}

/**
 * One postgres.js pool and its drizzle view, plus the node's one LISTEN connection. `max` stays
 * small: every node has its own, and 50 nodes share one Postgres's `max_connections`.
 */
export function connect(url: string, max = 2): Database {
  const sql = postgresFor(url, { max, name: APP_NAMES.store });
  // Its own instance only so its connection carries its own application_name: it never queries.
  const listener = postgresFor(url, { max: 1, name: APP_NAMES.listen });
  const db = retryingTransactions(drizzle({ client: sql, schema, casing: 'snake_case' }));
  return {
    url,
    sql,
    db,
    listen: async (channel, onNotify, onRelisten) => {
      let listened = false;
      // postgres.js calls it on the first LISTEN and again on each re-LISTEN after a reconnect
      const onListen = () => (listened ? onRelisten?.() : (listened = true));
      const { unlisten } = await listener.listen(channel, onNotify, onListen);
      return { unlisten };
    },
    close: async () => {
      await Promise.all([sql.end({ timeout: 5 }), listener.end({ timeout: 5 })]);
    },
  };
}
