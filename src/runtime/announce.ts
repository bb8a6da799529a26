import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fetch, Agent } from 'undici';
import { processAlive } from '../lib/process.ts';

/** Any certificate: the coordinator's is self-signed. */
const LIVENESS = new Agent({ connect: { rejectUnauthorized: false } });

const FILE = 'coordinator.json';
const announcementSchema = z.object({
  url: z.url(),
  token: z.string().min(1),
  fingerprint: z.string().optional(),
  pid: z.number().int().positive(),
  /** Its render slots. */
  workers: z.number().int().positive().optional(),
  /** Set when it stops itself after this many idle minutes: a local cluster kept by `render`. */
  idleStopMinutes: z.number().positive().optional(),
});
export type Announcement = z.infer<typeof announcementSchema>;

/**
 * `up` says where it serves in its home, so a `render` without `--cluster` on the same home uses
 * it instead of starting a second coordinator on the same embedded Postgres (which it could stop).
 * Owner-only: it holds the token.
 */
export function announceCoordinator(home: string, a: Announcement): () => void {
  const file = join(home, FILE);
  writeFileSync(file, JSON.stringify(a) + '\n', { mode: 0o600 });
  return () => {
    // Only ours: a later `up` on the same home may have written its own since.
    if (readAnnouncement(home)?.pid === a.pid) rmSync(file, { force: true });
  };
}

function readAnnouncement(home: string): Announcement | undefined {
  try {
    return announcementSchema.parse(JSON.parse(readFileSync(join(home, FILE), 'utf8')));
  } catch {
    return undefined;
  }
}

/** The coordinator `up` runs on this home, when its process lives and it answers /health. */
export async function runningCoordinator(home: string): Promise<Announcement | undefined> {
  const a = readAnnouncement(home);
  if (!a || !processAlive(a.pid)) return undefined;
  try {
    // Liveness only, nothing secret sent: the certificate is pinned by whoever then uses the URL.
    const res = await fetch(new URL('/health', a.url), { signal: AbortSignal.timeout(3000), dispatcher: LIVENESS });
    return res.ok ? a : undefined;
  } catch {
    return undefined;
  }
}
