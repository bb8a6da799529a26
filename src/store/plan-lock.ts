import type { Database } from '../db/client.ts';

// Any constant shared by all nodes: the first half of the key of a job's planning lock.
const PLAN_LOCK = 0x6e6e706c;

/**
 * Held by the one node that plans a job, for as long as it plans, on a connection of its own: a
 * second plan of the same job (a node wrongly taken for dead, a redelivered queue job) finds it
 * held and waits its turn, and the lock goes with the connection when its node really dies.
 * Undefined when another node holds it.
 */
export async function holdPlanLock(database: Database, jobId: string): Promise<{ release(): Promise<void> } | undefined> {
  const conn = await database.sql.reserve();
  try {
    const [row] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(${PLAN_LOCK}, hashtext(${jobId})) as ok`;
    if (!row?.ok) {
      conn.release();
      return undefined;
    }
  } catch (err) {
    conn.release();
    throw err;
  }
  return {
    async release() {
      try {
        await conn`select pg_advisory_unlock(${PLAN_LOCK}, hashtext(${jobId}))`;
      } finally {
        conn.release();
      }
    },
  };
}
