import { Hono } from 'hono';
import { limitBody } from './body-limit.ts';
import type { Services } from '../runtime/services.ts';
import { verifySignature } from '../triggers/signature.ts';
import { deletesBranch, eventName, parsePush, PushError } from '../triggers/push-event.ts';
import { GIT_TASK, triggerQueue } from '../triggers/registry.ts';
import { recordTriggerRun } from '../store/trigger-runs.ts';
import { log } from '../lib/log.ts';

/** Pushes to one branch within this long of each other render once, the last one. */
export const DEBOUNCE_MS = 5000;
/** GitHub's own limit on a webhook's body. */
const MAX_HOOK_BYTES = 25 * 1024 * 1024;

/**
 * Webhooks from forges. They cannot send the cluster token, so each push is authenticated by its
 * trigger's secret instead (signature.ts); these routes are mounted before the token check.
 */
export function hookRoutes(s: Services): Hono {
  const app = new Hono();
  const db = s.database.db;

  app.post('/git/:name', limitBody(MAX_HOOK_BYTES, `a push event over ${MAX_HOOK_BYTES} bytes`), async (c) => {
    const name = c.req.param('name');
    const trigger = s.config.triggers.git.find((t) => t.name === name);
    if (!trigger) return c.json({ error: `no git trigger named "${name}" (config triggers.git)` }, 404);
    const body = Buffer.from(await c.req.arrayBuffer());
    const verdict = verifySignature(c.req.raw.headers, body, trigger.secret);
    if (!verdict.ok) {
      log.warn({ trigger: name, reason: verdict.reason }, 'webhook refused');
      return c.json({ error: verdict.reason }, 401);
    }
    const event = eventName(verdict.forge, c.req.raw.headers);
    if (!event.push) return c.json({ ignored: `a "${event.name}" event is not a push` }, 202);
    let push;
    try {
      push = parsePush(verdict.forge, body, c.req.header('content-type') ?? '');
    } catch (err) {
      if (err instanceof PushError) return c.json({ error: err.message }, 400);
      throw err;
    }
    const ignore = async (reason: string) => {
      await recordTriggerRun(db, { trigger: name, kind: 'git', commit: push.commit, outcome: 'ignored', reason });
      return c.json({ ignored: reason }, 202);
    };
    if (push.ref !== `refs/heads/${trigger.branch}`) return ignore(`a push to ${push.ref}; the trigger follows refs/heads/${trigger.branch}`);
    if (deletesBranch(push)) return ignore(`the push deleted ${push.ref}`);
    // The node that takes the job needs everything but the secret.
    const { secret: _, ...definition } = trigger;
    const runAt = new Date(Date.now() + DEBOUNCE_MS);
    // One job per trigger and branch: a push within the window replaces the waiting job (last push wins).
    await s.queue.add(db, GIT_TASK, { trigger: definition, commit: push.commit }, {
      jobKey: `${GIT_TASK}:${name}:${trigger.branch}`, jobKeyMode: 'replace', runAt, queueName: triggerQueue(name),
    });
    log.info({ trigger: name, forge: verdict.forge, commit: push.commit, reportedFiles: push.reportedFiles }, 'push queued');
    return c.json({ queued: true, trigger: name, forge: verdict.forge, commit: push.commit, runAt }, 202);
  });

  return app;
}
