import { isBuiltin } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { PROJECT_ROOT } from './project-root.ts';

// Defined (true) by the built CLI's bundler (bin/cli-build.js); undeclared when run through tsx.
declare const NN_BUILT: boolean | undefined;

/** Whether this code runs from the built CLI rather than as TypeScript through tsx. */
export const BUILT = typeof NN_BUILT !== 'undefined' && NN_BUILT;

// The checkout's own TypeScript is ESM ("type": "module"); a user's file elsewhere may not be.
const TYPESCRIPT = /\.[cm]?tsx?$/;
// A pattern, not the plain words: the built CLI's bundler rewrites those wherever they stand.
const META_URL = /\bimport\.meta\.url\b/g;

/**
 * Imports a module by its path. TypeScript is compiled here when nothing else would load it right:
 * the built CLI runs without a TypeScript loader (a config file, a function module the config
 * names), and a file outside the checkout (a config in the user's scene folder, with no
 * `"type": "module"` package around it) would be taken by Node for CommonJS and its `export default`
 * refused.
 */
export async function importModule(path: string): Promise<unknown> {
  if (TYPESCRIPT.test(path) && (BUILT || !path.startsWith(PROJECT_ROOT))) return importCompiled(path);
  return import(pathToFileURL(path).href);
}

/** Compilations under way: esbuild's service stops after the last. */
let compiling = 0;

/**
 * The file and the files it imports by relative path, compiled by esbuild into one ES module and
 * imported from memory: a few tens of milliseconds, where registering tsx's loader costs every
 * command that meets a config file about half a second of CPU. Packages stay Node's to load, each
 * imported from the file esbuild resolved it to, so they resolve as from the file's own folder.
 */
async function importCompiled(path: string): Promise<unknown> {
  const { build, stop } = await import('esbuild');
  compiling++;
  const result = await build({
    entryPoints: [path],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node}`,
    logLevel: 'silent',
    // its messages name files from there: "wrangler-like.config.ts:3:7: …"
    absWorkingDir: dirname(path),
    plugins: [packagesByPath, ownUrls],
  }).catch((err: unknown) => {
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
    if (!errors?.length) throw err;
    throw new Error(errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text)).join('\n'));
  }).finally(() => {
    // esbuild's service process would stay for the life of a node, pinging it
    if (--compiling === 0) void stop();
  });
  const code = result.outputFiles[0]!.text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

/** A package (or a Node built-in) is imported by Node, from the file esbuild resolves it to: a
 *  module compiled into memory has no folder of its own to resolve packages from. */
const packagesByPath: Plugin = {
  name: 'packages-by-path',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (isBuiltin(args.path)) return { path: args.path, external: true };
      if (args.pluginData === 'inner') return undefined; // esbuild's own resolution, asked for below
      const found = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'inner' });
      if (found.errors.length) return { errors: found.errors };
      return { path: pathToFileURL(found.path).href, external: true };
    });
  },
};

/** Each compiled file keeps its own `import.meta.url` (it finds files beside it by it), not the
 *  data URL of the module they were compiled into. */
const ownUrls: Plugin = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
      if (args.path.includes('node_modules')) return undefined;
      const text = await readFile(args.path, 'utf8');
      return { contents: text.replace(META_URL, JSON.stringify(pathToFileURL(args.path).href)), loader: 'default' };
    });
  },
};
