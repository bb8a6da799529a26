import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

let script: Promise<string> | undefined;
let style: Promise<string> | undefined;

/** The page's TypeScript module, bundled by esbuild on first request and kept: the user has no build
 *  step, and the node serves it itself (the page works on a LAN without the internet). */
export function clientScript(): Promise<string> {
  script ??= build({
    entryPoints: [fileURLToPath(new URL('./client/app.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text);
  // a failed build is tried again on the next request, not cached
  script.catch(() => (script = undefined));
  return script;
}

export function clientStyle(): Promise<string> {
  style ??= readFile(new URL('./style.css', import.meta.url), 'utf8');
  return style;
}
