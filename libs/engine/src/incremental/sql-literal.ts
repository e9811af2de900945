import type { DialectName, NeutralColumn, NeutralValue } from '@dbferry/dialects-core';
import { sqlStyleOf } from '../dialect-sql';

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

/**
 * `value` as a SQL literal comparable with `column` on `dialect`, built from the value's
 * lossless neutral form (VALUE_FORMS), checked here and spelled by the dialect (its
 * SqlStyle.literals). Kinds that do not compare exactly (floats, JSON, binary, arrays) are refused.
 */
export function sqlLiteral(dialect: DialectName, column: NeutralColumn, value: NeutralValue): string {
  if (value === null) return 'NULL';
  const literals = sqlStyleOf(dialect).literals;
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
      return literals.number(checked(text ?? '', INTEGER, 'whole number'));
    case 'decimal':
      return literals.number(checked(text ?? '', DECIMAL, 'decimal'));
    case 'date':
      return literals.date(checked(text ?? '', DATE, 'date'));
    case 'timestamp':
      return literals.timestamp(checked(text ?? '', TIMESTAMP, 'timestamp'));
    case 'timestamptz':
      return literals.timestamptz(checked(text ?? '', TIMESTAMPTZ, 'UTC timestamp'));
    case 'uuid':
      return literals.uuid(checked(text ?? '', UUID, 'uuid'), column);
    case 'string':
    case 'char':
    case 'text':
    case 'enum':
      if (text === undefined) throw new LiteralError(`${column.name}: not a text value`);
      return literals.text(text, column);
    case 'bool':
      if (typeof value !== 'boolean') throw new LiteralError(`${column.name}: not a boolean`);
      return literals.bool(value);
    default:
      throw new LiteralError(`${column.name}: a ${kind} value cannot be compared exactly in SQL`);
  }
}

/** The kinds an incremental column may have: they order exactly and have literals on every dialect. */
export const INCREMENTAL_KINDS = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'decimal', 'date', 'timestamp', 'timestamptz'] as const;

/** The kinds a key column may have for deleteMissing's lookups. */
export const LOOKUP_KEY_KINDS = [...INCREMENTAL_KINDS, 'uuid', 'string', 'char', 'text', 'enum', 'bool'] as const;

/** The dialect's own identifier quoting (its SqlStyle), for SQL the engine writes. */
export function quoteIdentifier(dialect: DialectName, name: string): string {
  return sqlStyleOf(dialect).quoteIdent(name);
}
