import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from './project-root.ts';

// Defined (true) by the built CLI's bundler (bin/cli-build.js); undeclared when run through tsx.
declare const NN_BUILT: boolean | undefined;

/** Whether this code runs from the built CLI rather than as TypeScript through tsx. */
export const BUILT = typeof NN_BUILT !== 'undefined' && NN_BUILT;

// The checkout's own TypeScript is ESM ("type": "module"); a user's file elsewhere may not be.
const TYPESCRIPT = /\.[cm]?tsx?$/;

/**
 * Imports a module by its path. TypeScript goes through tsx's `tsImport` when nothing else would
 * load it right: the built CLI runs without a TypeScript loader (a config file, a function module
 * the config names), and a file outside the checkout (a config in the user's scene folder, with no
 * `"type": "module"` package around it) would be taken by Node for CommonJS and its `export default`
 * refused. Only commands that meet such a file pay tsx's start-up.
 */
export async function importModule(path: string): Promise<unknown> {
  if (TYPESCRIPT.test(path) && (BUILT || !path.startsWith(PROJECT_ROOT))) {
    const { tsImport } = await import('tsx/esm/api');
    const mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
    // compiled as CommonJS, its `export default` arrives one level down
    const inner = mod.default;
    return inner && typeof inner === 'object' && 'default' in inner ? { ...mod, default: (inner as { default: unknown }).default } : mod;
  }
  return import(pathToFileURL(path).href);
}
