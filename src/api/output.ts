import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Db } from '../db/client.ts';
import { artifactBytes } from '../store/artifacts.ts';
import { contentDisposition } from './content-disposition.ts';

interface ArtifactMeta {
  id: string;
  name: string;
  size: number;
  contentType: string;
}

type Range = { start: number; end: number } | { refused: string } | undefined;

/** Parses a Range header: one `bytes=a-b`, `bytes=a-` or `bytes=-n` (the forms browsers send when
 *  seeking a video). Several ranges at once are refused (one range per request); an end past the
 *  file is cut to it (RFC 9110), a start past it cannot be served. */
export function parseRange(header: string | undefined, size: number): Range {
  if (header === undefined) return undefined;
  if (header.includes(',')) return { refused: 'several ranges in one request are not supported: ask for one range at a time' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (!m[1] && !m[2])) return { refused: `malformed Range header ${JSON.stringify(header.slice(0, 100))}: expected bytes=start-end, bytes=start- or bytes=-length` };
  if (!m[1]) {
    const length = Number(m[2]);
    if (length === 0 || size === 0) return { refused: `the last ${length} bytes of a ${size}-byte file is no bytes at all` };
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (m[2] && Number(m[2]) < start) return { refused: `Range ${m[1]}-${m[2]} ends before it starts` };
  if (start >= size) return { refused: `Range starts at byte ${start}, past the end of the ${size}-byte file` };
  return { start, end };
}

function body(db: Db, a: ArtifactMeta, start: number, end: number) {
  return Readable.toWeb(Readable.from(artifactBytes(db, a.id, a.size, start, end))) as ReadableStream<Uint8Array>;
}

/** Serves one stored file, streamed a chunk at a time, with HTTP Range support. */
export async function serveArtifact(c: Context, db: Db, a: ArtifactMeta): Promise<Response> {
  const base = {
    'content-type': a.contentType,
    'accept-ranges': 'bytes',
    'content-disposition': contentDisposition('inline', a.name.split('/').pop()!),
  };
  const range = parseRange(c.req.header('range'), a.size);
  if (range && 'refused' in range) {
    return c.json({ error: range.refused }, 416, { 'content-range': `bytes */${a.size}` });
  }
  if (!range) return c.body(body(db, a, 0, a.size - 1), 200, { ...base, 'content-length': String(a.size) });
  return c.body(body(db, a, range.start, range.end), 206, {
    ...base,
    'content-length': String(range.end - range.start + 1),
    'content-range': `bytes ${range.start}-${range.end}/${a.size}`,
  });
}

/** Many files (a PNG sequence) as one tar stream, read from Postgres a chunk at a time. */
export function serveTar(c: Context, db: Db, files: ArtifactMeta[], name: string): Response {
  c.header('content-type', 'application/x-tar');
  c.header('content-disposition', contentDisposition('attachment', `${name}.tar`));
  return stream(c, async (out) => {
    const pack = tar.pack();
    const pump = (async () => {
      for await (const chunk of pack) await out.write(chunk as Uint8Array);
    })();
    for (const f of files) {
      const entry = pack.entry({ name: f.name, size: f.size });
      await new Promise<void>((resolve, reject) => {
        entry.on('error', reject);
        Readable.from(artifactBytes(db, f.id, f.size)).on('error', reject).pipe(entry).on('finish', resolve);
      });
    }
    pack.finalize();
    await pump;
  });
}
