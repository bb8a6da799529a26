import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/**
 * Layers, lowest first: a module imports only from its own layer or lower ones. cli → api/runtime →
 * functions → cutting/queue/store → model/db.
 */
const LAYERS: Record<string, number> = {
  'src/model': 0,
  'src/lib': 0,
  'src/db': 1,
  'src/config': 1,
  'src/bundle': 1,
  'src/driver': 2,
  'src/video': 2,
  'src/cutting': 2,
  'src/queue': 2,
  'src/store': 2,
  'src/triggers': 2,
  'src/function': 3,
  'src/render': 3,
  functions: 3,
  'src/runtime': 4,
  'src/api': 4,
  'src/web': 4,
  'src/cli': 5,
  'src/index.ts': 5,
};

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return /\.tsx?$/.test(path) ? [path] : [];
  });
}

/** Project files a module imports (static, dynamic and re-exports; type-only too: they still tie layers). */
function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

function layerOf(file: string): number {
  const key = Object.keys(LAYERS).filter((k) => file === k || file.startsWith(`${k}/`)).sort((a, b) => b.length - a.length)[0];
  if (key === undefined) throw new Error(`${file} is in no layer: add its folder to LAYERS`);
  return LAYERS[key]!;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    path.push(node);
    for (const dep of graph.get(node) ?? []) {
      if (state.get(dep) === 'open') return [...path.slice(path.indexOf(dep)), dep];
      if (!state.has(dep)) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}

const files = [...sources('src'), ...sources('functions')];
const graph = new Map(files.map((f) => [f, imports(f).filter((i) => i.startsWith('src/') || i.startsWith('functions/'))]));

describe('module layers', () => {
  it('reads the import graph', () => {
    expect(graph.get('src/cli/main.ts')).toContain('src/cli/render.ts');
    expect(files.length).toBeGreaterThan(40);
  });

  it('has no import cycle', () => {
    expect(findCycle(graph)).toBeUndefined();
    expect(findCycle(new Map([['a', ['b']], ['b', ['a']]]))).toEqual(['a', 'b', 'a']);
  });

  it('imports only from the same layer or a lower one', () => {
    const upward = [...graph].flatMap(([file, deps]) => deps.filter((d) => layerOf(d) > layerOf(file)).map((d) => `${file} -> ${d}`));
    expect(upward).toEqual([]);
  });

  it('keeps every source file under 300 lines (the dashboard page aside)', () => {
    const long = [...files, ...sources('scripts')].filter((f) => readFileSync(join(ROOT, f), 'utf8').split('\n').length > 300);
    expect(long).toEqual([]);
  });
});
