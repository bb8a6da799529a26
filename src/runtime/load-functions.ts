import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RegisteredFunction } from '../function/define.ts';
import { PROJECT_ROOT } from '../driver/python.ts';
import { BUILT, importModule } from '../lib/import-module.ts';

export const FUNCTIONS_DIR = join(PROJECT_ROOT, 'functions');
// The built CLI carries the functions built beside it (bin/cli-build.js), sharing its modules.
const modulePath = (name: string) => (BUILT ? join(PROJECT_ROOT, 'dist', 'cli', `function-${name}.js`) : join(FUNCTIONS_DIR, `${name}.ts`));

function isFunction(v: unknown): v is RegisteredFunction {
  return !!v && typeof v === 'object' && typeof (v as RegisteredFunction).name === 'string' && typeof (v as RegisteredFunction).call === 'function';
}

async function load(path: string): Promise<RegisteredFunction> {
  const mod = (await importModule(path)) as { default?: unknown };
  if (!isFunction(mod.default)) throw new Error(`${path} does not export a function made with defineFunction() as default`);
  return mod.default;
}

/** The functions a node registers: names from functions/, plus modules the config names. */
export async function loadFunctions(names: string[], modules: string[]): Promise<Map<string, RegisteredFunction>> {
  const out = new Map<string, RegisteredFunction>();
  for (const name of names) {
    const path = modulePath(name);
    if (!existsSync(path)) throw new Error(`functions: no function "${name}" in ${FUNCTIONS_DIR}`);
    const fn = await load(path);
    out.set(fn.name, fn);
  }
  for (const path of modules) {
    const fn = await load(path);
    out.set(fn.name, fn);
  }
  return out;
}
