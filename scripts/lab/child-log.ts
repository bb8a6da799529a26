import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** Keeps a child's last lines (for error messages) and copies its output to a log file. */
export function watch(child: ChildProcess, logFile: string, onStdout?: (line: string) => void) {
  const last: string[] = [];
  const log = createWriteStream(logFile);
  const onLine = (stream: string) => (line: string) => {
    log.write(`${stream}: ${line}\n`);
    last.push(`${stream}: ${line}`);
    if (last.length > 20) last.shift();
    if (stream === 'out') onStdout?.(line);
  };
  if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine('out'));
  if (child.stderr) createInterface({ input: child.stderr }).on('line', onLine('err'));
  return last;
}
