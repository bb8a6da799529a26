import postgres from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './schema.ts';
import { postgresJsTarget } from './tls.ts';

export type Db = PostgresJsDatabase<typeof schema>;
export type Sql = postgres.Sql;

export interface Database {
  url: string;
  sql: Sql;
  db: Db;
  close(): Promise<void>;
}

/** One postgres.js pool and its drizzle view; `max` stays small because every node has its own. */
export function connect(url: string, max = 10): Database {
  const target = postgresJsTarget(url);
  // Only when pinned: a key present but undefined would hide a URL's own sslmode from postgres.js.
  const sql = postgres(target.url, { max, ...(target.ssl && { ssl: target.ssl }), onnotice: () => {}, connection: { application_name: 'networknodes' } });
  const db = drizzle({ client: sql, schema, casing: 'snake_case' });
  return { url, sql, db, close: () => sql.end({ timeout: 5 }) };
}
