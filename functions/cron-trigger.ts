import { existsSync } from 'node:fs';
import { z } from 'zod';
import { defineFunction } from '../src/function/define.ts';
import { cronTriggerSchema } from '../src/config/schema.ts';
import { bundleId } from '../src/store/bundles.ts';
import { lastSeenRun } from '../src/store/trigger-runs.ts';
import { fetchBranch, GitError, readTree } from '../src/triggers/git.ts';
import { pythonSources, sceneFiles } from '../src/triggers/scenes.ts';
import { cloneDir, recordFailure, renderSceneFiles } from '../src/triggers/render-scenes.ts';
import { packProject } from '../src/bundle/pack.ts';
import { filesFromTar } from '../src/bundle/unpack.ts';

/**
 * A cron trigger come due (graphile-worker's crontab enqueues it, once for the whole farm). Bundles
 * the directory, or the folder of a repository's branch, and renders every scene file in it, unless
 * the bundle is the one the trigger's last run saw: then it records "unchanged" and renders nothing.
 */
export default defineFunction({
  name: 'cron-trigger',
  input: z.object({ trigger: cronTriggerSchema }),
  async run({ trigger }, env) {
    let commit: string | undefined;
    let files;
    if (trigger.repo) {
      const dir = cloneDir(env.config, trigger.name);
      try {
        commit = await fetchBranch(dir, trigger.repo, trigger.branch ?? 'main', env.signal);
      } catch (err) {
        if (err instanceof GitError && env.attempt >= env.maxAttempts) return recordFailure(env, { trigger, kind: 'cron' }, err.message);
        throw err;
      }
      files = await readTree(dir, commit, trigger.path);
    } else {
      if (!existsSync(trigger.path)) return recordFailure(env, { trigger, kind: 'cron' }, `no directory ${trigger.path} on node ${env.nodeId}`);
      // A scene directory unpacks under the same bound as an uploaded archive.
      files = await filesFromTar((await packProject(trigger.path)).archive, 4 * env.config.maxUploadBytes);
    }
    const run = { trigger, kind: 'cron' as const, commit };
    if (!files.length) return recordFailure(env, run, `${trigger.path} has no files`);
    const last = await lastSeenRun(env.database.db, trigger.name);
    const hash = bundleId(files);
    const all = last?.bundleId === hash ? [] : sceneFiles(pythonSources(files));
    const reason = last?.bundleId === hash ? `nothing changed since the last run (bundle ${hash.slice(0, 12)})` : `no file under ${trigger.path} defines a Scene`;
    return renderSceneFiles(env, run, files, all, reason);
  },
});
