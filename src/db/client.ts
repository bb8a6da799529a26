import postgres from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './schema.ts';

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
  const sql = postgres(url, { max, onnotice: () => {}, connection: { application_name: 'networknodes' } });
  const db = drizzle({ client: sql, schema, casing: 'snake_case' });
  return { url, sql, db, close: () => sql.end({ timeout: 5 }) };
}
