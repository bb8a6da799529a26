import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import tar from 'tar-stream';
import type { Db } from '../db/client.ts';
import { readArtifact, readArtifactRange } from '../store/artifacts.ts';
import { contentDisposition } from './content-disposition.ts';

interface ArtifactMeta {
  id: string;
  name: string;
  size: number;
  contentType: string;
}

/** Parses one `bytes=a-b` range (the form browsers send when seeking a video). */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (!m[1] && !m[2])) return 'invalid';
  let start: number;
  let end: number;
  if (!m[1]) {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}

/** Serves one stored file with HTTP Range support. */
export async function serveArtifact(c: Context, db: Db, a: ArtifactMeta): Promise<Response> {
  const base = {
    'content-type': a.contentType,
    'accept-ranges': 'bytes',
    'content-disposition': contentDisposition('inline', a.name.split('/').pop()!),
  };
  const range = parseRange(c.req.header('range'), a.size);
  if (range === 'invalid') return c.body(null, 416, { ...base, 'content-range': `bytes */${a.size}` });
  if (!range) return c.body(new Uint8Array(await readArtifact(db, a.id)), 200, { ...base, 'content-length': String(a.size) });
  const bytes = await readArtifactRange(db, a.id, range.start, range.end);
  return c.body(new Uint8Array(bytes), 206, {
    ...base,
    'content-length': String(bytes.length),
    'content-range': `bytes ${range.start}-${range.end}/${a.size}`,
  });
}

/** Many files (a PNG sequence) as one tar stream, read from Postgres one file at a time. */
export function serveTar(c: Context, db: Db, files: ArtifactMeta[], name: string): Response {
  c.header('content-type', 'application/x-tar');
  c.header('content-disposition', contentDisposition('attachment', `${name}.tar`));
  return stream(c, async (out) => {
    const pack = tar.pack();
    const pump = (async () => {
      for await (const chunk of pack) await out.write(chunk as Uint8Array);
    })();
    for (const f of files) {
      const bytes = await readArtifact(db, f.id);
      await new Promise<void>((resolve, reject) => pack.entry({ name: f.name, size: bytes.length }, bytes, (e) => (e ? reject(e) : resolve())));
    }
    pack.finalize();
    await pump;
  });
}
