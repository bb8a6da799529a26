import { pathToFileURL } from 'node:url';

// Defined (true) by the built CLI's bundler (bin/cli-build.js); undeclared when run through tsx.
declare const NN_BUILT: boolean | undefined;

/** Whether this code runs from the built CLI rather than as TypeScript through tsx. */
export const BUILT = typeof NN_BUILT !== 'undefined' && NN_BUILT;

let tsLoader: Promise<void> | undefined;

/**
 * Imports a module by its path. The built CLI runs without a TypeScript loader, so a TypeScript
 * module it meets at run time (a config file, a function module the config names) gets tsx's
 * loader first, once: only commands that need it pay its start-up.
 */
export async function importModule(path: string): Promise<unknown> {
  if (BUILT && /\.[cm]?tsx?$/.test(path)) await (tsLoader ??= import('tsx/esm/api').then((tsx) => void tsx.register()));
  return import(pathToFileURL(path).href);
}
