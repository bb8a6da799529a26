import { z } from 'zod';

/** What a node needs to join and trust a cluster, as k3s's token carries its CA's hash. */
export const joinSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  token: z.string().min(16),
  /** SHA-256 of the coordinator's certificate; absent when it serves plain HTTP (loopback). */
  fingerprint: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/i, 'a SHA-256 fingerprint: 32 hex pairs joined by ":"').optional(),
});
export type JoinInfo = z.infer<typeof joinSchema>;

const PREFIX = 'nn1:';

export function formatJoinString(info: JoinInfo): string {
  return PREFIX + Buffer.from(JSON.stringify(joinSchema.parse(info))).toString('base64url');
}

export const isJoinString = (s: string) => s.startsWith(PREFIX);

export class JoinStringError extends Error {
  override name = 'JoinStringError';
}

export function parseJoinString(s: string): JoinInfo {
  if (!isJoinString(s)) throw new JoinStringError(`not a join string: it starts with "${PREFIX}" (networknodes up prints it)`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(s.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw new JoinStringError('the join string is damaged (not base64url JSON): copy it again from the output of networknodes up');
  }
  const parsed = joinSchema.safeParse(json);
  if (!parsed.success) throw new JoinStringError(`the join string is damaged: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
