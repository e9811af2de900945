import type { DialectName, NeutralColumn, NeutralValue } from '@dbferry/dialects-core';
import { quotingFor } from '../filter/filter-render';

/** A value the engine cannot write as a literal of this column (e.g. a float or JSON key). */
export class LiteralError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiteralError';
  }
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;
const TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?\+00:00$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function checked(text: string, pattern: RegExp, what: string): string {
  if (!pattern.test(text)) throw new LiteralError(`${JSON.stringify(text.slice(0, 60))} is not a ${what}`);
  return text;
}

/** Typed literals for dates and timestamps: the text is the neutral form, never a JS Date. */
const TEMPORAL: Record<DialectName, { date(v: string): string; timestamp(v: string): string; timestamptz(v: string): string }> = {
  postgres: { date: (v) => `DATE '${v}'`, timestamp: (v) => `TIMESTAMP '${v}'`, timestamptz: (v) => `TIMESTAMPTZ '${v}'` },
  // The session runs with time_zone '+00:00', so a TIMESTAMP column compares in UTC.
  mysql: { date: (v) => `DATE '${v}'`, timestamp: (v) => `TIMESTAMP '${v}'`, timestamptz: (v) => `TIMESTAMP '${v.slice(0, -6)}'` },
  // SQLite keeps these as text in the neutral form, which sorts like the instant.
  sqlite: { date: (v) => `'${v}'`, timestamp: (v) => `'${v}'`, timestamptz: (v) => `'${v}'` },
  mssql: {
    date: (v) => `CAST('${v}' AS date)`,
    timestamp: (v) => `CAST('${v}' AS datetime2(7))`,
    timestamptz: (v) => `CAST('${v}' AS datetimeoffset(7))`,
  },
  oracle: { date: (v) => `DATE '${v}'`, timestamp: (v) => `TIMESTAMP '${v}'`, timestamptz: (v) => `TIMESTAMP '${v.slice(0, -6)} +00:00'` },
};

/**
 * SQLite keeps 64-bit unsigned integers and wide decimals as TEXT (exact digits): a bare number
 * literal would be converted to that column's text through a double ('1.84467440737096e+19',
 * '12.5' for '12.50') and match nothing. Quoted, the digits compare as stored text, and a
 * column of INTEGER or NUMERIC affinity converts them to its number exactly as before.
 */
const sqliteQuoted = (dialect: DialectName, digits: string): string => (dialect === 'sqlite' ? `'${digits}'` : digits);

/**
 * `value` as a SQL literal comparable with `column` on `dialect`, built from the value's
 * lossless neutral form (VALUE_FORMS): integers and decimals verbatim, text quoted by the
 * dialect, dates and timestamps as typed literals. Kinds that do not compare exactly
 * (floats, JSON, binary, arrays) are refused.
 */
export function sqlLiteral(dialect: DialectName, column: NeutralColumn, value: NeutralValue): string {
  if (value === null) return 'NULL';
  const { kind } = column.type;
  const text = typeof value === 'string' ? value : typeof value === 'bigint' || typeof value === 'number' ? String(value) : undefined;
  switch (kind) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
      return sqliteQuoted(dialect, checked(text ?? '', INTEGER, 'whole number'));
    case 'decimal':
      return sqliteQuoted(dialect, checked(text ?? '', DECIMAL, 'decimal'));
    case 'date':
      return TEMPORAL[dialect].date(checked(text ?? '', DATE, 'date'));
    case 'timestamp':
      return TEMPORAL[dialect].timestamp(checked(text ?? '', TIMESTAMP, 'timestamp'));
    case 'timestamptz':
      return TEMPORAL[dialect].timestamptz(checked(text ?? '', TIMESTAMPTZ, 'UTC timestamp'));
    case 'uuid':
      if (dialect === 'oracle' && /^RAW/i.test(column.nativeType)) return `HEXTORAW('${checked(text ?? '', UUID, 'uuid').replace(/-/g, '')}')`;
      return `'${checked(text ?? '', UUID, 'uuid')}'`;
    case 'string':
    case 'char':
    case 'text':
    case 'enum':
      if (text === undefined) throw new LiteralError(`${column.name}: not a text value`);
      return quotingFor(dialect).quoteString(text, dialect === 'mssql' && /^n/i.test(column.nativeType));
    case 'bool':
      if (typeof value !== 'boolean') throw new LiteralError(`${column.name}: not a boolean`);
      return dialect === 'postgres' ? String(value).toUpperCase() : value ? '1' : '0';
    default:
      throw new LiteralError(`${column.name}: a ${kind} value cannot be compared exactly in SQL`);
  }
}

/** The kinds an incremental column may have: they order exactly and have literals on every dialect. */
export const INCREMENTAL_KINDS = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'decimal', 'date', 'timestamp', 'timestamptz'] as const;

/** The kinds a key column may have for deleteMissing's lookups. */
export const LOOKUP_KEY_KINDS = [...INCREMENTAL_KINDS, 'uuid', 'string', 'char', 'text', 'enum', 'bool'] as const;

export function quoteIdentifier(dialect: DialectName, name: string): string {
  return quotingFor(dialect).quoteIdent(name);
}
