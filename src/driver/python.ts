import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/project-root.ts';

export { PROJECT_ROOT };
export const DRIVER_DIR = join(PROJECT_ROOT, 'driver');

/** The project's own Python with its pinned Manim; NN_PYTHON points elsewhere. */
export function pythonPath(): string {
  const venv = join(PROJECT_ROOT, '.venv', 'bin', 'python');
  return process.env.NN_PYTHON ?? (existsSync(venv) ? venv : 'python3');
}

/**
 * What scene code may see of the node's environment: what finding programs, fonts, LaTeX, locale
 * and temporary files needs, and nothing else. Scene code is the job submitter's, so the cluster
 * token, the database URL and whatever else the node was started with (cloud keys, …) stay out.
 */
const PASSED = [
  /^(PATH|HOME|USER|LOGNAME|LANG|LANGUAGE|TZ|TMPDIR|TMP|TEMP|TERM)$/,
  /^LC_[A-Z]+$/,
  /^XDG_(CACHE|CONFIG|DATA|RUNTIME)_(HOME|DIR|DIRS)$/,
  /^(FONTCONFIG_FILE|FONTCONFIG_PATH|LD_LIBRARY_PATH|VIRTUAL_ENV)$/,
  /^(TEXMF[A-Z]*|TEXINPUTS|TEXFONTS|BIBINPUTS|openout_any)$/,
];

/** Pinned for identical pixels and bytes on every node: hash seed, one BLAS thread. */
export function driverEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const passed = Object.fromEntries(Object.entries(env).filter(([k]) => PASSED.some((re) => re.test(k))));
  return {
    ...passed,
    PYTHONPATH: DRIVER_DIR,
    PYTHONHASHSEED: '0',
    PYTHONDONTWRITEBYTECODE: '1',
    OPENBLAS_NUM_THREADS: '1',
    OMP_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
  };
}
