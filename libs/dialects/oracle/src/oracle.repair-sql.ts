import type { NeutralColumn, NeutralValue, RepairSqlStyle, SqlLiterals, TableRef } from '@dbferry/dialects-core';
import { oracleIdentifier, qualifyOracle } from './oracle.sql';

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
/** Oracle refuses a string literal over 4000 bytes (with MAX_STRING_SIZE STANDARD): longer text is joined from pieces. */
const PIECE_CHARS = 1000;

const asText = (value: NeutralValue): string => (Buffer.isBuffer(value) ? value.toString('utf8') : Array.isArray(value) ? JSON.stringify(value) : String(value));

function digits(value: NeutralValue, pattern: RegExp, column: NeutralColumn): string {
  const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  if (!pattern.test(text)) throw new Error(`${column.name}: ${JSON.stringify(text.slice(0, 40))} is not a number Oracle can hold`);
  return text;
}

/**
 * Oracle's repair SQL: a MERGE from a UNION ALL of SELECT … FROM dual rows; numbers bare, floats
 * as BINARY_DOUBLE literals, times as typed literals, binary through HEXTORAW, intervals through
 * TO_DSINTERVAL/TO_YMINTERVAL of their ISO 8601 text, long text as TO_CLOB pieces joined.
 */
export function oracleRepairSql(literalsOf: () => SqlLiterals): RepairSqlStyle {
  const literals: SqlLiterals = {
    number: (v) => literalsOf().number(v),
    date: (v) => literalsOf().date(v),
    timestamp: (v) => literalsOf().timestamp(v),
    timestamptz: (v) => literalsOf().timestamptz(v),
    uuid: (v, c) => literalsOf().uuid(v, c),
    text: (v, c) => literalsOf().text(v, c),
    bool: (v) => literalsOf().bool(v),
  };
  const text = (value: string, column: NeutralColumn): string => {
    if (value.length <= PIECE_CHARS) return literals.text(value, column);
    const pieces: string[] = [];
    for (let i = 0; i < value.length; i += PIECE_CHARS) pieces.push(`TO_CLOB(${literals.text(value.slice(i, i + PIECE_CHARS), column)})`);
    return pieces.join(' || ');
  };
  const valueLiteral = (column: NeutralColumn, value: NeutralValue): string => {
    if (value === null) return 'NULL';
    const type = column.type;
    switch (type.kind) {
      case 'bool':
        return value === true || value === 1 || value === '1' || value === 't' || value === 'true' ? '1' : '0';
      case 'int8': case 'int16': case 'int32': case 'int64':
      case 'uint8': case 'uint16': case 'uint32': case 'uint64':
        return digits(value, INTEGER, column);
      case 'decimal':
        return digits(value, DECIMAL, column);
      case 'float32': case 'float64': {
        const n = typeof value === 'number' ? value : Number(asText(value));
        if (Number.isNaN(n)) return 'BINARY_DOUBLE_NAN';
        if (!Number.isFinite(n)) return n > 0 ? 'BINARY_DOUBLE_INFINITY' : '-BINARY_DOUBLE_INFINITY';
        return `${String(n)}d`;
      }
      case 'binary': case 'blob':
        return `HEXTORAW('${(Buffer.isBuffer(value) ? value : Buffer.from(asText(value), 'utf8')).toString('hex')}')`;
      case 'date':
        return literals.date(asText(value));
      case 'timestamp':
        return literals.timestamp(asText(value));
      case 'timestamptz':
        return literals.timestamptz(asText(value));
      case 'interval':
        return `${type.fields === 'year-month' ? 'TO_YMINTERVAL' : 'TO_DSINTERVAL'}(${literals.text(asText(value), column)})`;
      case 'uuid':
        return literals.uuid(asText(value).toLowerCase(), column);
      default:
        return text(asText(value), column);
    }
  };
  return {
    valueLiteral,
    upsert(table: TableRef, columns: NeutralColumn[], keyColumns: string[], rows: NeutralValue[][]): string {
      const names = columns.map((c) => oracleIdentifier(c.name));
      const keys = new Set(keyColumns);
      const rest = columns.filter((c) => !keys.has(c.name)).map((c) => oracleIdentifier(c.name));
      const selects = rows.map((row) => `  SELECT ${columns.map((c, i) => `${valueLiteral(c, row[i] ?? null)} ${names[i]}`).join(', ')} FROM dual`);
      const on = keyColumns.map((k) => `t.${oracleIdentifier(k)} = s.${oracleIdentifier(k)}`).join(' AND ');
      const update = rest.length ? `\nWHEN MATCHED THEN UPDATE SET ${rest.map((n) => `t.${n} = s.${n}`).join(', ')}` : '';
      return (
        `MERGE INTO ${qualifyOracle(table)} t\n` +
        `USING (\n${selects.join(' UNION ALL\n')}\n) s\n` +
        `ON (${on})${update}\n` +
        `WHEN NOT MATCHED THEN INSERT (${names.join(', ')}) VALUES (${names.map((n) => `s.${n}`).join(', ')})`
      );
    },
  };
}
