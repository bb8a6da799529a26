import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from './project-root.ts';

// The checkout's own TypeScript is ESM ("type": "module"); a user's file elsewhere may not be.
const TYPESCRIPT = /\.[cm]?tsx?$/;

/**
 * Imports a module by its path. A TypeScript file outside the checkout (a config in the user's
 * scene folder, with no `"type": "module"` package around it) is loaded as ESM by tsx's
 * `tsImport`: imported plainly, Node would take it for CommonJS and refuse its `export default`.
 */
export async function importModule(path: string): Promise<unknown> {
  if (TYPESCRIPT.test(path) && !path.startsWith(PROJECT_ROOT)) {
    const { tsImport } = await import('tsx/esm/api');
    const mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
    // compiled as CommonJS, its `export default` arrives one level down
    const inner = mod.default;
    return inner && typeof inner === 'object' && 'default' in inner ? { ...mod, default: (inner as { default: unknown }).default } : mod;
  }
  return import(pathToFileURL(path).href);
}
