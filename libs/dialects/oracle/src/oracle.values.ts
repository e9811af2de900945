import type { DbType, FetchTypeResult, IntervalDS, IntervalYM, Metadata } from 'oracledb';
import type { NeutralColumn, NeutralType, NeutralValue } from '@dbferry/dialects-core';
import { loadOracleDb } from './oracle.load-driver';
import { oracleTypeMapper, parseOracleType } from './oracle.type-mapper';

/**
 * How values cross the wire without loss (thin mode).
 *
 * Reading: NUMBER is fetched as text (thin mode decodes it in JS to plain notation, e.g. `.5`,
 * see oracledb lib/impl/datahandlers/buffer.js parseOracleNumber); CLOB as a string, BLOB as a
 * Buffer. DATE and TIMESTAMP must NOT be fetched "as string": thin mode turns them into JS
 * Dates first and then calls toString() (oracledb lib/impl/resultset.js), so NLS formats never
 * apply and microseconds and the zone are lost. The select list formats them with TO_CHAR
 * instead (`selectExpression`), and SYS_EXTRACT_UTC gives timestamptz as the UTC instant.
 *
 * Writing: numbers and temporals are bound as text and converted in SQL with explicit formats
 * (TO_NUMBER under the session's NLS_NUMERIC_CHARACTERS, TO_TIMESTAMP with a format mask).
 */

/** Run once per session: the implicit conversions that remain use these formats, in UTC. */
export const ORACLE_SESSION_SQL =
  "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS' NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF6' " +
  "NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM' TIME_ZONE = 'UTC' NLS_NUMERIC_CHARACTERS = '.,'";

export const TIMESTAMP_MASK = 'YYYY-MM-DD HH24:MI:SS.FF9';
export const TIMESTAMP_TZ_MASK = 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM';

/** NUMBER as text, CLOB as string, BLOB as Buffer; everything else as thin mode returns it. */
export function oracleFetchTypeHandler(metadata: Metadata): FetchTypeResult | undefined {
  const db = loadOracleDb();
  if (metadata.dbType === db.DB_TYPE_NUMBER) return { type: db.DB_TYPE_VARCHAR };
  if (metadata.dbType === db.DB_TYPE_CLOB || metadata.dbType === db.DB_TYPE_NCLOB) return { type: db.DB_TYPE_LONG };
  if (metadata.dbType === db.DB_TYPE_BLOB) return { type: db.DB_TYPE_LONG_RAW };
  return undefined;
}

/**
 * The base type name of a column's native type, lower-case (`timestamp with time zone`); for a
 * column without one, the type this dialect creates for its neutral type.
 */
export function oracleBaseType(column: NeutralColumn): string {
  return parseOracleType(column.nativeType || oracleTypeMapper.fromNeutral(column.type).native).dataType.toLowerCase();
}

function fraction(type: NeutralType): number {
  const p = 'precision' in type && type.precision !== undefined ? type.precision : 6;
  return Math.min(Math.max(p, 0), 9);
}

/** `YYYY-MM-DD HH24:MI:SS[.FFp]` for the column's own precision (DATE has none). */
function timestampMask(column: NeutralColumn): string {
  const p = oracleBaseType(column) === 'date' ? 0 : fraction(column.type);
  return p === 0 ? 'YYYY-MM-DD HH24:MI:SS' : `YYYY-MM-DD HH24:MI:SS.FF${p}`;
}

export function selectExpression(column: NeutralColumn, quoted: string): string {
  const base = oracleBaseType(column);
  switch (column.type.kind) {
    case 'date':
      return `TO_CHAR(${quoted}, 'YYYY-MM-DD')`;
    case 'timestamp':
      return `TO_CHAR(${quoted}, '${timestampMask(column)}')`;
    case 'timestamptz':
      return `TO_CHAR(SYS_EXTRACT_UTC(${quoted}), '${timestampMask(column)}') || '+00:00'`;
    case 'json':
      return base === 'json' ? `JSON_SERIALIZE(${quoted} RETURNING CLOB)` : quoted;
    case 'xml':
      return `XMLSERIALIZE(CONTENT ${quoted} AS CLOB)`;
    default:
      return quoted;
  }
}

/** Thin mode prints NUMBER as `.5` / `-.5`; the neutral form has the leading zero. */
export function plainDecimal(text: string): string {
  const t = text.trim();
  if (/e/i.test(t)) throw new Error(`NUMBER arrived in exponent notation: ${t}`);
  return t.replace(/^(-?)\./, '$10.');
}

function formatUuid(hex: string): string {
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** ISO 8601 duration from thin mode's interval objects (fseconds are nanoseconds). */
export function intervalText(raw: IntervalDS | IntervalYM): string {
  if (raw instanceof loadOracleDb().IntervalYM) return `P${raw.years}Y${raw.months}M`;
  const frac = raw.fseconds === 0 ? '' : `.${String(Math.abs(raw.fseconds)).padStart(9, '0').replace(/0+$/, '')}`;
  const negativeSeconds = raw.seconds < 0 || raw.fseconds < 0;
  const seconds = `${negativeSeconds ? '-' : ''}${Math.abs(raw.seconds)}${frac}`;
  return `P${raw.days}DT${raw.hours}H${raw.minutes}M${seconds}S`;
}

function asText(raw: unknown): string {
  if (Buffer.isBuffer(raw)) return raw.toString('utf8');
  if (raw instanceof Date) throw new Error('a temporal value arrived as a JS Date; the reader must select it with TO_CHAR');
  return String(raw);
}

/** What thin mode returns (with the handler and select list above) → the neutral value form. */
export function decodeOracleValue(type: NeutralType, raw: unknown): NeutralValue {
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
      return Number(asText(raw));
    case 'int64':
    case 'uint64':
      return BigInt(asText(raw));
    case 'decimal':
      return plainDecimal(asText(raw));
    case 'float32':
    case 'float64':
      return typeof raw === 'number' ? raw : Number(asText(raw));
    case 'uuid':
      return Buffer.isBuffer(raw) && raw.length === 16 ? formatUuid(raw.toString('hex')) : asText(raw).toLowerCase();
    case 'binary':
    case 'blob':
      return Buffer.isBuffer(raw) ? raw : Buffer.from(asText(raw), 'utf8');
    case 'bit': {
      if (!Buffer.isBuffer(raw)) return asText(raw);
      const all = [...raw].map((b) => b.toString(2).padStart(8, '0')).join('');
      return all.slice(Math.max(0, all.length - type.length));
    }
    case 'interval':
      return typeof raw === 'object' && raw !== null && (raw instanceof loadOracleDb().IntervalDS || raw instanceof loadOracleDb().IntervalYM) ? intervalText(raw) : asText(raw);
    case 'set': {
      const text = asText(raw);
      return text === '' ? [] : text.split(',');
    }
    case 'array': {
      const parsed: unknown = JSON.parse(asText(raw));
      if (!Array.isArray(parsed)) throw new Error('an array column holds JSON that is not an array');
      return parsed.map((v) => decodeOracleValue(type.of, v));
    }
    default:
      return asText(raw);
  }
}

// --- binds for writing ---------------------------------------------------------------------

export interface OracleBind {
  type: DbType;
  /** Fixed maxSize; absent for VARCHAR and RAW, whose maxSize is measured per batch. */
  maxSize?: number;
  /** Measure the batch's largest value for maxSize. */
  measured: boolean;
  /** SQL that turns the bind reference into the column's value. */
  expression(ref: string): string;
  encode(value: NeutralValue): unknown;
  /** Whether `encode` turned this (non-null) value into NULL: Oracle's '' is NULL. */
  emptied(value: NeutralValue): boolean;
}

const isEmptyText = (v: NeutralValue): boolean => v === '' || (Buffer.isBuffer(v) && v.length === 0);

function temporal(value: NeutralValue, kind: 'date' | 'time' | 'timestamp' | 'timestamptz'): string {
  let text = String(value).trim().replace('T', ' ');
  const zone = /(Z|[+-]\d{2}(:?\d{2})?)$/.exec(text);
  const offset = zone ? (zone[1] === 'Z' ? '+00:00' : zone[1].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2').replace(/^([+-]\d{2})$/, '$1:00')) : '+00:00';
  if (zone) text = text.slice(0, zone.index).trim();
  if (kind === 'date') return text.slice(0, 10);
  const [main, frac = ''] = text.split('.');
  const nine = `${main}.${frac.padEnd(9, '0').slice(0, 9)}`;
  if (kind === 'time') return `0 ${nine}`;
  return kind === 'timestamptz' ? `${nine} ${offset}` : nine;
}

function jsonElement(value: NeutralValue): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(jsonElement);
  return value;
}

function bitsToBuffer(bits: string): Buffer {
  const padded = bits.padStart(Math.ceil(bits.length / 8) * 8, '0');
  const out = Buffer.alloc(padded.length / 8);
  for (let i = 0; i < out.length; i += 1) out[i] = Number.parseInt(padded.slice(i * 8, i * 8 + 8), 2);
  return out;
}

const plain = (ref: string): string => ref;
const nonNull = <T>(encode: (v: Exclude<NeutralValue, null>) => T) => (v: NeutralValue): T | null => (v === null ? null : encode(v));
const never = (): boolean => false;

function textBind(clob: boolean): OracleBind {
  return {
    type: clob ? loadOracleDb().DB_TYPE_CLOB : loadOracleDb().DB_TYPE_VARCHAR,
    measured: !clob,
    expression: plain,
    encode: (v) => (v === null || v === '' ? null : String(v)),
    emptied: (v) => v === '',
  };
}

function numberBind(): OracleBind {
  return {
    type: loadOracleDb().DB_TYPE_VARCHAR,
    maxSize: 64,
    measured: false,
    expression: (ref) => `TO_NUMBER(${ref})`,
    encode: nonNull((v) => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v))),
    emptied: never,
  };
}

function maskedBind(fn: string, kind: 'date' | 'time' | 'timestamp' | 'timestamptz'): OracleBind {
  const mask = kind === 'date' ? 'YYYY-MM-DD' : kind === 'timestamptz' ? TIMESTAMP_TZ_MASK : TIMESTAMP_MASK;
  return {
    type: loadOracleDb().DB_TYPE_VARCHAR,
    maxSize: 64,
    measured: false,
    expression: (ref) => (kind === 'time' ? `TO_DSINTERVAL(${ref})` : `${fn}(${ref}, '${mask}')`),
    encode: nonNull((v) => temporal(v, kind)),
    emptied: never,
  };
}

/** How one target column is bound in executeMany (by its neutral kind and native type). */
export function oracleBind(column: NeutralColumn): OracleBind {
  const t = column.type;
  const native = oracleBaseType(column);
  const isLob = native === 'clob' || native === 'nclob' || native === 'blob';
  switch (t.kind) {
    case 'bool':
      return { ...numberBind(), encode: nonNull((v) => (v === true || v === 1 || v === '1' || v === 1n ? '1' : '0')) };
    case 'int8': case 'int16': case 'int32': case 'int64':
    case 'uint8': case 'uint16': case 'uint32': case 'uint64':
    case 'decimal':
      return numberBind();
    case 'float32':
    case 'float64':
      return { type: loadOracleDb().DB_TYPE_BINARY_DOUBLE, measured: false, expression: plain, encode: nonNull((v) => Number(v)), emptied: never };
    case 'uuid':
      if (native === 'raw') {
        return {
          type: loadOracleDb().DB_TYPE_RAW,
          maxSize: 16,
          measured: false,
          expression: plain,
          encode: nonNull((v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v).replace(/-/g, ''), 'hex'))),
          emptied: never,
        };
      }
      return { ...textBind(false), encode: nonNull((v) => String(v).toLowerCase()) };
    case 'binary':
    case 'blob':
    case 'bit': {
      const toBuffer = (v: Exclude<NeutralValue, null>): Buffer | null => {
        const b = Buffer.isBuffer(v) ? v : t.kind === 'bit' ? bitsToBuffer(String(v)) : Buffer.from(String(v), 'utf8');
        return b.length === 0 ? null : b;
      };
      return {
        type: isLob ? loadOracleDb().DB_TYPE_BLOB : loadOracleDb().DB_TYPE_RAW,
        measured: !isLob,
        expression: plain,
        encode: nonNull(toBuffer),
        emptied: (v) => isEmptyText(v),
      };
    }
    case 'date':
      return maskedBind('TO_DATE', 'date');
    case 'timestamp':
      return maskedBind('TO_TIMESTAMP', 'timestamp');
    case 'timestamptz':
      return maskedBind('TO_TIMESTAMP_TZ', 'timestamptz');
    case 'time':
      return maskedBind('TO_DSINTERVAL', 'time');
    case 'interval':
      return {
        ...textBind(false),
        maxSize: 64,
        measured: false,
        expression: (ref) => (t.fields === 'year-month' ? `TO_YMINTERVAL(${ref})` : `TO_DSINTERVAL(${ref})`),
      };
    case 'xml':
      return { ...textBind(true), expression: (ref) => `XMLTYPE(${ref})` };
    case 'json':
      return textBind(true);
    case 'set':
      return { ...textBind(isLob), encode: nonNull((v) => (Array.isArray(v) ? (v.length ? v.map(String).join(',') : null) : String(v) || null)) };
    case 'array':
      return { ...textBind(true), encode: nonNull((v) => (Array.isArray(v) ? JSON.stringify(v.map(jsonElement)) : String(v))) };
    default:
      return { ...textBind(isLob), emptied: isEmptyText };
  }
}
