import { APP_NAMES, postgresFor, type Database } from '../db/client.ts';

// Any constant shared by all nodes: the first half of the key of a job's planning lock.
const PLAN_LOCK = 0x6e6e706c;

/**
 * Held by the one node that plans a job, for as long as it plans, on a connection of its own: a
 * second plan of the same job (a node wrongly taken for dead, a redelivered queue job) finds it
 * held and waits its turn, and the lock goes with the connection when its node really dies.
 * Undefined when another node holds it. The connection is opened for the plan and closed after it,
 * outside the node's small query pool: a plan holding one of its two connections for minutes would
 * leave the node's other work one, and two plans at once none.
 */
export async function holdPlanLock(database: Database, jobId: string): Promise<{ release(): Promise<void> } | undefined> {
  const conn = postgresFor(database.url, { max: 1, name: APP_NAMES.planLock, held: true });
  try {
    const [row] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(${PLAN_LOCK}, hashtext(${jobId})) as ok`;
    if (!row?.ok) {
      await conn.end();
      return undefined;
    }
  } catch (err) {
    await conn.end({ timeout: 1 });
    throw err;
  }
  return {
    async release() {
      // Ending the session releases its advisory lock.
      await conn.end({ timeout: 5 });
    },
  };
}
