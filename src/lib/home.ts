import { mkdirSync, readFileSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Where a node keeps what must survive restarts: token, embedded Postgres, caches. */
export function homeDir(configured?: string): string {
  const dir = configured ?? process.env.NN_HOME ?? join(homedir(), '.networknodes');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Reads a secret kept under NN_HOME, creating it (owner-only) the first time. */
export function readOrCreateSecret(home: string, name: string, bytes = 24): string {
  const file = join(home, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(bytes).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

export function clusterToken(home: string, override?: string): string {
  return override ?? readOrCreateSecret(home, 'token');
}
