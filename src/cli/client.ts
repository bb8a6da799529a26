import { request } from 'undici';
import { z } from 'zod';

export class ClusterError extends Error {
  override name = 'ClusterError';
}

/** A thin client of a cluster's HTTP API, authenticated with the cluster token. */
export class ClusterClient {
  constructor(readonly base: string, readonly token: string) {}

  async call<T>(path: string, schema: z.ZodType<T>, init: { method?: 'GET' | 'POST' | 'DELETE'; body?: string | Buffer | FormData; headers?: Record<string, string> } = {}): Promise<T> {
    let res;
    try {
      res = await request(this.base + path, {
        method: init.method ?? 'GET',
        body: init.body as never, // undici accepts FormData, strings and Buffers alike
        headers: { authorization: `Bearer ${this.token}`, ...init.headers },
      });
    } catch (err) {
      throw new ClusterError(`cannot reach the cluster at ${this.base}: ${(err as Error).message}`);
    }
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

  /** Streams a file to disk; returns its size. */
  async download(path: string, to: string): Promise<number> {
    const { createWriteStream } = await import('node:fs');
    const { pipeline } = await import('node:stream/promises');
    const res = await request(this.base + path, { headers: { authorization: `Bearer ${this.token}` } });
    if (res.statusCode !== 200) throw new ClusterError(`download of ${path} failed: HTTP ${res.statusCode} ${await res.body.text()}`);
    let size = 0;
    res.body.on('data', (c: Buffer) => (size += c.length));
    await pipeline(res.body, createWriteStream(to));
    return size;
  }
}
