import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type Forge = 'github' | 'gitea' | 'gitlab';

export type Verdict = { ok: true; forge: Forge } | { ok: false; reason: string };

/** Equal in constant time; inputs of different lengths are hashed first so lengths leak nothing. */
function same(a: Buffer, b: Buffer): boolean {
  const digest = (x: Buffer) => createHash('sha256').update(x).digest();
  return timingSafeEqual(digest(a), digest(b)) && a.length === b.length;
}

const hmac = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest();
const hex = (s: string) => (/^[0-9a-f]+$/i.test(s) && s.length % 2 === 0 ? Buffer.from(s, 'hex') : Buffer.from(s));

/**
 * Checks a push against the trigger's secret the way each forge signs it: GitHub sends
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`, Gitea and Forgejo `X-Gitea-Signature:
 * <hex HMAC-SHA256>`, GitLab `X-Gitlab-Token: <the secret itself>`. The first header present decides.
 */
export function verifySignature(headers: Headers, body: Buffer, secret: string): Verdict {
  const github = headers.get('x-hub-signature-256');
  if (github !== null) {
    const given = github.startsWith('sha256=') ? github.slice(7) : '';
    return same(hex(given), hmac(secret, body)) ? { ok: true, forge: 'github' } : { ok: false, reason: 'X-Hub-Signature-256 does not match the body signed with this trigger’s secret' };
  }
  const gitea = headers.get('x-gitea-signature');
  if (gitea !== null) {
    return same(hex(gitea), hmac(secret, body)) ? { ok: true, forge: 'gitea' } : { ok: false, reason: 'X-Gitea-Signature does not match the body signed with this trigger’s secret' };
  }
  const gitlab = headers.get('x-gitlab-token');
  if (gitlab !== null) {
    return same(Buffer.from(gitlab), Buffer.from(secret)) ? { ok: true, forge: 'gitlab' } : { ok: false, reason: 'X-Gitlab-Token is not this trigger’s secret' };
  }
  return { ok: false, reason: 'unsigned: a push must carry X-Hub-Signature-256 (GitHub), X-Gitea-Signature (Gitea, Forgejo) or X-Gitlab-Token (GitLab)' };
}
