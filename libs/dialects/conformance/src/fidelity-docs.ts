import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DialectName } from '@dbferry/dialects-core';
import { typeMapperFor } from '@dbferry/dialects';

/** The matrix tools/gen-type-matrix.ts generates from the type mappers (its spec keeps it current). */
export const TYPE_MATRIX_PATH = join(__dirname, '..', '..', '..', '..', 'docs', 'type-mapping.md');

const TITLES: Record<DialectName, string> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL / MariaDB',
  mssql: 'SQL Server',
  oracle: 'Oracle',
  sqlite: 'SQLite',
};

/** Table cells split on the pipes that are not escaped (`\|` inside code spans). */
const cells = (line: string): string[] =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());

/**
 * The loss docs/type-mapping.md documents for a column of native type `label` copied from
 * `from` to `to`: the LossNote kind of its ⚠ footnote, or null when the cell has none. Throws
 * when the docs have no row for the type: a lossy case must be one the docs show.
 */
export function documentedLoss(from: DialectName, to: DialectName, label: string, text = readFileSync(TYPE_MATRIX_PATH, 'utf8')): string | null {
  const lines = text.split('\n');
  const start = lines.indexOf(`## From ${TITLES[from]}`);
  if (start < 0) throw new Error(`docs/type-mapping.md has no section "From ${TITLES[from]}"`);
  const header = cells(lines[start + 2] ?? '');
  const column = header.indexOf(TITLES[to]);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  const row = lines.slice(start, end < 0 ? undefined : end).find((l) => cells(l)[0] === `\`${label.replace(/\|/g, '\\|')}\``);
  if (!row || column < 0) throw new Error(`docs/type-mapping.md lists no ${TITLES[from]} type ${label} (→ ${TITLES[to]}); add it to the mapper's representative types`);
  const note = /⚠\[\^(\w+)\]/.exec(cells(row)[column] ?? '');
  if (!note) return null;
  const footnote = lines.find((l) => l.startsWith(`[^${note[1]}]: `));
  const kind = footnote && /^\[\^\w+\]: \*\*([\w-]+)\*\*/.exec(footnote);
  if (!kind) throw new Error(`docs/type-mapping.md: footnote ${note[1]} names no loss kind`);
  return kind[1] as string;
}

/** The loss the type mappers give (what the generator writes into the docs), from the native type's text. */
export function mappedLoss(from: DialectName, to: DialectName, nativeType: string): string | null {
  const source = typeMapperFor(from);
  const neutral = source.toNeutral(source.parseNativeType(nativeType)).type;
  return typeMapperFor(to).fromNeutral(neutral).lossy?.kind ?? null;
}
