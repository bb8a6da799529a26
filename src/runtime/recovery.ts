import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Queue } from '../queue/queue.ts';
import type { Tx } from '../db/tx.ts';
import { clearWorkerIds, setNodeState, staleNodes } from '../store/nodes.ts';
import { requeueLostSegments, requeueOrphans } from '../store/segments/requeue.ts';
import { markGoneAsleep } from '../store/power.ts';
import { log } from '../lib/log.ts';
import { failGivenUpWork } from '../store/given-up.ts';

// Any constant shared by all nodes: one reaper at a time in the whole cluster.
export const REAPER_LOCK = 0x6e6e7270;

/**
 * Takes back the work of nodes that stopped heart-beating (killed, unplugged, asleep): they are
 * marked offline (and asleep when wakeable), their segments go back to queued, and their graphile-worker locks are released
 * at once — graphile-worker alone would wait four hours — with their queue tries given back. Every node runs this; the advisory lock
 * makes one of them do it.
 */
export async function reapDeadNodes(database: Database, queue: Queue): Promise<string[]> {
  return (await underReaperLock(database, async (tx) => {
    const reaped: string[] = [];
    for (const node of await staleNodes(tx)) {
      // Its queue jobs first: a claim that checked its lease (Queue.holds) before this commits
      // before the segments are read below, and one after finds no lease; the other way round, a
      // claim between the two would keep its segment running with its queue job handed to another node.
      if (node.workerIds.length) {
        // A node's death is not its work's failure: the queue's try is given back with the lock.
        await queue.handBack(tx, node.workerIds);
        await clearWorkerIds(tx, node.id);
      }
      if (node.state !== 'offline') {
        await setNodeState(tx, node.id, 'offline');
        // A wakeable node that went away most likely sleeps: a wake candidate, not a dead machine.
        await markGoneAsleep(tx, node.id);
        const lost = await requeueLostSegments(tx, queue, node);
        log.warn({ node: node.name, segments: lost }, 'node stopped heart-beating: its work goes back to the queue');
      }
      reaped.push(node.name);
    }
    return reaped;
  })) ?? [];
}

/**
 * Queue jobs whose tries are all used up without their end being recorded (the database was away
 * when the last one failed, a node died at the wrong moment) end their job, scene or segment as
 * failed, so nothing waits for them. One sweeper at a time, as for the reaper.
 */
export async function sweepGivenUp(database: Database, queue: Queue): Promise<number> {
  return (await underReaperLock(database, async (tx) => {
    const given = await queue.takeGivenUp(tx);
    for (const job of given) {
      await failGivenUpWork(tx, queue, job.task, job.payload, job.attempts, job.lastError ?? 'no error recorded');
      log.warn({ task: job.task, attempts: job.attempts }, 'the queue gave up on a job: its work ends as failed');
    }
    return given.length;
  })) ?? 0;
}

/**
 * Queued segments the queue lost (requeueOrphans) are queued again: a queue job whose completion or
 * lock a database restart left behind while its node lives on, which no reaper takes back. One
 * sweeper at a time, as for the reaper.
 */
export async function sweepOrphans(database: Database, queue: Queue): Promise<number> {
  return (await underReaperLock(database, async (tx) => {
    const lost = await requeueOrphans(tx, queue);
    for (const l of lost) log.warn(l, 'a queued segment had no queue job that would run: queued again');
    return lost.length;
  })) ?? 0;
}

/** Every recovery sweep, in order: dead nodes' work back, given-up work ended, lost work queued again. */
export async function recover(database: Database, queue: Queue): Promise<void> {
  await reapDeadNodes(database, queue);
  await sweepGivenUp(database, queue);
  await sweepOrphans(database, queue);
}

/** `fn` in a transaction that holds the cluster's one reaper lock; undefined when another node holds it. */
async function underReaperLock<T>(database: Database, fn: (tx: Tx) => Promise<T>): Promise<T | undefined> {
  return database.db.transaction(async (tx) => {
    const [lock] = await tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(${REAPER_LOCK}) as ok`);
    return lock?.ok ? fn(tx) : undefined;
  });
}
