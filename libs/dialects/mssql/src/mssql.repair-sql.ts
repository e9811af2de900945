import type { NeutralColumn, NeutralValue, RepairSqlStyle, SqlLiterals, TableRef } from '@dbferry/dialects-core';
import { mssqlIdentifier, qualifyMssql, withIdentityInsert } from './mssql.sql';

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

function digits(value: NeutralValue, pattern: RegExp, column: NeutralColumn): string {
  const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  if (!pattern.test(text)) throw new Error(`${column.name}: ${JSON.stringify(text.slice(0, 40))} is not a number SQL Server can hold`);
  return text;
}

const asText = (value: NeutralValue): string => (Buffer.isBuffer(value) ? value.toString('utf8') : Array.isArray(value) ? JSON.stringify(value) : String(value));

/**
 * SQL Server's repair SQL: a MERGE … WITH (HOLDLOCK) from a VALUES list, like the writer's
 * MERGE from its staging table; decimals as exact numeric literals, times CAST from their
 * neutral text (as the writer stages them), binary as 0x…, text N'…' for n-types.
 */
export function mssqlRepairSql(literalsOf: () => SqlLiterals): RepairSqlStyle {
  const literals: SqlLiterals = {
    number: (v) => literalsOf().number(v),
    date: (v) => literalsOf().date(v),
    timestamp: (v) => literalsOf().timestamp(v),
    timestamptz: (v) => literalsOf().timestamptz(v),
    uuid: (v, c) => literalsOf().uuid(v, c),
    text: (v, c) => literalsOf().text(v, c),
    bool: (v) => literalsOf().bool(v),
  };
  const valueLiteral = (column: NeutralColumn, value: NeutralValue): string => {
    if (value === null) return 'NULL';
    const { kind } = column.type;
    switch (kind) {
      case 'bool':
        return value === true || value === 1 || value === '1' || value === 't' || value === 'true' ? '1' : '0';
      case 'int8': case 'int16': case 'int32': case 'int64':
      case 'uint8': case 'uint16': case 'uint32': case 'uint64':
        return digits(value, INTEGER, column);
      case 'decimal':
        return digits(value, DECIMAL, column);
      case 'float32': case 'float64': {
        const n = typeof value === 'number' ? value : Number(asText(value));
        if (!Number.isFinite(n)) throw new Error(`${column.name}: SQL Server cannot hold ${n}`);
        return `CAST(${String(n)} AS float)`;
      }
      case 'binary': case 'blob':
        return `0x${(Buffer.isBuffer(value) ? value : Buffer.from(asText(value), 'utf8')).toString('hex')}`;
      case 'bit':
        return /^0*1/.test(asText(value)) ? '1' : '0';
      case 'date':
        return literals.date(asText(value));
      case 'timestamp':
        return literals.timestamp(asText(value));
      case 'timestamptz':
        return literals.timestamptz(asText(value));
      case 'time':
        return `CAST('${asText(value).replace(/'/g, "''")}' AS time(7))`;
      case 'uuid':
        return literals.uuid(asText(value).toLowerCase(), column);
      default:
        return literals.text(asText(value), column);
    }
  };
  return {
    valueLiteral,
    upsert(table: TableRef, columns: NeutralColumn[], keyColumns: string[], rows: NeutralValue[][]): string {
      const t = mssqlIdentifier('t');
      const s = mssqlIdentifier('s');
      const names = columns.map((c) => mssqlIdentifier(c.name));
      const keys = new Set(keyColumns);
      const rest = columns.filter((c) => !keys.has(c.name)).map((c) => mssqlIdentifier(c.name));
      const tuples = rows.map((row) => `  (${columns.map((c, i) => valueLiteral(c, row[i] ?? null)).join(', ')})`);
      const on = keyColumns.map((k) => `${t}.${mssqlIdentifier(k)} = ${s}.${mssqlIdentifier(k)}`).join(' AND ');
      const update = rest.length ? `\nWHEN MATCHED THEN UPDATE SET ${rest.map((n) => `${t}.${n} = ${s}.${n}`).join(', ')}` : '';
      const merge =
        `MERGE ${qualifyMssql(table)} WITH (HOLDLOCK) AS ${t}\n` +
        `USING (VALUES\n${tuples.join(',\n')}\n) AS ${s} (${names.join(', ')})\n` +
        `ON (${on})${update}\n` +
        `WHEN NOT MATCHED THEN INSERT (${names.join(', ')}) VALUES (${names.map((n) => `${s}.${n}`).join(', ')});`;
      return withIdentityInsert(table, columns, merge);
    },
  };
}
