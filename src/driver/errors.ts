import { relative, isAbsolute } from 'node:path';
import type { JobError } from '../db/schema.ts';
import { driverErrorLine, type SceneError } from '../model/errors.ts';

/** A scene's error as users see it: paths relative to their project, not to a node's cache. */
export function errorDetail(err: SceneError, cwd: string): JobError {
  const rel = (p: string) => (isAbsolute(p) && p.startsWith(cwd) ? relative(cwd, p) : p);
  const d = err.detail;
  const file = d.file ? rel(d.file) : null;
  return {
    type: d.type,
    message: driverErrorLine(d, file),
    traceback: d.traceback.split(cwd + '/').join(''),
    file,
    line: d.line,
  };
}
