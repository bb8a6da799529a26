import { execFileSync } from 'node:child_process';

/** Postgres servers whose data directory is under `home`. */
export function postgresUnder(home: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', 'postgres'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(home) && l.includes(' -D '));
  } catch (err) {
    // pgrep exits 1 when nothing matches; a missing pgrep or any other failure is no answer at all.
    if ((err as { status?: number }).status === 1) return [];
    throw err;
  }
}
