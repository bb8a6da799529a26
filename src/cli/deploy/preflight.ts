import { z } from 'zod';

/** Room for the venv with Manim (~0.5 GB), node_modules (~0.3 GB), caches and a few renders. */
export const MIN_FREE_KB = 2 * 1024 * 1024;
const MIN_NODE_MAJOR = 20;

const yesNo = z.enum(['yes', 'no']).transform((v) => v === 'yes');

/** What the remote's `facts` step reports. */
export const factsSchema = z.object({
  os: z.string(),
  arch: z.string(),
  hostname: z.string(),
  node: z.string(),
  npm: z.string(),
  tar: z.string(),
  free_kb: z.coerce.number().int(),
  root: yesNo,
  sudo: yesNo,
  systemd: yesNo,
  deployed: yesNo,
  name: z.string(),
  dir: z.string(),
});
export type Facts = z.infer<typeof factsSchema>;

/** Why the machine cannot take a node before anything is sent to it; empty when it can. */
export function machineProblems(f: Facts, host: string): string[] {
  const problems: string[] = [];
  if (f.os !== 'Linux') problems.push(`${host} runs ${f.os || 'an unknown OS'}: deploy installs on Linux only`);
  const major = Number(f.node.split('.')[0]);
  if (!f.node) problems.push(`${host} has no Node.js on the PATH of an SSH login: install Node.js ${MIN_NODE_MAJOR} or newer (e.g. from NodeSource; Debian 12's nodejs is 18)`);
  else if (!(major >= MIN_NODE_MAJOR)) problems.push(`${host} has Node.js ${f.node}: ${MIN_NODE_MAJOR} or newer is needed`);
  else if (!f.npm) problems.push(`${host} has Node.js but no npm: install npm`);
  if (!f.tar) problems.push(`${host} has no tar: install tar`);
  if (f.free_kb < MIN_FREE_KB) problems.push(`${host} has ${(f.free_kb / 1024 ** 2).toFixed(1)} GB free for ${f.dir}: at least ${MIN_FREE_KB / 1024 ** 2} GB are needed (or choose another --dir)`);
  return problems;
}

/** What the remote's set-up would install (`setup.sh --check`): its problems, before it runs. */
export function setupProblems(check: { missing: string[]; python: string }, f: Facts, host: string): string[] {
  const problems: string[] = [];
  if (!check.python) problems.push(`${host} has no Python 3.11 or newer: install it (Debian 12: apt-get install python3 python3-venv), or name one with --setup-env NN_SETUP_PYTHON=/path/to/python3.11`);
  if (check.missing.length && !f.root && !f.sudo) {
    problems.push(`${host} lacks Debian packages (${check.missing.join(' ')}) and this login can neither install them (not root) nor use sudo without a password: install them there with sudo apt-get install ${check.missing.join(' ')}, then deploy again`);
  }
  return problems;
}
