// The built CLI: src/cli/main.ts and the functions bundled by esbuild into dist/cli/ (gitignored),
// so a command starts in plain Node instead of compiling TypeScript through tsx (about a second).
// Plain JavaScript: bin/networknodes.js asks `currentBuild` before any TypeScript loader exists.
// `node bin/cli-build.js` builds it (scripts/setup.sh and `npm test` do).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'dist', 'cli');
/** What the bundle was built from: every source file esbuild read, its size, mtime and sha256. */
const STAMP = join(OUT, 'sources.json');

/** @param {string} path */
const digest = (path) => createHash('sha256').update(readFileSync(join(ROOT, path))).digest('hex');

/** @typedef {{ size: number, mtimeMs: number, sha256: string }} Source */

/** @param {string} path @returns {Source} */
function source(path) {
  const { size, mtimeMs } = statSync(join(ROOT, path));
  return { size, mtimeMs, sha256: digest(path) };
}

/**
 * The built CLI's entry when it was built from the sources as they are now (each file it was built
 * from unchanged: an edit elsewhere cannot change the bundle unless one of them changes to import
 * it), else undefined: never run a bundle that lags behind `src/`. A file whose size and mtime are
 * as built is taken as unchanged; any other is compared by content (a checkout touches files).
 * @returns {string | undefined}
 */
export function currentBuild() {
  try {
    /** @type {Record<string, Source>} */
    const sources = JSON.parse(readFileSync(STAMP, 'utf8'));
    for (const [path, built] of Object.entries(sources)) {
      const { size, mtimeMs } = statSync(join(ROOT, path));
      if ((size !== built.size || mtimeMs !== built.mtimeMs) && digest(path) !== built.sha256) return undefined;
    }
    return join(OUT, 'cli.js');
  } catch {
    return undefined; // not built, or a source gone
  }
}

/**
 * esbuild inlines every module into the files of dist/cli/ (all in that one folder), so
 * `import.meta.url` would name that file; each source's own is put back, relative to the folder so a
 * moved checkout still works: the driver, migrations and the web page's assets are found from where
 * their module lives.
 * @type {import('esbuild').Plugin}
 */
const ownUrl = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.tsx?$/ }, (args) => {
      if (args.path.includes('node_modules')) return undefined;
      const fromChunk = relative(OUT, args.path).split('\\').join('/');
      const contents = readFileSync(args.path, 'utf8').replaceAll('import.meta.url', `new URL(${JSON.stringify(fromChunk)}, import.meta.url).href`);
      return { contents, loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
    });
  },
};

/** Builds dist/cli/ from the sources and stamps it with what it was built from. */
export async function buildCli() {
  const { build } = await import('esbuild');
  rmSync(OUT, { recursive: true, force: true });
  // One folder (see ownUrl): cli.js, and function-NAME.js for each of functions/ (src/runtime/load-functions.ts).
  const functions = readdirSync(join(ROOT, 'functions')).filter((f) => f.endsWith('.ts')).map((f) => ({ in: join(ROOT, 'functions', f), out: `function-${f.slice(0, -3)}` }));
  const result = await build({
    entryPoints: [{ in: join(ROOT, 'src', 'cli', 'main.ts'), out: 'cli' }, ...functions],
    outdir: OUT,
    bundle: true,
    splitting: true, // one copy of each module for the CLI and the functions a node loads; commands load only what they use
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    jsx: 'automatic',
    jsxImportSource: 'hono/jsx',
    define: { NN_BUILT: 'true' },
    plugins: [ownUrl],
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules'));
  const sources = Object.fromEntries(inputs.map((p) => relative(ROOT, join(process.cwd(), p))).sort().map((p) => [p, source(p)]));
  writeFileSync(STAMP, JSON.stringify(sources, null, 1) + '\n');
  return join(OUT, 'cli.js');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const entry = await buildCli();
  process.stdout.write(`built ${relative(process.cwd(), dirname(entry))}/\n`);
}
