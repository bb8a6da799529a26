import { randomBytes } from 'node:crypto';
import { TLSSocket } from 'node:tls';
// undici's FormData: its request() reads only its own (the global one is Node's older undici)
import { Agent, buildConnector, request, type Dispatcher, type FormData } from 'undici';
import { z } from 'zod';
import { proofMatches, sameFingerprint } from '../lib/cert.ts';
import { isLoopbackHost } from '../lib/hosts.ts';
import { JoinStringError, parseJoinString, type JoinInfo } from '../lib/join-string.ts';

export class ClusterError extends Error {
  override name = 'ClusterError';
}

/** A certificate that is not the pinned one: said as it is, not as "cannot reach". */
class CertificateRefused extends ClusterError {}

/**
 * An undici Agent whose TLS connections are handed to `check` with the server's certificate
 * fingerprint before a byte is sent; a self-signed certificate is expected, so the chain is not
 * verified, the fingerprint is.
 */
function checkingAgent(check: (fingerprint: string) => Error | undefined): Agent {
  // No session resumption: a resumed session shows no certificate to check.
  const connect = buildConnector({ rejectUnauthorized: false, maxCachedSessions: 0 });
  return new Agent({
    connect: (opts, callback) =>
      connect(opts, (err, socket) => {
        if (err || !socket) return callback(err ?? new Error('no socket'), null);
        if (!(socket instanceof TLSSocket)) return callback(null, socket);
        const refused = check(socket.getPeerCertificate().fingerprint256 ?? '');
        if (!refused) return callback(null, socket);
        socket.destroy();
        callback(refused, null);
      }),
  });
}

/** An Agent that talks only to the server whose certificate has this SHA-256 fingerprint. */
export function pinnedAgent(fingerprint: string, url: string): Agent {
  return checkingAgent((seen) =>
    sameFingerprint(seen, fingerprint)
      ? undefined
      : new CertificateRefused(`the server at ${url} shows certificate ${seen}, not the pinned ${fingerprint}: it is not the coordinator the join string was made for, so nothing was sent (if that coordinator's home was reset, use the join string \`networknodes up\` prints now)`),
  );
}

/**
 * Asks the coordinator at `url` to prove it holds `token` (an HMAC of a fresh nonce and of the
 * certificate this connection sees) before anything secret is sent; returns that certificate's
 * fingerprint ("" over plain HTTP), to pin from then on. An mDNS answer or a URL alone is trusted no further.
 */
export async function proveCoordinator(url: string, token: string): Promise<string> {
  let seen = '';
  const agent = checkingAgent((fp) => void (seen = fp));
  const nonce = randomBytes(32).toString('hex');
  try {
    const res = await request(`${url}/cluster/proof`, { method: 'POST', body: JSON.stringify({ nonce }), headers: { 'content-type': 'application/json' }, dispatcher: agent });
    const answer = z.object({ proof: z.string() }).safeParse(await res.body.json().catch(() => undefined));
    if (res.statusCode === 200 && answer.success && proofMatches(token, nonce, seen, answer.data.proof)) return seen;
    throw new ClusterError(`the server at ${url} could not prove it holds this cluster token: the token is wrong, or it is not your coordinator (nothing secret was sent); the join string \`networknodes up\` prints avoids the question`);
  } catch (err) {
    if (err instanceof ClusterError) throw err;
    throw new ClusterError(`cannot reach the cluster at ${url}: ${(err as Error).message}`);
  } finally {
    await agent.close();
  }
}

/** Where a command's cluster is: a join string, or a URL and a token (which win over the join string's). */
export function clusterTarget(o: { join?: string; cluster?: string; token?: string }): Partial<JoinInfo> {
  let joined: JoinInfo | undefined;
  try {
    joined = o.join ? parseJoinString(o.join) : undefined;
  } catch (err) {
    throw err instanceof JoinStringError ? new ClusterError(err.message) : err;
  }
  const url = (o.cluster ?? joined?.url)?.replace(/\/$/, '');
  return { url, token: o.token ?? joined?.token, fingerprint: joined && url === joined.url.replace(/\/$/, '') ? joined.fingerprint : undefined };
}

/**
 * A client that sends the token only to the coordinator meant: one whose certificate has the pinned
 * fingerprint, or, with none pinned, one that proved it holds the token. Loopback is trusted as is.
 */
export async function openClusterClient(target: Partial<JoinInfo>): Promise<ClusterClient> {
  const { url, token, fingerprint } = target;
  if (!url) throw new ClusterError('no cluster given: the join string `networknodes up` printed (--join or NN_JOIN), or --cluster URL with --token');
  if (!token) throw new ClusterError('a cluster token is needed: the join string (--join or NN_JOIN), or --token or NN_TOKEN (networknodes up prints them)');
  const base = url.replace(/\/$/, '');
  const https = base.startsWith('https:');
  if (fingerprint && !https) throw new ClusterError(`the join string pins a certificate but its URL ${base} is plain HTTP`);
  const pinned = fingerprint ?? (https || !isLoopbackHost(new URL(base).hostname) ? await proveCoordinator(base, token) : '');
  return new ClusterClient(base, token, pinned ? pinnedAgent(pinned, base) : undefined, pinned || undefined);
}

/** A thin client of a cluster's HTTP API, authenticated with the cluster token. */
export class ClusterClient {
  constructor(
    readonly base: string,
    readonly token: string,
    private readonly dispatcher?: Dispatcher,
    /** The coordinator certificate's pinned fingerprint, when it serves HTTPS. */
    readonly fingerprint?: string,
  ) {}

  private async send(path: string, init: { method?: 'GET' | 'POST' | 'DELETE'; body?: string | Buffer | FormData; headers?: Record<string, string> } = {}) {
    try {
      return await request(this.base + path, {
        method: init.method ?? 'GET',
        body: init.body as never, // undici accepts FormData, strings and Buffers alike
        headers: { authorization: `Bearer ${this.token}`, ...init.headers },
        dispatcher: this.dispatcher,
      });
    } catch (err) {
      if (err instanceof CertificateRefused) throw err;
      throw new ClusterError(`cannot reach the cluster at ${this.base}: ${(err as Error).message}`, { cause: err });
    }
  }

  async call<T>(path: string, schema: z.ZodType<T>, init: Parameters<ClusterClient['send']>[1] = {}): Promise<T> {
    const res = await this.send(path, init);
    const text = await res.body.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (res.statusCode >= 400) {
      const msg = (body as { error?: string } | undefined)?.error ?? text.slice(0, 200);
      throw new ClusterError(res.statusCode === 401 ? `the cluster refused the token: ${msg}` : `HTTP ${res.statusCode}: ${msg}`);
    }
    return schema.parse(body);
  }

  /** Reads a stream (Server-Sent Events) until it ends or `signal` fires, calling `onData` for each piece that arrives. */
  async listen(path: string, onData: () => void, signal: AbortSignal): Promise<void> {
    const res = await request(this.base + path, { headers: { authorization: `Bearer ${this.token}` }, dispatcher: this.dispatcher, signal });
    if (res.statusCode !== 200) return void (await res.body.dump());
    for await (const _piece of res.body) onData();
  }

  /** Streams a file to disk; returns its size. */
  async download(path: string, to: string): Promise<number> {
    const { createWriteStream } = await import('node:fs');
    const { pipeline } = await import('node:stream/promises');
    const res = await this.send(path);
    if (res.statusCode !== 200) throw new ClusterError(`download of ${path} failed: HTTP ${res.statusCode} ${await res.body.text()}`);
    let size = 0;
    res.body.on('data', (c: Buffer) => (size += c.length));
    await pipeline(res.body, createWriteStream(to));
    return size;
  }
}
