import { createRequire } from 'node:module';

// Loaded at the first schedule checked: most configs have none, and a command that only talks to a
// cluster should not load the queue library to read its config.
const require = createRequire(import.meta.url);

/** Whether graphile-worker's crontab reads `schedule` (five fields, UTC). */
export function validCron(schedule: string): boolean {
  const { parseCronItem } = require('graphile-worker') as typeof import('graphile-worker');
  try {
    parseCronItem({ task: 'check', match: schedule });
    return true;
  } catch {
    return false;
  }
}
