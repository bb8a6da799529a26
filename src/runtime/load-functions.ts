import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RegisteredFunction } from '../function/define.ts';
import { PROJECT_ROOT } from '../driver/python.ts';

export const FUNCTIONS_DIR = join(PROJECT_ROOT, 'functions');

function isFunction(v: unknown): v is RegisteredFunction {
  return !!v && typeof v === 'object' && typeof (v as RegisteredFunction).name === 'string' && typeof (v as RegisteredFunction).call === 'function';
}

async function load(path: string): Promise<RegisteredFunction> {
  const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  if (!isFunction(mod.default)) throw new Error(`${path} does not export a function made with defineFunction() as default`);
  return mod.default;
}

/** The functions a node registers: names from functions/, plus modules the config names. */
export async function loadFunctions(names: string[], modules: string[]): Promise<Map<string, RegisteredFunction>> {
  const out = new Map<string, RegisteredFunction>();
  for (const name of names) {
    const path = join(FUNCTIONS_DIR, `${name}.ts`);
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
