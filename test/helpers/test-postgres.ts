import { connect as tcpConnect } from 'node:net';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';

/** The machine's Postgres, trust auth, as CI has it. */
export const MACHINE_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether something accepts TCP connections at the URL's host and port. */
export function listening(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: hostname, port: Number(port || 5432) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The Postgres the tests run against: `url` when something listens there, else the project's own
 * embedded Postgres started in `home` (a fresh machine has no Postgres at 127.0.0.1:5432). Its
 * user is a superuser with a password in the URL, so tests can create and drop databases.
 */
export async function testPostgres(url: string, home: string): Promise<{ url: string; embedded: boolean; stop(): Promise<void> }> {
  if (await listening(url)) return { url, embedded: false, stop: async () => {} };
  const pg = await startEmbeddedPostgres(home);
  return { url: pg.url, embedded: true, stop: () => pg.stop() };
}
