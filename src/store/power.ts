import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { nodes } from '../db/schema.ts';
import { renderSlots } from './nodes.ts';
import { scheduleAt } from '../config/schedule.ts';

/** A node says it goes to sleep (it runs its sleep command next): asleep, and a wake candidate if wakeable. */
export async function announceAsleep(db: Tx, id: string, note: string): Promise<void> {
  await db.update(nodes).set({ power: 'asleep', powerSince: sql`now()`, powerNote: note }).where(eq(nodes.id, id));
}

/** The reaper found a wakeable node gone: it sleeps (or is off), and may be woken; not dead. */
export async function markGoneAsleep(db: Tx, id: string): Promise<void> {
  await db
    .update(nodes)
    .set({ power: 'asleep', powerSince: sql`now()`, powerNote: 'stopped heart-beating' })
    .where(and(eq(nodes.id, id), eq(nodes.wakeable, true), eq(nodes.power, 'awake')));
}

export interface Sleeper {
  id: string;
  name: string;
  mac: string;
  broadcast: string;
}

/**
 * The coordinator's wake pass, in the caller's transaction: nodes sent magic packets more than
 * `timeoutSeconds` ago that never heart-beat again go back to asleep, with the reason; then, while
 * the render work in the queue (`backlog`: queued and running) exceeds the slots of the nodes that
 * take work plus those already waking, asleep wakeable nodes (not woken within the last two
 * timeouts: one that did not wake is not hammered; none outside its schedule's hours) are marked
 * waking. Returns those to send magic packets to.
 */
export async function wakePass(db: Tx, backlog: number, timeoutSeconds: number): Promise<Sleeper[]> {
  await db
    .update(nodes)
    .set({ power: 'asleep', powerSince: sql`now()`, powerNote: sql`'did not wake within ' || ${timeoutSeconds}::int || ' s of its magic packets'` })
    .where(and(eq(nodes.power, 'waking'), lt(nodes.wokenAt, sql`now() - make_interval(secs => ${timeoutSeconds})`)));
  const rows = await db
    .select()
    .from(nodes)
    .where(and(eq(nodes.wakeable, true), or(eq(nodes.power, 'waking'), and(eq(nodes.power, 'asleep'), or(isNull(nodes.wokenAt), lt(nodes.wokenAt, sql`now() - make_interval(secs => ${2 * timeoutSeconds})`))))))
    .orderBy(nodes.name);
  const renders = (r: (typeof rows)[number]) => r.functions.includes('render-segment');
  const waking = rows.filter((r) => r.power === 'waking' && renders(r)).reduce((n, r) => n + r.concurrency, 0);
  let missing = backlog - (await renderSlots(db)).slots - waking;
  const woken: Sleeper[] = [];
  const now = new Date();
  for (const r of rows) {
    if (missing <= 0) break;
    if (r.power !== 'asleep' || !renders(r) || !r.mac || !r.broadcast) continue;
    // Woken outside its hours it would take nothing (and not go back to sleep: someone may use it).
    if (r.schedule && !scheduleAt(r.schedule, now).inHours) continue;
    woken.push({ id: r.id, name: r.name, mac: r.mac, broadcast: r.broadcast });
    missing -= r.concurrency;
  }
  if (woken.length) {
    await db
      .update(nodes)
      .set({ power: 'waking', powerSince: sql`now()`, wokenAt: sql`now()`, powerNote: sql`'magic packets sent to ' || ${nodes.mac} || ' at ' || ${nodes.broadcast}` })
      .where(sql`${nodes.id} = any(${`{${woken.map((w) => w.id).join(',')}}`}::text[])`);
  }
  return woken;
}
