import wol from 'wake_on_lan';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Queue } from '../queue/queue.ts';
import { wakePass, type Sleeper } from '../store/power.ts';
import { log } from '../lib/log.ts';

// Any constant shared by all nodes: one wake pass at a time, even with two coordinators.
const WAKE_LOCK = 0x6e6e776b;
/** The work that wants render slots; a stitch is too small to wake a machine for. */
const RENDER_WORK = ['plan', 'render-segment'];
/** The port magic packets go to (the discard port, as most tools use). */
export const WAKE_PORT = 9;

/** Sends magic packets (the library's: 6 × 0xFF and 16 × the MAC, three times) to a MAC at a broadcast address. */
function sendMagicPacket(mac: string, broadcast: string): Promise<void> {
  return new Promise((resolve, reject) => wol.wake(mac, { address: broadcast, port: WAKE_PORT }, (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())));
}

/**
 * The coordinator's wake pass (each heartbeat): when the queued and running render work exceeds
 * the slots of the awake nodes that take work, asleep wakeable nodes are marked waking and sent
 * magic packets; woken nodes that never heart-beat within `timeoutSeconds` go back to asleep.
 */
export async function wakeSleepers(database: Database, queue: Queue, timeoutSeconds: number): Promise<Sleeper[]> {
  const woken = await database.db.transaction(async (tx) => {
    const [lock] = await tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(${WAKE_LOCK}) as ok`);
    if (!lock?.ok) return [];
    return wakePass(tx, await queue.backlog(tx, RENDER_WORK), timeoutSeconds);
  });
  for (const s of woken) {
    try {
      await sendMagicPacket(s.mac, s.broadcast);
      log.info({ node: s.name, mac: s.mac, broadcast: s.broadcast }, 'work is waiting: magic packets sent to wake a node');
    } catch (err) {
      // Marked waking all the same: it goes back to asleep, with the reason, after the timeout.
      log.warn({ node: s.name, err: String(err) }, 'could not send the magic packets');
    }
  }
  return woken;
}
