import { parseCronItem } from 'graphile-worker';

/** Whether graphile-worker's crontab reads `schedule` (five fields, UTC). */
export function validCron(schedule: string): boolean {
  try {
    parseCronItem({ task: 'check', match: schedule });
    return true;
  } catch {
    return false;
  }
}
