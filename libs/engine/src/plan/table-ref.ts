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

/** Glob over table names: * any run, ? one character; everything else literal. */
export function matchesPattern(pattern: string, name: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return regex.test(name);
}

/** The quoted form parseTableRef reads back exactly, whatever the names hold. */
export function formatTableRef(ref: { schema: string; name: string }): string {
  const quote = (part: string) => `"${part.replace(/"/g, '""')}"`;
  return `${quote(ref.schema)}.${quote(ref.name)}`;
}
