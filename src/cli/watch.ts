import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import chokidar from 'chokidar';
import { importClosure, type ProjectFiles } from '../triggers/import-graph.ts';
import { openCluster, renderOnce, report, type RenderCommand } from './render.ts';
import { ClusterError } from './client.ts';

/** Saves come in bursts (an editor writes, renames, touches): one round per burst. */
const SETTLE_MS = 150;

/** The project folder on disk as the import graph reads it. */
function diskFiles(root: string): ProjectFiles {
  return {
    exists: (p) => existsSync(join(root, p)),
    read: (p) => (existsSync(join(root, p)) ? readFileSync(join(root, p), 'utf8') : undefined),
  };
}

/** The file and the project modules it imports, at any depth, as absolute paths. */
function watchedFiles(file: string): string[] {
  const root = dirname(file);
  return [...importClosure(relative(root, file).split(sep).join('/'), diskFiles(root))].map((p) => resolve(root, p));
}

class Edited extends Error {
  override name = 'Edited';
}
class Stopped extends Error {
  override name = 'Stopped';
}

const aborted = (signal: AbortSignal) =>
  new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));

/**
 * `networknodes render FILE --watch`: renders, then renders again on every save of the file or of a
 * module it imports, printing the outputs and the time of each round. A save during a render cancels
 * that job and starts the next round at once. Runs until SIGINT or SIGTERM (which cancel a running job).
 */
export async function runWatch(cmd: RenderCommand): Promise<number> {
  const file = resolve(cmd.file);
  if (!existsSync(file)) throw new ClusterError(`no such file: ${cmd.file}`);
  const cluster = await openCluster(cmd);
  let watched = watchedFiles(file);
  // chokidar's `atomic` (on by default) reports an editor's write-to-temp-then-rename save as a change.
  const watcher = chokidar.watch(watched, { ignoreInitial: true });
  // Aborted by a save (Edited) or by the user stopping (Stopped); a new one each round.
  let wake = new AbortController();
  let settle: NodeJS.Timeout | undefined;
  watcher.on('all', (event, path) => {
    if (event !== 'change' && event !== 'add') return;
    clearTimeout(settle);
    settle = setTimeout(() => wake.abort(new Edited(`${relative(process.cwd(), path)} changed`)), SETTLE_MS);
  });
  const stop = () => wake.abort(new Stopped());
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let failed = false;
  try {
    for (let round = 1; ; round++) {
      const { signal } = wake;
      process.stderr.write(`round ${round}: rendering; watching ${watched.length} file(s)\n`);
      try {
        const done = await renderOnce(cluster.client, cmd, signal);
        report(cmd, done);
        failed = done.job.state !== 'succeeded';
        if (!cmd.json) process.stdout.write(`round ${round}: ${done.job.state} in ${(done.wallMs / 1000).toFixed(1)} s\n`);
        await aborted(signal);
      } catch (err) {
        if (!(err instanceof Edited || err instanceof Stopped)) throw err;
        if (err instanceof Edited) process.stderr.write(`${err.message} during the render: cancelled it\n`);
      }
      if (signal.reason instanceof Stopped) break;
      process.stderr.write(`${(signal.reason as Error).message}\n`);
      wake = new AbortController();
      // An edit may add or drop imports: follow the new ones.
      const now = watchedFiles(file);
      watcher.unwatch(watched.filter((p) => !now.includes(p)));
      watcher.add(now.filter((p) => !watched.includes(p)));
      watched = now;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    clearTimeout(settle);
    await watcher.close();
    await cluster.close();
  }
  return failed ? 1 : 0;
}
