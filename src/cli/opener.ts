import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The desktop's "open this" command, as manim's -p uses it: xdg-open on Linux, open on macOS. */
function defaultOpener(): string | undefined {
  if (process.platform === 'darwin') return 'open';
  if (process.platform === 'win32') return undefined;
  return 'xdg-open';
}

function onPath(command: string): string | undefined {
  if (command.includes('/')) return command;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, command);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      continue;
    }
  }
  return undefined;
}

/**
 * Opens a file or URL with `command` (default: the desktop's opener) and does not wait for the
 * viewer to close. Returns false when there is no such command: on a headless machine the caller
 * says where the thing is instead.
 */
export function openWith(target: string, command?: string): boolean {
  const name = command ?? defaultOpener();
  const exe = name && onPath(name);
  if (!exe) return false;
  const child = spawn(exe, [target], { detached: true, stdio: 'ignore' });
  child.on('error', () => {}); // reported as not opened only when it cannot start at all
  child.unref();
  return true;
}
