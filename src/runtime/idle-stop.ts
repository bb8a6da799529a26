import { APP_NAMES, postgresFor } from '../db/client.ts';
import { log } from '../lib/log.ts';

/** How often a kept cluster looks for work: a small fraction of any idle time worth setting. */
const CHECK_MS = 5_000;

/**
 * Calls `onIdle` once no job has been queued, running or finished for `minutes`, counted from the
 * start at the earliest. A local cluster that `render` keeps for later renders stops itself this
 * way, like Gradle's daemon: nothing is left running that its user forgot. Judged from the jobs
 * table, the cluster's own record of work (an API call that makes no job, such as a status, is
 * not work).
 */
export function stopWhenIdle(databaseUrl: string, minutes: number, onIdle: () => void): { stop(): Promise<void> } {
  const sql = postgresFor(databaseUrl, { max: 1, name: APP_NAMES.idleWatch });
  const since = new Date();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const later = () => {
    if (!stopped) timer = setTimeout(tick, CHECK_MS);
  };
  const check = async () => {
    const [row] = await sql<{ active: number; idleMs: number }[]>`
      select count(*) filter (where finished_at is null)::int as active,
             (extract(epoch from now() - greatest(${since}::timestamptz, max(created_at), max(finished_at))) * 1000)::float8 as "idleMs"
        from jobs`;
    if (row && row.active === 0 && row.idleMs >= minutes * 60_000) {
      log.info({ minutes }, 'no work for the idle time: stopping');
      onIdle();
      return;
    }
    later();
  };
  const tick = () => {
    check().catch((err: unknown) => {
      // A database that is briefly away is not idleness; look again later.
      if (!stopped) log.warn({ err }, 'could not check for work');
      later();
    });
  };
  timer = setTimeout(tick, Math.min(CHECK_MS, minutes * 60_000));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await sql.end({ timeout: 1 });
    },
  };
}
