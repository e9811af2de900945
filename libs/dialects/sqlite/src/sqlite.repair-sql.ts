import type { NeutralColumn, NeutralValue, RepairSqlStyle, TableRef } from '@dbferry/dialects-core';
import { quoteSqliteIdentifier } from './sqlite.sql';
import { encodeValue, placeholder } from './sqlite.values';

function paramLiteral(param: string | number | Buffer | null, quoteString: (value: string) => string): string {
  if (param === null) return 'NULL';
  if (Buffer.isBuffer(param)) return `X'${param.toString('hex')}'`;
  if (typeof param === 'number') {
    // SQLite reads 9e999 as +Inf; NaN was already bound as NULL by encodeValue.
    if (!Number.isFinite(param)) return param > 0 ? '9e999' : '-9e999';
    return String(param);
  }
  return quoteString(param);
}

/**
 * SQLite's repair SQL: each value bound as the writer binds it (encodeValue) in the writer's own
 * placeholder (CAST(? AS INTEGER) for integers), spelled as a literal; INSERT … ON CONFLICT DO
 * UPDATE (3.24 and later), which keeps the row's other columns where INSERT OR REPLACE would not.
 */
export function sqliteRepairSql(quoteString: (value: string) => string): RepairSqlStyle {
  const valueLiteral = (column: NeutralColumn, value: NeutralValue): string => {
    if (value === null) return 'NULL';
    return placeholder(column.type).replace('?', paramLiteral(encodeValue(column.type, value), quoteString));
  };
  const quote = (name: string) => {
    if (!name || name.includes('\0')) throw new Error(`identifier ${JSON.stringify(name)} cannot exist in SQLite`);
    return quoteSqliteIdentifier(name);
  };
  return {
    valueLiteral,
    upsert(table: TableRef, columns: NeutralColumn[], keyColumns: string[], rows: NeutralValue[][]): string {
      const keys = new Set(keyColumns);
      const rest = columns.filter((c) => !keys.has(c.name)).map((c) => quote(c.name));
      const tuples = rows.map((row) => `  (${columns.map((c, i) => valueLiteral(c, row[i] ?? null)).join(', ')})`);
      const action = rest.length ? `DO UPDATE SET ${rest.map((n) => `${n} = excluded.${n}`).join(', ')}` : 'DO NOTHING';
      return `INSERT INTO ${quote(table.schema)}.${quote(table.name)} (${columns.map((c) => quote(c.name)).join(', ')}) VALUES\n${tuples.join(',\n')}\nON CONFLICT (${keyColumns.map(quote).join(', ')}) ${action}`;
    },
  };
}
