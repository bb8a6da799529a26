import { parseCronItems, type ParsedCronItem } from 'graphile-worker';
import type { Config, CronTrigger } from '../config/schema.ts';

export const GIT_TASK = 'git-trigger';
export const CRON_TASK = 'cron-trigger';
/** Applies the retention rule (functions/gc.ts): every node registers it, the crontab runs it once. */
export const GC_TASK = 'gc';

/** One named queue per trigger: its runs go one at a time, each diffing against the one before. */
export const triggerQueue = (name: string) => `trigger:${name}`;

/**
 * The functions a node registers for the triggers its config defines. Only such nodes take trigger
 * work: a cron over a local directory must run where the directory is.
 */
export function triggerFunctions(config: Config): string[] {
  return [...(config.triggers.git.length ? [GIT_TASK] : []), ...(config.triggers.crons.length ? [CRON_TASK] : [])];
}

/** The queue job a cron trigger's schedule makes: its payload carries the whole trigger. */
export function cronJob(trigger: CronTrigger) {
  return { task: CRON_TASK, identifier: `${CRON_TASK}:${trigger.name}`, payload: { trigger }, queueName: triggerQueue(trigger.name) };
}

/** graphile-worker's crontab for the config's cron triggers and the retention rule; nodes with the
 *  same one enqueue each run once. */
export function cronItems(config: Config): ParsedCronItem[] {
  return parseCronItems([
    ...config.triggers.crons.map((trigger) => {
      const job = cronJob(trigger);
      return { task: job.task, identifier: job.identifier, match: trigger.schedule, payload: job.payload, options: { queueName: job.queueName, maxAttempts: config.maxAttempts, backfillPeriod: 0 } };
    }),
    { task: GC_TASK, identifier: GC_TASK, match: config.retention.schedule, options: { maxAttempts: 1, backfillPeriod: 0 } },
  ]);
}
