import type { NeutralColumn, NeutralValue, RepairSqlStyle, TableRef } from '@dbferry/dialects-core';
import { ident, qualifyTable } from './postgres.sql';
import { encodeText } from './postgres.values';

const BARE_NUMBER = /^-?\d+(\.\d+)?$/;
const NUMERIC_KINDS = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'decimal']);

/**
 * PostgreSQL's repair SQL: each value is the text its input function reads (encodeText, the
 * COPY path's encoding) as a string literal, which INSERT … VALUES coerces to the column's type;
 * numbers and booleans bare. `quoteString` is the dialect's own (E'' where a backslash occurs).
 */
export function postgresRepairSql(quoteString: (value: string) => string): RepairSqlStyle {
  const valueLiteral = (column: NeutralColumn, value: NeutralValue): string => {
    const text = encodeText(column.type, value, column.name);
    if (text === null) return 'NULL';
    if (column.type.kind === 'bool') return text === 't' ? 'TRUE' : 'FALSE';
    if (NUMERIC_KINDS.has(column.type.kind) && BARE_NUMBER.test(text)) return text;
    return quoteString(text);
  };
  return {
    valueLiteral,
    upsert(table: TableRef, columns: NeutralColumn[], keyColumns: string[], rows: NeutralValue[][]): string {
      const names = columns.map((c) => ident(c.name));
      const keys = new Set(keyColumns);
      const rest = columns.filter((c) => !keys.has(c.name)).map((c) => ident(c.name));
      const tuples = rows.map((row) => `  (${columns.map((c, i) => valueLiteral(c, row[i] ?? null)).join(', ')})`);
      const action = rest.length ? `DO UPDATE SET ${rest.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}` : 'DO NOTHING';
      return `INSERT INTO ${qualifyTable(table)} (${names.join(', ')}) VALUES\n${tuples.join(',\n')}\nON CONFLICT (${keyColumns.map(ident).join(', ')}) ${action}`;
    },
  };
}
