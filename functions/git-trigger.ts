import { z } from 'zod';
import { defineFunction } from '../src/function/define.ts';
import { gitTriggerSchema } from '../src/config/schema.ts';
import { lastSeenRun } from '../src/store/trigger-runs.ts';
import { changedPaths, fetchCommit, GitError, hasCommit, readTree, treePrefix } from '../src/triggers/git.ts';
import { affectedSceneFiles, pythonSources, sceneFiles } from '../src/triggers/scenes.ts';
import { cloneDir, recordFailure, renderSceneFiles } from '../src/triggers/render-scenes.ts';

/**
 * A push to a git trigger's branch (POST /hooks/git/:name enqueues it; a burst of pushes is one run,
 * of the last commit). Fetches the commit into the trigger's clone, bundles the tree under the
 * trigger's path and renders the scene files the push affects: those that changed since the commit
 * the trigger last saw, and those that import a changed module. The first push renders every scene.
 */
export default defineFunction({
  name: 'git-trigger',
  input: z.object({ trigger: gitTriggerSchema.omit({ secret: true }), commit: z.string().regex(/^[0-9a-f]{40,64}$/) }),
  async run({ trigger, commit }, env) {
    const run = { trigger, kind: 'git' as const, commit };
    const last = await lastSeenRun(env.database.db, trigger.name);
    // The same commit again (a forge's redelivery, a retry after a crash) renders nothing twice.
    if (last?.commit === commit) return { outcome: 'skipped', reason: `commit ${commit} was already seen` };
    const dir = cloneDir(env.config, trigger.name);
    try {
      await fetchCommit(dir, trigger.repo, trigger.branch, commit, env.signal);
    } catch (err) {
      // A server that is down now may be up at the next attempt; after the last one, say why.
      if (err instanceof GitError && env.attempt >= env.maxAttempts) return recordFailure(env, run, err.message);
      throw err;
    }
    const files = await readTree(dir, commit, trigger.path);
    const where = treePrefix(trigger.path) || 'the repository';
    if (!files.length) return recordFailure(env, run, `${where} has no files at ${commit}`);
    const sources = pythonSources(files);
    const all = sceneFiles(sources);
    if (!last?.commit || !(await hasCommit(dir, last.commit))) {
      return renderSceneFiles(env, run, files, all, `no file under ${where} defines a Scene`);
    }
    const changed = await changedPaths(dir, last.commit, commit, trigger.path);
    const reason = changed.length
      ? `${changed.length} file(s) changed under ${where} since ${last.commit.slice(0, 12)}; none is a scene file, a module one imports or an asset one names`
      : `nothing under ${where} changed since ${last.commit.slice(0, 12)}`;
    return renderSceneFiles(env, run, files, affectedSceneFiles(sources, all, changed), reason);
  },
});
