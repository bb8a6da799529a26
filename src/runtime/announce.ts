import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { processAlive } from '../lib/process.ts';

const FILE = 'coordinator.json';
const announcementSchema = z.object({ url: z.url(), token: z.string().min(1), pid: z.number().int().positive() });
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
    const res = await fetch(new URL('/health', a.url), { signal: AbortSignal.timeout(3000) });
    return res.ok ? a : undefined;
  } catch {
    return undefined;
  }
}
