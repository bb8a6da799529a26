import { spawn } from 'node:child_process';
import { driverEnv, pythonPath } from './python.ts';
import { infoSchema, type DriverInfo } from './protocol.ts';
import { NodeDriver } from './node-driver.ts';
import { renderConcurrency, type Config } from '../config/schema.ts';

/** Runs one driver command in a fresh Python (no warm server) and returns its JSON reply. */
export function runDriverOnce(cmd: string, request: object = {}, timeoutMs = 60_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonPath(), ['-m', 'nn_driver', cmd], { env: driverEnv(), timeout: timeoutMs });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const last = out.trim().split('\n').at(-1);
      try {
        resolve(JSON.parse(last ?? ''));
      } catch {
        reject(new Error(`the Python driver gave no answer to "${cmd}": ${err.trim().split('\n').slice(-3).join(' ') || 'no output'}`));
      }
    });
    child.stdin.end(JSON.stringify(request));
  });
}

export async function driverInfo(): Promise<DriverInfo> {
  return infoSchema.parse(await runDriverOnce('info'));
}

/** What a node records about itself, asked of its own warm driver (no Python of its own to start);
 *  a node without a working driver still runs non-render functions. */
async function nodeVersions(driver: NodeDriver): Promise<Record<string, unknown>> {
  try {
    return { ...(await driver.call('info', {}, infoSchema)), node: process.version };
  } catch (err) {
    return { node: process.version, driverError: err instanceof Error ? err.message : String(err) };
  }
}

export interface StartedDriver {
  driver: NodeDriver;
  versions: Promise<Record<string, unknown>>;
}

/** A node's warm driver, started first thing: Python imports manim while the rest starts up. */
export function startDriver(config: Config): StartedDriver {
  const driver = new NodeDriver(renderConcurrency(config), config.nice, config.limits);
  driver.warm();
  return { driver, versions: nodeVersions(driver) };
}
