import type { NeutralColumn, NeutralType, NeutralValue } from '@dbferry/dialects-core';
import { mssqlTypeMapper, parseMssqlType } from './mssql.type-mapper';

/**
 * How values cross the TDS boundary without loss.
 *
 * Reading: tedious returns bigint as a string (verified in tedious/lib/value-parser.js,
 * `readBigInt` → `value.toString()`), but decimal/numeric/money as a JS number and temporal
 * types as JS Dates (lossy: 38 digits, 100 ns ticks, process TZ). So the reader's select list
 * converts those to varchar on the server (`selectExpression`) and `decodeMssqlValue` only
 * reshapes what arrives: strings, numbers, booleans, Buffers.
 *
 * Writing: tedious bulk load takes decimals as numbers and datetime2 as Dates, so those kinds
 * are staged as text and CAST to their type inside the MERGE/INSERT (`stageColumn`).
 */

/**
 * The base type name of a column's native type, lower-case; for a column without one, the
 * type this dialect creates for its neutral type.
 */
export function mssqlBaseType(column: NeutralColumn): string {
  return parseMssqlType(column.nativeType || mssqlTypeMapper.fromNeutral(column.type).native).dataType.toLowerCase();
}

const isMoney = (column: NeutralColumn): boolean => ['money', 'smallmoney'].includes(mssqlBaseType(column));
const isLegacyDateTime = (column: NeutralColumn): boolean => ['datetime', 'smalldatetime'].includes(mssqlBaseType(column));

function fractionOf(type: NeutralType): number {
  const p = 'precision' in type && type.precision !== undefined ? type.precision : 7;
  return Math.min(Math.max(p, 0), 7);
}

/** The select-list expression that brings a column across in its lossless text or native form. */
export function selectExpression(column: NeutralColumn, quoted: string): string {
  switch (column.type.kind) {
    case 'decimal':
      return isMoney(column) ? `CONVERT(varchar(64), ${quoted}, 2)` : `CONVERT(varchar(64), ${quoted})`;
    case 'uint64':
      return `CONVERT(varchar(64), ${quoted})`;
    case 'date':
      return `CONVERT(char(10), ${quoted}, 23)`;
    case 'time':
      return `CAST(${quoted} AS varchar(16))`;
    case 'timestamp':
      return isLegacyDateTime(column) ? `CONVERT(varchar(23), CAST(${quoted} AS datetime), 121)` : `CONVERT(varchar(27), ${quoted}, 121)`;
    case 'timestamptz':
      return `CONVERT(varchar(27), CAST(SWITCHOFFSET(${quoted}, '+00:00') AS datetime2(${fractionOf(column.type)})), 121) + '+00:00'`;
    default:
      return quoted;
  }
}

function bitsToBuffer(bits: string): Buffer {
  const padded = bits.padStart(Math.ceil(bits.length / 8) * 8, '0');
  const out = Buffer.alloc(padded.length / 8);
  for (let i = 0; i < out.length; i += 1) out[i] = Number.parseInt(padded.slice(i * 8, i * 8 + 8), 2);
  return out;
}

function bufferToBits(buffer: Buffer, length: number): string {
  const all = [...buffer].map((b) => b.toString(2).padStart(8, '0')).join('');
  return all.slice(Math.max(0, all.length - length));
}

function asText(raw: unknown): string {
  if (Buffer.isBuffer(raw)) return raw.toString('utf8');
  if (raw instanceof Date) throw new Error('a temporal value arrived as a JS Date; the reader must select it as text');
  return String(raw);
}

/** Turns what tedious returns (for the select list above) into the neutral value form. */
export function decodeMssqlValue(type: NeutralType, raw: unknown): NeutralValue {
  if (raw === null || raw === undefined) return null;
  switch (type.kind) {
    case 'bool':
      return raw === true || raw === 1 || raw === '1';
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
    case 'uint32':
      return Number(raw);
    case 'int64':
    case 'uint64':
      return typeof raw === 'bigint' ? raw : BigInt(asText(raw));
    case 'decimal':
      if (typeof raw === 'number') throw new Error('a decimal arrived as a JS number; the reader must select it as text');
      return asText(raw).trim();
    case 'float32':
    case 'float64':
      return Number(raw);
    case 'uuid':
      return asText(raw).toLowerCase();
    case 'binary':
    case 'blob':
      return Buffer.isBuffer(raw) ? raw : Buffer.from(asText(raw), 'utf8');
    case 'bit':
      return Buffer.isBuffer(raw) ? bufferToBits(raw, type.length) : asText(raw);
    case 'timestamptz': {
      // CAST(datetimeoffset AS varchar) writes ' +00:00' with a space; the select list does not, a literal might.
      const text = asText(raw).replace(/ ([+-]\d{2}:\d{2})$/, '$1');
      return /[+-]\d{2}:\d{2}$/.test(text) ? text : `${text}+00:00`;
    }
    case 'set': {
      const text = asText(raw);
      return text === '' ? [] : text.split(',');
    }
    case 'array': {
      const of = type.of;
      const parsed: unknown = JSON.parse(asText(raw));
      if (!Array.isArray(parsed)) throw new Error('an array column holds JSON that is not an array');
      return parsed.map((v) => decodeMssqlValue(of, v === null || typeof v === 'object' ? v : of.kind === 'binary' || of.kind === 'blob' ? Buffer.from(String(v), 'base64') : v));
    }
    default:
      return asText(raw);
  }
}

/** The driver types a staging column can take (mapped to `mssql` type functions by the writer). */
export type StageDriverType = 'bit' | 'smallint' | 'int' | 'bigint' | 'real' | 'float' | 'uniqueidentifier' | 'nvarchar' | 'varchar' | 'varbinary';

export interface StageColumn {
  /** Column type in the #temp table. */
  declaration: string;
  driverType: StageDriverType;
  /** varchar length of the staging column; (max) when absent. */
  length?: number;
  /** When set, the DML reads the staged column as `CAST(s.cN AS <castTo>)`. */
  castTo?: string;
  encode(value: NeutralValue): unknown;
}

const TEXT_COLLATION = 'COLLATE DATABASE_DEFAULT';

function toBigInt(value: NeutralValue): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  return BigInt(String(value));
}

function toBool(value: NeutralValue): boolean {
  return value === true || value === 1 || value === 1n || value === '1' || value === 't' || value === 'true';
}

function jsonElement(value: NeutralValue): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(jsonElement);
  return value;
}

/** `T` and a zone are dropped for a type without a zone; a zone is added where one is needed. */
function temporalText(value: NeutralValue, kind: 'date' | 'time' | 'timestamp' | 'timestamptz'): string {
  let text = String(value).trim().replace('T', ' ');
  // datetime2/time/datetimeoffset keep at most 7 fractional digits (documented as truncation).
  text = text.replace(/(\.\d{7})\d+/, '$1');
  const zone = /(Z|[+-]\d{2}(:?\d{2})?)$/.exec(text);
  if (kind === 'timestamptz') {
    if (!zone) return `${text}+00:00`;
    return zone[1] === 'Z' ? `${text.slice(0, -1)}+00:00` : text;
  }
  return zone && kind !== 'date' ? text.slice(0, zone.index) : text;
}

const text = (castTo?: string): StageColumn => ({
  declaration: `nvarchar(max) ${TEXT_COLLATION}`,
  driverType: 'nvarchar',
  ...(castTo ? { castTo } : {}),
  encode: (v) => (v === null ? null : String(v)),
});

/** How one target column is staged for bulk load: a type tedious encodes losslessly. */
export function stageColumn(column: NeutralColumn, nativeTarget: string): StageColumn {
  const t = column.type;
  const nullable = <T>(encode: (v: Exclude<NeutralValue, null>) => T) => (v: NeutralValue): T | null => (v === null ? null : encode(v));
  switch (t.kind) {
    case 'bool':
      return { declaration: 'bit', driverType: 'bit', encode: nullable(toBool) };
    case 'int8':
    case 'int16':
    case 'uint8':
      return { declaration: 'smallint', driverType: 'smallint', encode: nullable((v) => Number(v)) };
    case 'int32':
    case 'uint16':
      return { declaration: 'int', driverType: 'int', encode: nullable((v) => Number(v)) };
    case 'int64':
    case 'uint32':
      return { declaration: 'bigint', driverType: 'bigint', encode: nullable(toBigInt) };
    case 'uint64':
    case 'decimal':
      return { declaration: 'varchar(80)', driverType: 'varchar', length: 80, castTo: nativeTarget, encode: nullable((v) => String(v)) };
    case 'float32':
      return { declaration: 'real', driverType: 'real', encode: nullable((v) => Number(v)) };
    case 'float64':
      return { declaration: 'float', driverType: 'float', encode: nullable((v) => Number(v)) };
    case 'uuid':
      return { declaration: 'uniqueidentifier', driverType: 'uniqueidentifier', encode: nullable((v) => String(v).toLowerCase()) };
    case 'binary':
    case 'blob':
      return { declaration: 'varbinary(max)', driverType: 'varbinary', encode: nullable((v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8'))) };
    case 'bit':
      return { declaration: 'varbinary(max)', driverType: 'varbinary', encode: nullable((v) => (Buffer.isBuffer(v) ? v : bitsToBuffer(String(v)))) };
    case 'date':
      return { declaration: 'varchar(40)', driverType: 'varchar', length: 40, castTo: 'date', encode: nullable((v) => temporalText(v, 'date')) };
    case 'time':
      return { declaration: 'varchar(40)', driverType: 'varchar', length: 40, castTo: 'time(7)', encode: nullable((v) => temporalText(v, 'time')) };
    case 'timestamp':
      return { declaration: 'varchar(40)', driverType: 'varchar', length: 40, castTo: 'datetime2(7)', encode: nullable((v) => temporalText(v, 'timestamp')) };
    case 'timestamptz':
      return { declaration: 'varchar(40)', driverType: 'varchar', length: 40, castTo: 'datetimeoffset(7)', encode: nullable((v) => temporalText(v, 'timestamptz')) };
    case 'set':
      return { ...text(), encode: nullable((v) => (Array.isArray(v) ? v.map(String).join(',') : String(v))) };
    case 'array':
      return { ...text(), encode: nullable((v) => (Array.isArray(v) ? JSON.stringify(v.map(jsonElement)) : String(v))) };
    case 'xml':
      return text('xml');
    default:
      return text();
  }
}

/** Parameter binding for a key value in a range predicate or bound query. */
export interface KeyParam {
  driverType: StageDriverType;
  length?: number;
  value: unknown;
  /** The parameter reference in SQL, e.g. `CAST(@p0 AS datetime2(7))`. */
  expression: string;
}

export function keyParam(column: NeutralColumn, name: string, value: NeutralValue, nativeTarget: string): KeyParam {
  const stage = stageColumn(column, nativeTarget);
  const ref = `@${name}`;
  return {
    driverType: stage.driverType,
    ...(stage.length ? { length: stage.length } : {}),
    value: stage.encode(value),
    expression: stage.castTo ? `CAST(${ref} AS ${stage.castTo})` : ref,
  };
}
