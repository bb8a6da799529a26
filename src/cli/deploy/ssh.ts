import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';

/** Steps that deploy runs on the remote machine (see the script's header). */
const REMOTE_SCRIPT = readFileSync(new URL('./remote.sh', import.meta.url), 'utf8');

export class SshError extends Error {
  override name = 'SshError';
}

/** One word for the remote shell, whatever it holds. */
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export interface SshTarget {
  /** `user@host` or `host`, as `ssh` takes it (and ~/.ssh/config's aliases). */
  destination: string;
  /** `-o` options passed to ssh as given (Port=2222, IdentityFile=…, UserKnownHostsFile=…). */
  options: string[];
}

export interface StepResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one step of the remote script over the user's own `ssh` and keys. Never asks for a password
 * (BatchMode: a prompt would hang a script); `input` goes to the step's stdin; `onLine` sees its
 * output as it comes. An SSH failure (unreachable, refused key) throws with ssh's own words.
 */
export function runStep(target: SshTarget, step: string, dir: string, args: string[] = [], io: { input?: Readable | string; onLine?: (line: string) => void } = {}): Promise<StepResult> {
  const command = ['bash', '-c', REMOTE_SCRIPT, 'nn-deploy', step, dir, ...args].map(quote).join(' ');
  const argv = ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=15', '-o', 'ServerAliveInterval=15', ...target.options.flatMap((o) => ['-o', o]), '--', target.destination, command];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    const line = (chunk: string) => {
      if (!io.onLine) return;
      partial += chunk;
      const lines = partial.split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const l of lines) io.onLine(l);
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), line(d)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => ((stderr += d), line(d)));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(new SshError(err.code === 'ENOENT' ? 'ssh is not installed here (Debian: apt-get install openssh-client)' : `ssh could not start: ${err.message}`)),
    );
    // A step that stops reading its stdin early is reported by its exit code, not by EPIPE.
    child.stdin.on('error', () => {});
    if (typeof io.input === 'string') child.stdin.end(io.input);
    else if (io.input) io.input.pipe(child.stdin);
    else child.stdin.end();
    child.on('close', (code) => {
      if (partial && io.onLine) io.onLine(partial);
      // 255 is ssh's own failure: the connection or the login, before any step ran.
      if (code === 255) {
        const said = stderr.trim().split('\n').filter((l) => !/^Warning: Permanently added/.test(l)).at(-1) ?? 'no reason given';
        // BatchMode answers no to the question an unknown host key would ask.
        const hint = /Host key verification failed/.test(stderr) ? ` (a host ssh has not seen: log in once with ssh ${target.destination}, or pass -o StrictHostKeyChecking=accept-new)` : '';
        return reject(new SshError(`cannot log in to ${target.destination} over SSH: ${said}${hint}`));
      }
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** Runs a step that must succeed; its failure throws with what it said. */
export async function mustRun(target: SshTarget, step: string, dir: string, args: string[] = [], io: Parameters<typeof runStep>[4] = {}): Promise<string> {
  const r = await runStep(target, step, dir, args, io);
  if (r.code !== 0) throw new SshError(`${step} on ${target.destination} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n  ')}`);
  return r.stdout;
}

/** `key=value` lines, as the remote steps print them. */
export function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of text.split('\n')) {
    const i = l.indexOf('=');
    if (i > 0) out[l.slice(0, i).trim()] = l.slice(i + 1).trim();
  }
  return out;
}
