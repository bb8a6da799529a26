import { z } from 'zod';
import { describeIssues } from '../lib/zod-issues.ts';
import type { Forge } from './signature.ts';

const sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a full commit id (40 or 64 hex digits)');
const fileLists = z.object({ added: z.array(z.string()).default([]), removed: z.array(z.string()).default([]), modified: z.array(z.string()).default([]) });

/** GitHub, Gitea and Forgejo send the same shape of push event. */
const githubPush = z.object({ ref: z.string(), before: sha.optional(), after: sha, commits: z.array(fileLists).default([]) });
/** GitLab's "Push Hook": `checkout_sha` is null when the branch was deleted. */
const gitlabPush = z.object({ object_kind: z.literal('push'), ref: z.string(), before: sha.optional(), after: sha, checkout_sha: sha.nullable().optional(), commits: z.array(fileLists).default([]) });

export interface Push {
  ref: string;
  /** The pushed commit; all zeros when the push deleted the branch. */
  commit: string;
  /** What the forge says changed. Only informative: the renders follow `git diff`, not this. */
  reportedFiles: number;
}

export class PushError extends Error {
  override name = 'PushError';
}

/** The event a forge says it sends; a push when it does not say (e.g. a hand-made test hook). */
export function eventName(forge: Forge, headers: Headers): { push: boolean; name: string } {
  const name =
    forge === 'github' ? headers.get('x-github-event')
    : forge === 'gitea' ? (headers.get('x-gitea-event') ?? headers.get('x-forgejo-event'))
    : headers.get('x-gitlab-event');
  if (name === null) return { push: true, name: 'push' };
  return { push: forge === 'gitlab' ? name === 'Push Hook' : name === 'push', name };
}

/** The event's JSON: the body, or GitHub's form encoding (`payload=<json>`). */
function json(body: Buffer, contentType: string): unknown {
  const text = contentType.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body.toString('utf8')).get('payload') ?? '' : body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new PushError('the push event is not valid JSON');
  }
}

export function parsePush(forge: Forge, body: Buffer, contentType: string): Push {
  const raw = json(body, contentType);
  const parsed = (forge === 'gitlab' ? gitlabPush : githubPush).safeParse(raw);
  if (!parsed.success) throw new PushError(`not a ${forge} push event: ${describeIssues(parsed.error)}`);
  const { ref, after, commits } = parsed.data;
  const reportedFiles = new Set(commits.flatMap((c) => [...c.added, ...c.removed, ...c.modified])).size;
  return { ref, commit: after, reportedFiles };
}

export const deletesBranch = (push: Push) => /^0+$/.test(push.commit);
