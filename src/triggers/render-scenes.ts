import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { RenderOptionsInput } from '../model/render-options.ts';
import type { Db } from '../db/client.ts';
import type { Queue } from '../queue/queue.ts';
import { bundleId } from '../store/bundles.ts';
import type { BundleFile } from '../model/job-request.ts';
import { createJob } from '../store/jobs.ts';
import { recordTriggerRun } from '../store/trigger-runs.ts';
import { renderRequest, RequestError } from '../model/render-request.ts';
import { homeDir } from '../lib/home.ts';

/** A trigger's own bare clone, kept under NN_HOME across runs and restarts. */
export function cloneDir(config: Config, trigger: string): string {
  return join(homeDir(config.home), 'git', `${trigger}.git`);
}

/** What a trigger run needs of the node that takes it (a function's environment has it). */
export interface TriggerEnv {
  database: { db: Db };
  queue: Queue;
  config: Config;
}

export interface TriggerRunContext {
  trigger: { name: string; render: Partial<RenderOptionsInput> };
  kind: 'git' | 'cron';
  commit?: string;
}

/**
 * Renders scene files of a trigger's bundle: one render job per file, made as POST /jobs makes them,
 * recorded with the trigger and commit, in one transaction with the trigger's run. No file to render
 * is recorded as an "unchanged" run with the reason.
 */
export async function renderSceneFiles(env: TriggerEnv, run: TriggerRunContext, files: BundleFile[], entries: string[], unchanged: string) {
  const { db } = env.database;
  const base = { trigger: run.trigger.name, kind: run.kind, commit: run.commit, bundleId: bundleId(files) };
  if (!entries.length) {
    await recordTriggerRun(db, { ...base, outcome: 'unchanged', reason: unchanged });
    return { outcome: 'unchanged' as const, reason: unchanged, jobs: [] };
  }
  const size = files.reduce((n, f) => n + f.bytes.length, 0);
  if (size > env.config.maxUploadBytes) {
    return recordFailure(env, run, `the files to render are ${size} bytes, over the ${env.config.maxUploadBytes} an upload may have (config maxUploadBytes)`);
  }
  try {
    const requests = entries.map((entry) => renderRequest(files, entry, [], run.trigger.render, env.config.render, { project: `trigger ${run.trigger.name}` }));
    const jobIds = await db.transaction(async (tx) => {
      const ids = [];
      for (const req of requests) ids.push(await createJob(tx, env.queue, req, run.kind, { trigger: run.trigger.name, commit: run.commit }));
      await recordTriggerRun(tx, { ...base, outcome: 'rendered', reason: `scene files: ${entries.join(', ')}`, jobIds: ids });
      return ids;
    });
    return { outcome: 'rendered' as const, entries, jobs: jobIds };
  } catch (err) {
    if (!(err instanceof RequestError)) throw err;
    await recordTriggerRun(db, { ...base, outcome: 'failed', reason: err.message });
    return { outcome: 'failed' as const, reason: err.message, jobs: [] };
  }
}

/** A run that cannot go on (no such folder, the repository refuses): recorded, so GET /triggers says why. */
export async function recordFailure(env: TriggerEnv, run: TriggerRunContext, reason: string) {
  await recordTriggerRun(env.database.db, { trigger: run.trigger.name, kind: run.kind, commit: run.commit, outcome: 'failed', reason });
  return { outcome: 'failed' as const, reason, jobs: [] };
}
