import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { BundleFile } from '../model/job-request.ts';

export class GitError extends Error {
  override name = 'GitError';
}

/** Runs the system `git`; never prompts for credentials (a node has no terminal). */
function git(args: string[], opts: { cwd?: string; input?: string; signal?: AbortSignal } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: opts.cwd,
      signal: opts.signal,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(new GitError(`git ${args[0]}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitError(`git ${args.join(' ')} failed: ${Buffer.concat(err).toString('utf8').trim() || `exit ${code}`}`));
    });
    // A git that exits before reading its stdin: its exit code, not EPIPE, says what went wrong.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input);
  });
}

/** A path inside the repository as a prefix: "" for the whole of it, else "dir/". */
export function treePrefix(path: string): string {
  const p = posix.normalize(path.replace(/\\/g, '/') || '.').replace(/\/+$/, '');
  return p === '.' ? '' : `${p}/`;
}

/**
 * A trigger's own bare clone under NN_HOME, kept across runs so each fetch brings only what is new.
 * Fetches the branch from `url` (any URL git understands) and returns the branch's commit.
 */
export async function fetchBranch(cacheDir: string, url: string, branch: string, signal?: AbortSignal): Promise<string> {
  if (!existsSync(join(cacheDir, 'HEAD'))) {
    await mkdir(cacheDir, { recursive: true });
    await git(['init', '--bare', '--quiet', cacheDir]);
  }
  const ref = `refs/remotes/origin/${branch}`;
  await git(['fetch', '--quiet', '--no-tags', '--force', '--end-of-options', url, `+refs/heads/${branch}:${ref}`], { cwd: cacheDir, signal });
  return (await git(['rev-parse', '--verify', `${ref}^{commit}`], { cwd: cacheDir })).toString('utf8').trim();
}

export async function hasCommit(cacheDir: string, commit: string): Promise<boolean> {
  return git(['cat-file', '-e', `${commit}^{commit}`], { cwd: cacheDir }).then(() => true, () => false);
}

/** Fetches the branch, then the commit itself if the branch no longer leads to it (a force-push). */
export async function fetchCommit(cacheDir: string, url: string, branch: string, commit: string, signal?: AbortSignal): Promise<void> {
  await fetchBranch(cacheDir, url, branch, signal);
  if (await hasCommit(cacheDir, commit)) return;
  await git(['fetch', '--quiet', '--no-tags', '--end-of-options', url, commit], { cwd: cacheDir, signal }).catch(() => {});
  if (!(await hasCommit(cacheDir, commit))) throw new GitError(`commit ${commit} is not on ${branch} of ${url} (and the server would not send it by id)`);
}

/** The files under `path` at `commit`, paths relative to `path`. Symbolic links and submodules are left out. */
export async function readTree(cacheDir: string, commit: string, path: string): Promise<BundleFile[]> {
  const prefix = treePrefix(path);
  const listing = (await git(['ls-tree', '-r', '-z', '--full-tree', commit, ...(prefix ? ['--', prefix] : [])], { cwd: cacheDir })).toString('utf8');
  const blobs: { path: string; object: string }[] = [];
  for (const entry of listing.split('\0').filter(Boolean)) {
    const tab = entry.indexOf('\t');
    const [mode, type, object] = entry.slice(0, tab).split(' ');
    const file = entry.slice(tab + 1);
    if (type === 'blob' && (mode === '100644' || mode === '100755') && file.startsWith(prefix)) blobs.push({ path: file.slice(prefix.length), object: object! });
  }
  if (!blobs.length) return [];
  const out = await git(['cat-file', '--batch'], { cwd: cacheDir, input: blobs.map((b) => b.object).join('\n') + '\n' });
  // --batch answers each id with "<id> blob <size>\n<bytes>\n", in the order asked.
  const files: BundleFile[] = [];
  let at = 0;
  for (const b of blobs) {
    const eol = out.indexOf(0x0a, at);
    const size = Number(out.subarray(at, eol).toString('utf8').split(' ')[2]);
    files.push({ path: b.path, bytes: Buffer.from(out.subarray(eol + 1, eol + 1 + size)) });
    at = eol + 1 + size + 1;
  }
  return files;
}

/** Files under `path` that differ between two commits (added, changed or deleted), relative to `path`. */
export async function changedPaths(cacheDir: string, from: string, to: string, path: string): Promise<string[]> {
  const prefix = treePrefix(path);
  const out = await git(['diff', '--name-only', '-z', '--no-renames', from, to, ...(prefix ? ['--', prefix] : [])], { cwd: cacheDir });
  return out.toString('utf8').split('\0').filter((p) => p.startsWith(prefix) && p.length > prefix.length).map((p) => p.slice(prefix.length));
}
