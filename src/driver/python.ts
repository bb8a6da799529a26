import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DRIVER_DIR = join(PROJECT_ROOT, 'driver');

/** The project's own Python with its pinned Manim; NN_PYTHON points elsewhere. */
export function pythonPath(): string {
  const venv = join(PROJECT_ROOT, '.venv', 'bin', 'python');
  return process.env.NN_PYTHON ?? (existsSync(venv) ? venv : 'python3');
}

/** Pinned for identical pixels and bytes on every node: hash seed, one BLAS thread. */
export function driverEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: DRIVER_DIR,
    PYTHONHASHSEED: '0',
    PYTHONDONTWRITEBYTECODE: '1',
    OPENBLAS_NUM_THREADS: '1',
    OMP_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
  };
}
