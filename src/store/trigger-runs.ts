import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { triggerRuns, type TriggerOutcome } from '../db/schema.ts';

export interface NewTriggerRun {
  trigger: string;
  kind: 'git' | 'cron';
  commit?: string;
  bundleId?: string;
  outcome: TriggerOutcome;
  reason?: string;
  jobIds?: string[];
}

export async function recordTriggerRun(tx: Tx, run: NewTriggerRun): Promise<void> {
  await tx.insert(triggerRuns).values(run);
}

/** The trigger's last run that looked at its sources (rendered them or found nothing to render). */
export async function lastSeenRun(tx: Tx, trigger: string) {
  const [row] = await tx
    .select()
    .from(triggerRuns)
    .where(and(eq(triggerRuns.trigger, trigger), inArray(triggerRuns.outcome, ['rendered', 'unchanged'])))
    .orderBy(desc(triggerRuns.at), desc(triggerRuns.id))
    .limit(1);
  return row;
}

export async function listTriggerRuns(tx: Tx, where: { trigger?: string; limit: number }) {
  return tx
    .select()
    .from(triggerRuns)
    .where(where.trigger ? eq(triggerRuns.trigger, where.trigger) : undefined)
    .orderBy(desc(triggerRuns.at), desc(triggerRuns.id))
    .limit(where.limit);
}
