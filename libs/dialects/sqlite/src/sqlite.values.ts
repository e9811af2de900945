import type { NeutralType, NeutralValue, ValueLossKind } from '@dbferry/dialects-core';
import type { SqliteParam, SqliteRaw } from './sqlite.driver';

/**
 * Value conversion between the neutral forms (VALUE_FORMS) and what SQLite stores. The declared
 * type decides the neutral kind; the stored value may still be of any storage class, so decoding
 * accepts every class a column of that kind can plausibly hold.
 */

/** Thrown when a value cannot be converted losslessly; the dialect maps it to a data error. */
export class SqliteValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqliteValueError';
  }
}

const SMALL_INTS = new Set(['int8', 'int16', 'int32', 'uint8', 'uint16', 'uint32']);
const INTEGER_TEXT = /^[+-]?\d+$/;

/** Kinds bound as integer text through `CAST(? AS INTEGER)`: no JS double ever carries them. */
function isCastInteger(type: NeutralType): boolean {
  return SMALL_INTS.has(type.kind) || type.kind === 'int64';
}

/** The placeholder for one value of this type in INSERT … VALUES and in key predicates. */
export function placeholder(type: NeutralType): string {
  return isCastInteger(type) ? 'CAST(? AS INTEGER)' : '?';
}

/**
 * The select-list expression for a column: sqlite3 returns INTEGER as a JS number, so 64-bit
 * integers (and integers in decimal columns) are read as their text.
 */
export function selectExpression(quoted: string, type: NeutralType): string {
  switch (type.kind) {
    case 'int64':
    case 'uint64':
      return `CAST(${quoted} AS TEXT)`;
    case 'decimal':
      return `CASE typeof(${quoted}) WHEN 'integer' THEN CAST(${quoted} AS TEXT) ELSE ${quoted} END`;
    default:
      return quoted;
  }
}

/** `1.5e-7` → `0.00000015`; text without an exponent comes back as it is. */
export function expandExponent(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?e([+-]?\d+)$/i.exec(text.trim());
  if (!m) return text;
  const [, sign, int, frac = '', exponent] = m;
  const digits = `${int}${frac}`;
  const point = int.length + Number(exponent);
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = `${digits}${'0'.repeat(point - digits.length)}`;
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.replace(/^0+(?=\d)/, '');
  return sign === '-' && !/^0(\.0*)?$/.test(out) ? `-${out}` : out;
}

/** Plain notation of a JS number (no exponent). */
export function plainNumber(n: number): string {
  return expandExponent(String(n));
}

/** Pads (or trims zeros) to the declared scale, as a database with fixed-scale decimals prints it. */
export function withScale(text: string, scale: number | undefined): string {
  if (scale === undefined) return text;
  const [int, frac = ''] = text.split('.');
  if (frac.length === scale) return text;
  if (frac.length < scale) return `${int}.${frac.padEnd(scale, '0')}`;
  const kept = frac.slice(0, scale);
  if (!/^0*$/.test(frac.slice(scale))) return text;
  return scale === 0 ? int : `${int}.${kept}`;
}

/**
 * The canonical text of a decimal in plain notation (`[-]digits[.digits]`): no `+`, no leading
 * zeros, no `-0`, padded to the declared scale (trailing zeros beyond it dropped only when they
 * are zeros, so no digit is ever lost). What a DECIMAL_TEXT column stores, and the bound of a
 * key predicate on one, so equal decimals are equal texts.
 */
export function canonicalDecimal(text: string, scale: number | undefined): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m) return text;
  const [, sign, int, frac = ''] = m;
  const digits = withScale(`${int.replace(/^0+(?=\d)/, '') || '0'}${frac ? `.${frac}` : ''}`, scale);
  return sign === '-' && !/^0(\.0*)?$/.test(digits) ? `-${digits}` : digits;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * A timestamp with an offset as the instant in UTC: `YYYY-MM-DD HH:MM:SS[.fraction]+00:00`.
 * Only UTC Date methods touch it, so the process time zone cannot shift it; the fraction is kept
 * as text. Text of another shape is returned as it is.
 */
export function timestamptzToUtc(text: string): string {
  const m = /^(\d{4,})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text.trim());
  if (!m) return text;
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = m;
  const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  const offset = z ? (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0)) : 0;
  if (offset === 0) return `${y}-${mo}-${d} ${h}:${mi}:${s}${fraction}+00:00`;
  const at = new Date(0);
  at.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  at.setUTCHours(Number(h), Number(mi) - offset, Number(s), 0);
  const date = `${pad(at.getUTCFullYear(), 4)}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
  return `${date} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}${fraction}+00:00`;
}

function integerText(value: NeutralValue, kind: string): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'string' && INTEGER_TEXT.test(value.trim())) return BigInt(value.trim()).toString();
  throw new SqliteValueError(`${kind} value ${describe(value)} is not an exact integer`);
}

function describe(value: NeutralValue): string {
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return '<array>';
  return String(value).slice(0, 40);
}

function truthy(value: NeutralValue): boolean {
  if (typeof value === 'string') return ['1', 't', 'true', 'y', 'yes', 'on'].includes(value.trim().toLowerCase());
  if (Buffer.isBuffer(value)) return value.some((b) => b !== 0);
  return value === true || (typeof value === 'number' && value !== 0) || (typeof value === 'bigint' && value !== 0n);
}

function asText(value: NeutralValue): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number') return plainNumber(value);
  return String(value);
}

/** An array element as JSON: 64-bit integers and decimals as strings so nothing passes a double. */
function toJsonElement(type: NeutralType, value: NeutralValue): unknown {
  if (value === null) return null;
  switch (type.kind) {
    case 'bool':
      return truthy(value);
    case 'int8': case 'int16': case 'int32': case 'uint8': case 'uint16': case 'uint32':
      return Number(integerText(value, type.kind));
    case 'int64': case 'uint64':
      return integerText(value, type.kind);
    case 'float32': case 'float64': {
      const n = Number(value);
      return Number.isFinite(n) ? n : String(n);
    }
    case 'binary': case 'blob':
      return Buffer.isBuffer(value) ? value.toString('base64') : Buffer.from(String(value)).toString('base64');
    case 'array': case 'set':
      return Array.isArray(value) ? value.map((v) => toJsonElement(type.kind === 'array' ? type.of : { kind: 'text' }, v)) : value;
    case 'decimal':
      return typeof value === 'number' ? plainNumber(value) : String(value);
    default:
      return asText(value);
  }
}

function fromJsonElement(type: NeutralType, value: unknown): NeutralValue {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'array':
      return Array.isArray(value) ? value.map((v) => fromJsonElement(type.of, v)) : null;
    case 'set':
      return Array.isArray(value) ? value.map((v) => String(v)) : null;
    case 'binary': case 'blob':
      return Buffer.from(String(value), 'base64');
    default:
      return decodeValue(type, typeof value === 'boolean' ? (value ? 1 : 0) : (value as SqliteRaw));
  }
}

/** Neutral value → the parameter bound for it (with `placeholder(type)`). */
export function encodeValue(type: NeutralType, value: NeutralValue, warn?: (kind: ValueLossKind) => void): SqliteParam {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'bool':
      return truthy(value) ? 1 : 0;
    case 'int8': case 'int16': case 'int32': case 'int64':
    case 'uint8': case 'uint16': case 'uint32': case 'uint64':
      // uint64 lives in a TEXT column (UNSIGNED64_TEXT); the others through CAST(? AS INTEGER).
      return integerText(value, type.kind);
    case 'decimal': {
      const text = typeof value === 'number' ? plainNumber(value) : expandExponent(String(value).trim());
      if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) throw new SqliteValueError(`decimal value ${describe(value)} is not a number`);
      return canonicalDecimal(text, type.scale);
    }
    case 'float32': case 'float64': {
      const n = typeof value === 'number' ? value : Number(asText(value));
      // SQLite turns a bound NaN into NULL: said in the run report rather than silently.
      if (Number.isNaN(n)) warn?.('nan-as-null');
      return Number.isNaN(n) ? null : n;
    }
    case 'uuid':
      return asText(value).toLowerCase();
    case 'binary': case 'blob':
      return Buffer.isBuffer(value) ? value : Buffer.from(asText(value), 'utf8');
    case 'set':
      return Array.isArray(value) ? value.map((v) => asText(v)).join(',') : asText(value);
    case 'array':
      return JSON.stringify(Array.isArray(value) ? value.map((v) => toJsonElement(type.of, v)) : value);
    default:
      return asText(value);
  }
}

/** What sqlite3 returned for `selectExpression(column, type)` → the neutral value. */
export function decodeValue(type: NeutralType, raw: SqliteRaw): NeutralValue {
  if (raw === null || raw === undefined) return null;
  switch (type.kind) {
    case 'bool':
      return truthy(raw);
    case 'int8': case 'int16': case 'int32': case 'uint8': case 'uint16': case 'uint32': {
      const n = typeof raw === 'number' ? raw : Number(asText(raw).trim());
      if (!Number.isSafeInteger(n)) throw new SqliteValueError(`${type.kind} column holds ${describe(raw)}, not an integer`);
      return n;
    }
    case 'int64': case 'uint64': {
      const text = asText(raw).trim();
      if (!INTEGER_TEXT.test(text)) throw new SqliteValueError(`${type.kind} column holds ${describe(raw)}, not an integer`);
      return BigInt(text);
    }
    case 'decimal': {
      if (typeof raw === 'number') {
        return Number.isFinite(raw) && Math.abs(raw) < 1e21 && type.scale !== undefined ? raw.toFixed(type.scale) : plainNumber(raw);
      }
      return canonicalDecimal(expandExponent(asText(raw).trim()), type.scale);
    }
    case 'float32': case 'float64':
      return typeof raw === 'number' ? raw : Number(asText(raw));
    case 'uuid':
      return asText(raw).toLowerCase();
    case 'binary': case 'blob':
      return Buffer.isBuffer(raw) ? raw : Buffer.from(asText(raw), 'utf8');
    case 'timestamp':
      return asText(raw).replace(/^(\d{4,}-\d{2}-\d{2})T/, '$1 ');
    case 'timestamptz':
      return timestamptzToUtc(asText(raw));
    case 'set': {
      const text = asText(raw);
      return text === '' ? [] : text.split(',');
    }
    case 'array': {
      const parsed: unknown = JSON.parse(asText(raw));
      if (!Array.isArray(parsed)) throw new SqliteValueError('array column holds JSON that is not an array');
      return parsed.map((v) => fromJsonElement(type.of, v));
    }
    default:
      return asText(raw);
  }
}
