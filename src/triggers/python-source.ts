/**
 * Just enough of Python's lexical structure to read a module's imports and class headers without
 * running it: comments and string literals are dropped, bracketed and backslash-continued lines are
 * joined, and `;` splits statements.
 */
export interface Statement {
  text: string;
  /** Indentation of the statement's first line: 0 at module level. */
  indent: number;
}

export function statements(source: string): Statement[] {
  const out: Statement[] = [];
  let text = '';
  let indent = 0;
  let atLineStart = true;
  let depth = 0;
  const end = () => {
    if (text.trim()) out.push({ text: text.trim(), indent });
    text = '';
  };
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (atLineStart) {
      let j = i;
      while (source[j] === ' ' || source[j] === '\t') j++;
      indent = j - i;
      i = j;
      atLineStart = false;
      if (i >= source.length) break;
      i--;
      continue;
    }
    if (ch === '#') {
      while (i + 1 < source.length && source[i + 1] !== '\n') i++;
    } else if (ch === '"' || ch === "'") {
      const triple = source.startsWith(ch.repeat(3), i);
      const quote = triple ? ch.repeat(3) : ch;
      i += quote.length;
      while (i < source.length && !source.startsWith(quote, i)) {
        if (source[i] === '\\') i++;
        else if (!triple && source[i] === '\n') break; // an unterminated string ends at its line
        i++;
      }
      if (source[i] === '\n') i--;
      else i += quote.length - 1;
      text += '""';
    } else if (ch === '\\' && source[i + 1] === '\n') {
      i++;
      text += ' ';
    } else if ('([{'.includes(ch)) {
      depth++;
      text += ch;
    } else if (')]}'.includes(ch)) {
      depth = Math.max(0, depth - 1);
      text += ch;
    } else if (ch === '\n') {
      if (depth === 0) {
        end();
        atLineStart = true;
      } else text += ' ';
    } else if (ch === ';' && depth === 0) {
      end();
    } else {
      text += ch;
    }
  }
  end();
  return out;
}

export interface PyImport {
  /** Dotted module name, '' for `from . import x`. */
  module: string;
  /** Leading dots of a relative import: 0 for an absolute one. */
  level: number;
  /** Names after `from … import` (they may be submodules); empty for `import a.b`. */
  names: string[];
}

const IDENT = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/;

/** Every import statement of a module, at any indentation (inside functions, `try`, `if` too). */
export function parseImports(source: string): PyImport[] {
  const out: PyImport[] = [];
  for (const { text } of statements(source)) {
    const plain = /^import\s+(.+)$/.exec(text);
    if (plain) {
      for (const part of plain[1]!.split(',')) {
        const module = part.trim().split(/\s+as\s+/)[0]!.trim();
        if (IDENT.test(module)) out.push({ module, level: 0, names: [] });
      }
      continue;
    }
    const from = /^from\s+(\.*)\s*([\w.]*)\s+import\s+(.+)$/.exec(text);
    if (!from) continue;
    const names = from[3]!
      .replace(/[()]/g, '')
      .split(',')
      .map((n) => n.trim().split(/\s+as\s+/)[0]!.trim())
      .filter((n) => /^[A-Za-z_]\w*$/.test(n));
    if (from[2] === '' || IDENT.test(from[2]!)) out.push({ module: from[2]!, level: from[1]!.length, names });
  }
  return out;
}

/** Module-level classes and the names of their bases (last dotted part: `manim.Scene` → `Scene`). */
export function parseClasses(source: string): { name: string; bases: string[] }[] {
  const out: { name: string; bases: string[] }[] = [];
  for (const { text, indent } of statements(source)) {
    if (indent !== 0) continue;
    const m = /^class\s+([A-Za-z_]\w*)\s*(?:\(([^)]*)\))?\s*:/.exec(text);
    if (!m) continue;
    const bases = (m[2] ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b && !b.includes('='))
      .map((b) => b.split('.').at(-1)!.replace(/\[.*$/, '').trim());
    out.push({ name: m[1]!, bases });
  }
  return out;
}
