import { spawn } from 'node:child_process';

/**
 * Runs the node's sleep command (`systemctl suspend` by default) through the shell and waits for
 * it to end; a command that fails says so with its exit status and what it printed.
 */
export function runSleepCommand(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`sleep command "${command}" ended with ${signal ?? `status ${code}`}${stderr ? `: ${stderr.trim()}` : ''}`))));
  });
}
