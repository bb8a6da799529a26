import { EventEmitter } from 'node:events';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Sql } from '../db/client.ts';
import type { Tx } from '../db/tx.ts';
import { events } from '../db/schema.ts';

export const EVENTS_CHANNEL = 'nn_events';

export interface JobEvent {
  seq: number;
  type: string;
  data: unknown;
  at: string;
}

/**
 * Appends an event to a job's history. The per-job advisory lock makes `seq` follow commit order,
 * so a reader that has seen seq N never misses a later-committed N-1.
 */
export async function appendEvent(tx: Tx, jobId: string, type: string, data: unknown = {}): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${jobId}))`);
  await tx.insert(events).values({
    jobId,
    type,
    data,
    seq: sql`(select coalesce(max(seq), 0) + 1 from events where job_id = ${jobId})`,
  });
  await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${jobId})`);
}

export async function eventsSince(db: Tx, jobId: string, afterSeq: number): Promise<JobEvent[]> {
  const rows = await db
    .select()
    .from(events)
    .where(and(eq(events.jobId, jobId), gt(events.seq, afterSeq)))
    .orderBy(asc(events.seq));
  return rows.map((r) => ({ seq: r.seq, type: r.type, data: r.data, at: r.createdAt.toISOString() }));
}

/** One LISTEN connection per process, fanned out to every subscriber by job id. */
export class EventHub extends EventEmitter {
  private unlisten?: () => Promise<void>;

  async start(sql: Sql): Promise<void> {
    this.setMaxListeners(0);
    const { unlisten } = await sql.listen(EVENTS_CHANNEL, (jobId) => this.emit(jobId));
    this.unlisten = unlisten;
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }
}
