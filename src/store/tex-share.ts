import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { isAbsolute, join, relative } from 'node:path';
import type { Database } from '../db/client.ts';
import { getTex, putTex, TEX_CHANNEL, texNotIn } from './tex-cache.ts';
import { log } from '../lib/log.ts';

/** manim's names for them; anything else from the database is never written to disk. */
const NAME = /^(Tex|texts)\/[A-Za-z0-9_-]+\.svg$/;
const OUTBOX_POLL_MS = 200;

/**
 * This machine's copy of the cluster's TeX and text SVGs (the tex_cache table), in the folder the
 * Python driver looks in before it runs LaTeX (driver/nn_driver/tex_share.py). What a render here
 * compiles arrives in the folder's outbox and goes to the database; what any node adds arrives here
 * by notification. So LaTeX runs once per formula in the whole cluster, across jobs too.
 */
export class TexShare {
  private unlisten?: () => Promise<void>;
  private timer?: NodeJS.Timeout;
  private publishing = false;

  constructor(
    readonly dir: string,
    private readonly database: Database,
  ) {}

  async start(): Promise<void> {
    await mkdir(join(this.dir, 'outbox', 'Tex'), { recursive: true });
    const have = (await Promise.all(['Tex', 'texts'].map(async (d) => (await readdir(join(this.dir, d)).catch(() => [])).map((f) => `${d}/${f}`)))).flat();
    for (const row of await texNotIn(this.database.db, have)) await this.write(row.name, row.bytes);
    const { unlisten } = await this.database.listen(TEX_CHANNEL, (name) => void this.ensure([name]).catch((err) => log.warn({ err, name }, 'could not fetch a shared SVG')));
    this.unlisten = unlisten;
    this.timer = setInterval(() => void this.publish(), OUTBOX_POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unlisten?.();
  }

  /** Makes sure these SVGs are in the folder (fetched from the database if not); their paths. */
  async ensure(names: string[]): Promise<string[]> {
    const missing = names.filter((n) => !existsSync(join(this.dir, n)));
    for (const row of await getTex(this.database.db, missing)) await this.write(row.name, row.bytes);
    const absent = names.filter((n) => !existsSync(join(this.dir, n)));
    if (absent.length) throw new Error(`the cluster has no SVG ${absent.join(', ')}: it was not kept when the scene was planned`);
    return names.map((n) => join(this.dir, n));
  }
  /** The plan's TeX and text SVGs as a render's `cacheFiles`: the driver puts them where manim
   *  looks for them, so no LaTeX runs here. */
  async cacheFiles(names: string[]): Promise<{ path: string; source: string }[]> {
    const sources = await this.ensure(names);
    return names.map((path, i) => ({ path, source: sources[i]! }));
  }


  /** Shares SVGs given in a file: `name` is where they go, "Tex/…svg" or "texts/…svg". */
  async add(name: string, bytes: Buffer): Promise<void> {
    await putTex(this.database.db, name, bytes);
    await this.write(name, bytes);
  }

  private async write(name: string, bytes: Buffer): Promise<void> {
    if (!NAME.test(name)) return;
    const path = join(this.dir, name);
    if (existsSync(path)) return;
    await mkdir(join(path, '..'), { recursive: true });
    // Whole or not at all: a render may look for it at any moment. Its own temporary name: the
    // same SVG can arrive twice at once (shared from here, and notified back).
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }

  /** TeX and text SVGs made while planning go to the cluster's cache, so render nodes need no LaTeX
   *  (and Pango texts look the same whatever fonts a node has). `mediaDir` is where the pass put them. */
  async shareFromPlan(texFiles: string[], mediaDir: string): Promise<void> {
    for (const f of texFiles) {
      const abs = isAbsolute(f) ? f : join(mediaDir, f);
      await this.add(relative(mediaDir, abs), await readFile(abs));
    }
  }

  private async publish(): Promise<void> {
    if (this.publishing) return;
    this.publishing = true;
    const outbox = join(this.dir, 'outbox', 'Tex');
    try {
      for (const f of await readdir(outbox)) {
        if (f.startsWith('.')) continue; // still being written
        const path = join(outbox, f);
        await this.add(`Tex/${f}`, await readFile(path));
        await unlink(path);
      }
    } catch (err) {
      log.warn({ err }, 'could not share a compiled SVG');
    } finally {
      this.publishing = false;
    }
  }
}
