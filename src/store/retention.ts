import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { Retention } from '../config/retention.ts';
import { TERMINAL_JOB_STATES } from '../model/states.ts';

export interface Freed {
  /** Finished jobs deleted, with their scenes, segments, events and files. */
  jobs: number;
  /** Bundles no job uses any more. */
  bundles: number;
  /** Bytes of files and bundles freed. */
  bytes: number;
}

/**
 * Deletes the finished jobs the retention rule no longer keeps (older than `maxAgeDays`, past the
 * newest `maxJobs`, or past `maxBytes` of files counted from the newest), with everything of
 * theirs, and the uploaded bundles no job uses (a day old at least: a job being submitted uses
 * its bundle a moment after storing it). Running and queued jobs are never touched.
 */
export async function collectGarbage(db: Db, rule: Retention): Promise<Freed> {
  const states = `{${TERMINAL_JOB_STATES.join(',')}}`;
  return db.transaction(async (tx) => {
    const [jobs] = await tx.execute<{ jobs: number; bytes: string | null }>(sql`
      with finished as (
        select j.id, coalesce(j.finished_at, j.created_at) as ended, coalesce(a.bytes, 0) as bytes,
          row_number() over w as rank, sum(coalesce(a.bytes, 0)) over w as newer_bytes
        from jobs j
        left join (select job_id, sum(size) as bytes from artifacts group by job_id) a on a.job_id = j.id
        where j.state = any(${states}::text[])
        window w as (order by coalesce(j.finished_at, j.created_at) desc, j.id rows unbounded preceding)
      ), doomed as (
        select id, bytes from finished
        where ended < now() - make_interval(secs => ${rule.maxAgeDays * 86400})
          or rank > ${rule.maxJobs}
          or (${rule.maxBytes ?? null}::bigint is not null and newer_bytes > ${rule.maxBytes ?? null}::bigint)
      ), deleted as (
        delete from jobs where id in (select id from doomed) returning id
      )
      select count(*)::int as jobs, sum(bytes)::text as bytes from doomed where id in (select id from deleted)`);
    const [bundles] = await tx.execute<{ bundles: number; bytes: string | null }>(sql`
      with deleted as (
        delete from bundles b
        where b.created_at < now() - interval '1 day' and not exists (select 1 from jobs j where j.bundle_id = b.id)
        returning size
      )
      select count(*)::int as bundles, sum(size)::text as bytes from deleted`);
    return { jobs: jobs?.jobs ?? 0, bundles: bundles?.bundles ?? 0, bytes: Number(jobs?.bytes ?? 0) + Number(bundles?.bytes ?? 0) };
  });
}
