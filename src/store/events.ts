import { EventEmitter } from 'node:events';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Tx } from '../db/tx.ts';
import { events } from '../db/schema.ts';
import { beforeCommit } from '../db/before-commit.ts';

export const EVENTS_CHANNEL = 'nn_events';
/** Notified with a scene's id and a slice's name as a part of the slice, still drawn, is stored
 *  (store/slices.ts): no event of the job, which every render of it would look at, and a slice
 *  stores one about twice a second. */
export const SLICE_PARTS_CHANNEL = 'nn_slice_parts';

/** What a part of a slice notifies with: the slice's scene and name. */
export const slicePartsPayload = (sceneId: string, slice: string) => `${sceneId}/${slice}`;
const partsEvent = (payload: string) => `parts:${payload}`;
/** The hub's event name for "a part of this slice is stored": only its encoder wakes for it. */
export const slicePartsOf = (sceneId: string, slice: string) => partsEvent(slicePartsPayload(sceneId, slice));

export interface JobEvent {
  seq: number;
  type: string;
  data: unknown;
  at: string;
}

/** Events appended in an open transaction and not yet written (they are written as it commits). */
const pending = new WeakMap<Tx, { jobId: string; type: string }[]>();

/**
 * Appends an event to a job's history, as the last statements of the transaction. The per-job
 * advisory lock makes `seq` follow commit order, so a reader that has seen seq N never misses a
 * later-committed N-1; taken last, after the transaction's row locks, it cannot deadlock with them.
 */
export async function appendEvent(tx: Tx, jobId: string, type: string, data: unknown = {}): Promise<void> {
  const waits = await beforeCommit(tx, async () => {
    // The event's foreign key locks the job's row (key share), which a stitch or a plan may hold
    // for update while it waits for this event lock: taken first, so the lock's holder waits for nothing.
    await tx.execute(sql`select 1 from jobs where id = ${jobId} for key share`);
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${jobId}))`);
    await tx.insert(events).values({
      jobId,
      type,
      data,
      seq: sql`(select coalesce(max(seq), 0) + 1 from events where job_id = ${jobId})`,
    });
    await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${jobId})`);
  });
  if (waits) pending.set(tx, [...(pending.get(tx) ?? []), { jobId, type }]);
}

/** Whether the job's history has an event of this type (e.g. `job.planned`: every scene is open),
 *  counting one this transaction appended and has yet to write. */
export async function hasEvent(db: Tx, jobId: string, type: string): Promise<boolean> {
  if (pending.get(db)?.some((e) => e.jobId === jobId && e.type === type)) return true;
  const rows = await db.select({ id: events.id }).from(events).where(and(eq(events.jobId, jobId), eq(events.type, type))).limit(1);
  return rows.length > 0;
}

export async function eventsSince(db: Tx, jobId: string, afterSeq: number): Promise<JobEvent[]> {
  const rows = await db
    .select()
    .from(events)
    .where(and(eq(events.jobId, jobId), gt(events.seq, afterSeq)))
    .orderBy(asc(events.seq));
  return rows.map((r) => ({ seq: r.seq, type: r.type, data: r.data, at: r.createdAt.toISOString() }));
}

/** Every job's events after the event with global id `afterId`, oldest first, at most `limit`.
 *  Ids follow insertion, not commit, order: a reader may skip an event committed late, so the page
 *  treats each event only as a sign that its job changed and reads the job itself. */
export async function eventsAfterId(db: Tx, afterId: number, limit = 500): Promise<(JobEvent & { id: number; jobId: string })[]> {
  const rows = await db.select().from(events).where(gt(events.id, afterId)).orderBy(asc(events.id)).limit(limit);
  return rows.map((r) => ({ id: r.id, jobId: r.jobId, seq: r.seq, type: r.type, data: r.data, at: r.createdAt.toISOString() }));
}

/** The newest event's global id (0 with none): where a stream that asks for no history starts. */
export async function latestEventId(db: Tx): Promise<number> {
  const [row] = await db.select({ id: sql<number>`coalesce(max(${events.id}), 0)::bigint` }).from(events);
  return Number(row?.id ?? 0);
}

/** The hub's event name for "some job has a new event" (the payload is the job id). */
export const ANY_JOB = '*';

/** Job events from the node's LISTEN connection, fanned out to every subscriber by job id (and to ANY_JOB). */
export class EventHub extends EventEmitter {
  private unlisten?: () => Promise<void>;

  async start(database: Database): Promise<void> {
    this.setMaxListeners(0);
    const { unlisten } = await database.listen(
      EVENTS_CHANNEL,
      (jobId) => {
        this.emit(jobId);
        this.emit(ANY_JOB, jobId);
      },
      // Listening again after the database came back: every waiter looks, as events may be lost.
      () => {
        for (const name of this.eventNames()) this.emit(name, name === ANY_JOB ? '' : name);
      },
    );
    const parts = await database.listen(SLICE_PARTS_CHANNEL, (payload) => this.emit(partsEvent(payload)));
    this.unlisten = async () => {
      await Promise.all([unlisten(), parts.unlisten()]);
    };
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }
}
