import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const FILE = 'postgres-problem.json';
const problemSchema = z.object({ message: z.string(), at: z.string() });
export type DatabaseProblem = z.infer<typeof problemSchema>;

/** What Postgres says when its disk is full (SQLSTATE 53100 disk_full, ENOSPC on a write). */
export const DISK_FULL = /No space left on device|disk full|53100|could not extend file/i;

/**
 * Why the embedded Postgres of a home does not run, kept in the home for `doctor` and `nodes` to
 * report: a full disk is not mended by starting Postgres again, the user has to free space.
 */
export function recordDatabaseProblem(home: string, message: string): void {
  writeFileSync(join(home, FILE), JSON.stringify({ message, at: new Date().toISOString() }) + '\n');
}

export function clearDatabaseProblem(home: string): void {
  rmSync(join(home, FILE), { force: true });
}

export function databaseProblem(home: string): DatabaseProblem | undefined {
  try {
    return problemSchema.parse(JSON.parse(readFileSync(join(home, FILE), 'utf8')));
  } catch {
    return undefined;
  }
}
