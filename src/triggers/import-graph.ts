import { posix } from 'node:path';
import { parseImports, type PyImport } from './python-source.ts';

/** A project's files as the import graph sees them: paths relative to its root, '/'-separated. */
export interface ProjectFiles {
  /** Whether a file exists (or existed: a deleted module still counts as a changed dependency). */
  exists(path: string): boolean;
  /** A Python module's source; undefined when it cannot be read (deleted). */
  read(path: string): string | undefined;
}

const join = (...parts: string[]) => posix.join(...parts).replace(/^\.\//, '');

/** The repository files an import may load: the module, the packages above it, submodules named by `from … import`. */
function candidates(from: string, imp: PyImport, searchDirs: string[]): string[] {
  const bases = imp.level > 0 ? [posix.join(posix.dirname(from), ...Array<string>(imp.level - 1).fill('..'))] : searchDirs;
  const parts = imp.module ? imp.module.split('.') : [];
  const out: string[] = [];
  for (const base of bases) {
    for (let i = 1; i <= parts.length; i++) {
      const dir = join(base, ...parts.slice(0, i));
      out.push(`${dir}/__init__.py`.replace(/^\.\//, ''));
      if (i === parts.length) out.push(`${dir}.py`);
    }
    if (imp.level > 0) out.push(join(base, '__init__.py'));
    const target = join(base, ...parts);
    for (const name of imp.names) out.push(join(target, `${name}.py`), join(target, name, '__init__.py'));
  }
  return out.filter((p) => !p.startsWith('../'));
}

/**
 * The project modules a Python file loads, directly or through other modules, itself included.
 * As when manim runs it, the file's own folder is on sys.path (the project root too, as a superset);
 * relative imports resolve from each module's package. Modules outside the project (manim, numpy) are
 * not followed.
 */
export function importClosure(entry: string, files: ProjectFiles): Set<string> {
  const searchDirs = [...new Set([posix.dirname(entry), '.'])];
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    const source = files.read(file);
    if (source === undefined) continue;
    for (const imp of parseImports(source)) {
      for (const dep of candidates(file, imp, searchDirs)) {
        if (!seen.has(dep) && files.exists(dep)) {
          seen.add(dep);
          queue.push(dep);
        }
      }
    }
  }
  return seen;
}
