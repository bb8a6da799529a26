import { existsSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../lib/zod-issues.ts';
import { importModule } from '../lib/import-module.ts';
import { configSchema, type Config, type ConfigInput } from './schema.ts';

export const CONFIG_FILE = 'wrangler-like.config.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}


/** Environment variables win over the file: DATABASE_URL, NN_TOKEN, NN_HOME, PORT. */
function applyEnv(input: ConfigInput, env: NodeJS.ProcessEnv): ConfigInput {
  const out: ConfigInput = { ...input };
  if (env.DATABASE_URL) out.database = { ...input.database, url: env.DATABASE_URL };
  if (env.NN_TOKEN) out.token = env.NN_TOKEN;
  if (env.NN_HOME) out.home = env.NN_HOME;
  if (env.PORT) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port)) throw new ConfigError(`PORT: expected a whole number, got "${env.PORT}"`);
    out.http = { ...input.http, port };
  }
  return out;
}

export function parseConfig(input: unknown, env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): Config {
  const raw = z.record(z.string(), z.unknown()).safeParse(input ?? {});
  if (!raw.success) throw new ConfigError('config: expected an object (export default defineConfig({...}))');
  const parsed = configSchema.safeParse(applyEnv(raw.data as ConfigInput, env));
  if (!parsed.success) throw new ConfigError(`invalid config: ${describeIssues(parsed.error)}`);
  const config = parsed.data;
  config.functionModules = config.functionModules.map((m) => resolve(baseDir, m));
  // A cron's local directory, like a function module, is relative to the config file.
  for (const cron of config.triggers.crons) if (!cron.repo) cron.path = resolve(baseDir, cron.path);
  return config;
}

/** Loads `wrangler-like.config.ts` from `dir` (or the given file); a missing file means defaults. */
export async function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const path = resolve(file ?? CONFIG_FILE);
  if (!existsSync(path)) {
    if (file) throw new ConfigError(`config file not found: ${path}`);
    return parseConfig({}, env);
  }
  const mod = (await importModule(path).catch((err: unknown) => {
    throw new ConfigError(`config file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  })) as { default?: unknown };
  return parseConfig(mod.default ?? {}, env, dirname(path));
}
