import { readFileSync } from 'node:fs';
import { pinnedTlsOptions } from '../lib/cert.ts';

/** Query parameters of a node's database URL that postgres.js does not read (node-postgres does). */
const PG_ONLY = ['sslmode', 'sslrootcert', 'uselibpqcompat'];

/**
 * A database URL as postgres.js takes it. A node's URL pins the coordinator's certificate the
 * libpq way (`sslmode=verify-ca&sslrootcert=FILE`), which node-postgres (graphile-worker) reads
 * with `uselibpqcompat=true`; postgres.js reads none of it, so its TLS options are built here.
 */
export function postgresJsTarget(url: string): { url: string; ssl?: ReturnType<typeof pinnedTlsOptions> } {
  const u = new URL(url);
  const rootCert = u.searchParams.get('sslrootcert');
  if (!rootCert) return { url };
  for (const p of PG_ONLY) u.searchParams.delete(p);
  return { url: u.toString(), ssl: pinnedTlsOptions(readFileSync(rootCert, 'utf8')) };
}

/** The URL a node connects with: the coordinator's, with its certificate (kept at `certFile`) pinned. */
export function pinnedDatabaseUrl(url: string, certFile: string): string {
  const u = new URL(url);
  u.searchParams.set('sslmode', 'verify-ca');
  u.searchParams.set('sslrootcert', certFile);
  u.searchParams.set('uselibpqcompat', 'true');
  return u.toString();
}
