/** "schema.table", `"dotted.schema"."t"` or a pattern "schema.*" / "sales.order_?" as given in a job. */
export interface ParsedTableRef {
  schema: string;
  name: string;
  /** The name part holds * or ? (unquoted): it selects every matching table of the schema. */
  pattern: boolean;
}

function parts(text: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) return null;
        if (text[i] === '"' && text[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else value += text[i++];
      }
      out.push(`"${value}`); // the marker keeps "quoted" apart from patterns
    } else {
      const end = text.indexOf('.', i);
      out.push(text.slice(i, end === -1 ? text.length : end));
      i = end === -1 ? text.length : end;
    }
    if (i === text.length) break;
    if (text[i] !== '.') return null;
    i++;
  }
  return out;
}

/** Parses a table reference; null when it is not exactly schema + table. */
export function parseTableRef(text: string): ParsedTableRef | null {
  const split = parts(text.trim());
  if (!split || split.length !== 2 || split.some((p) => p === '' || p === '"')) return null;
  const [schema, name] = split.map((p) => (p.startsWith('"') ? { text: p.slice(1), quoted: true } : { text: p, quoted: false }));
  if (/[*?]/.test(schema.text) && !schema.quoted) return null;
  return { schema: schema.text, name: name.text, pattern: !name.quoted && /[*?]/.test(name.text) };
}

/**
 * Glob over table names: * any run, ? one character (a code point); everything else literal.
 * Compiled once into star-separated segments matched greedily left to right, which is
 * linear in the name for any pattern: a pattern of 300 stars cannot backtrack the way a
 * RegExp built from it did (issue 9).
 */
export function compileGlob(pattern: string): (name: string) => boolean {
  const chars = Array.from(pattern);
  const segments: string[][] = [[]];
  for (const ch of chars) {
    if (ch === '*') segments.push([]);
    else segments[segments.length - 1].push(ch);
  }
  if (segments.length === 1) {
    const only = segments[0];
    return (name) => {
      const text = codePoints(name);
      return text.length === only.length && segmentAt(only, text, 0);
    };
  }
  if (segments.every((s) => s.length === 0)) return () => true;
  const head = segments[0];
  const tail = segments[segments.length - 1];
  const middle = segments.slice(1, -1).filter((s) => s.length > 0);
  const fixed = head.length + tail.length + middle.reduce((n, s) => n + s.length, 0);
  const literals = middle.map((s) => (s.includes('?') ? undefined : s.join('')));
  return (name) => {
    const text = codePoints(name);
    if (text.length < fixed) return false;
    if (!segmentAt(head, text, 0) || !segmentAt(tail, text, text.length - tail.length)) return false;
    // The leftmost place for each middle segment leaves the most room for the rest.
    let at = head.length;
    const end = text.length - tail.length;
    for (let k = 0; k < middle.length; k++) {
      const found = findSegment(middle[k], literals[k], text, at, end);
      if (found < 0) return false;
      at = found + middle[k].length;
    }
    return true;
  };
}

/** The first place at or after `from` where the segment fits before `end`, or -1. */
function findSegment(segment: string[], literal: string | undefined, text: ArrayLike<string>, from: number, end: number): number {
  if (literal !== undefined && typeof text === 'string') {
    // No ? in the segment and no surrogate in the name: the native search is exact.
    const i = text.indexOf(literal, from);
    return i >= 0 && i + segment.length <= end ? i : -1;
  }
  for (let i = from; i + segment.length <= end; i++) if (segmentAt(segment, text, i)) return i;
  return -1;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** A name indexable by code point: the string itself unless it holds characters beyond the BMP. */
function codePoints(name: string): ArrayLike<string> {
  return SURROGATE.test(name) ? Array.from(name) : name;
}

function segmentAt(segment: string[], text: ArrayLike<string>, at: number): boolean {
  for (let j = 0; j < segment.length; j++) {
    if (segment[j] !== '?' && segment[j] !== text[at + j]) return false;
  }
  return true;
}

export function matchesPattern(pattern: string, name: string): boolean {
  return compileGlob(pattern)(name);
}

/** The quoted form parseTableRef reads back exactly, whatever the names hold. */
export function formatTableRef(ref: { schema: string; name: string }): string {
  const quote = (part: string) => `"${part.replace(/"/g, '""')}"`;
  return `${quote(ref.schema)}.${quote(ref.name)}`;
}
