import type { CustomTypesConfig } from 'pg';
import { loadPg } from './postgres.load-driver';
import { type NeutralType, type NeutralValue, TerminalDbError, truncateFraction, type ValueLoss, ValueLossCounter } from '@dbferry/dialects-core';

/**
 * Value conversion between PostgreSQL's text format and the neutral value forms (VALUE_FORMS).
 * Every value is read as the server's text and decoded here by its neutral type, so nothing
 * goes through a JS Date or an inexact number.
 */

/** The session settings every dbferry connection runs with: text output that no process TZ can shift. */
export const POSTGRES_SESSION_SETUP_SQL = [
  "SET TIME ZONE 'UTC'",
  "SET datestyle = 'ISO, YMD'",
  "SET intervalstyle = 'iso_8601'",
  'SET extra_float_digits = 3',
  "SET bytea_output = 'hex'",
  'SET standard_conforming_strings = on',
  "SET client_encoding = 'UTF8'",
].join('; ');

const identity = (value: string): string => value;

/**
 * OIDs kept as the server's text on the session client (catalogue queries included): 64-bit and
 * exact numbers, temporal types, json, uuid, money, and arrays of them.
 */
const TEXT_OIDS = new Set([
  20, 1016, // int8
  1700, 1231, // numeric
  790, 791, // money
  1082, 1182, // date
  1083, 1183, // time
  1266, 1270, // timetz
  1114, 1115, // timestamp
  1184, 1185, // timestamptz
  1186, 1187, // interval
  114, 199, // json
  3802, 3807, // jsonb
  2950, 2951, // uuid
]);

/** The session client's parsers; pg's global parsers are read, never changed. */
export const POSTGRES_SESSION_TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    TEXT_OIDS.has(oid) && (format ?? 'text') === 'text' ? identity : loadPg().types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

/** For data queries: every column comes back as the server's text, decoded by `decodeValue`. */
export const POSTGRES_RAW_TYPES: CustomTypesConfig = {
  getTypeParser: (() => identity) as CustomTypesConfig['getTypeParser'],
};

/** Parses a PostgreSQL array literal (`{1,NULL,"a b",{2,3}}`) into nested arrays of element text. */
export function parseArrayLiteral(text: string): (string | null | (string | null)[])[] {
  let pos = 0;
  // A literal with explicit bounds (`[0:1]={1,2}`) starts at its '='.
  if (text.startsWith('[')) pos = text.indexOf('=') + 1;
  type Nested = string | null | Nested[];
  const parse = (): Nested[] => {
    if (text[pos] !== '{') throw new Error(`malformed array literal: ${text.slice(0, 80)}`);
    pos++;
    const out: Nested[] = [];
    if (text[pos] === '}') {
      pos++;
      return out;
    }
    for (;;) {
      const ch = text[pos];
      if (ch === '{') out.push(parse());
      else if (ch === '"') {
        pos++;
        let value = '';
        while (text[pos] !== '"') {
          if (pos >= text.length) throw new Error(`malformed array literal: ${text.slice(0, 80)}`);
          if (text[pos] === '\\') pos++;
          value += text[pos];
          pos++;
        }
        pos++;
        out.push(value);
      } else {
        let end = pos;
        while (text[end] !== ',' && text[end] !== '}' && end < text.length) end++;
        const raw = text.slice(pos, end).trim();
        pos = end;
        out.push(raw.toUpperCase() === 'NULL' ? null : raw);
      }
      const sep = text[pos];
      pos++;
      if (sep === '}') return out;
      if (sep !== ',') throw new Error(`malformed array literal: ${text.slice(0, 80)}`);
    }
  };
  return parse() as (string | null | (string | null)[])[];
}

/** 'YYYY-MM-DD HH:MM:SS[.f]+00' (session TZ is UTC) → '…+00:00'. */
function normaliseOffset(text: string): string {
  const m = /([+-])(\d{2})(?::?(\d{2}))?(?::(\d{2}))?$/.exec(text);
  if (!m) return text;
  const seconds = m[4] ? `:${m[4]}` : '';
  return `${text.slice(0, m.index)}${m[1]}${m[2]}:${m[3] ?? '00'}${seconds}`;
}

/** One value of the server's text output → its neutral form. */
export function decodeValue(type: NeutralType, text: string | null): NeutralValue {
  if (text === null) return null;
  switch (type.kind) {
    case 'bool':
      return text === 't' || text === 'true';
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
    case 'uint32':
      return Number(text);
    case 'int64':
    case 'uint64':
      return BigInt(text);
    case 'float32':
    case 'float64':
      return Number(text);
    case 'uuid':
      return text.toLowerCase();
    case 'binary':
    case 'blob':
      return decodeBytea(text);
    case 'timestamptz':
      return normaliseOffset(text);
    case 'array':
      return decodeArray(type.of, parseArrayLiteral(text));
    case 'set':
      return decodeArray({ kind: 'text' }, parseArrayLiteral(text));
    default:
      return text;
  }
}

type ArrayText = string | null | ArrayText[];

function decodeArray(of: NeutralType, items: ArrayText[]): NeutralValue[] {
  return items.map((item) => (Array.isArray(item) ? decodeArray(of, item) : decodeValue(of, item)));
}

function decodeBytea(text: string): Buffer {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  // The old escape format, only if a server was set to it behind our back.
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === '\\') {
      bytes.push(0x5c);
      i++;
    } else if (text[i] === '\\') {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else bytes.push(...Buffer.from(text[i], 'latin1'));
  }
  return Buffer.from(bytes);
}

export type NulPolicy = 'strip' | 'reject';

/**
 * Applies the write's NUL policy to text values and counts what changed on the way in (a NUL
 * removed, fractional seconds cut), by column, for WriteResult.warnings. 'reject' throws on the
 * first NUL instead.
 */
export class ValueWarnings {
  private readonly counts = new ValueLossCounter();

  /** `table` names the target in a rejection (already qualified for display). */
  constructor(
    readonly nul: NulPolicy = 'strip',
    private readonly table?: string,
  ) {}

  /** Called once per value holding U+0000: counts it, or throws under 'reject'. */
  nulFound(column: string): void {
    if (this.nul === 'reject') {
      const where = this.table ? `table ${this.table}, column "${column}"` : `column "${column}"`;
      throw new TerminalDbError('data', `${where}: a value contains a NUL character (U+0000), which PostgreSQL text cannot hold (nul: 'reject')`, { column });
    }
    this.counts.add(column, 'nul-stripped');
  }

  /** Called once per time or timestamp value that lost fractional-second digits beyond microseconds. */
  fractionTruncated(column: string): void {
    this.counts.add(column, 'fractional-seconds-truncated');
  }

  list(): ValueLoss[] {
    return this.counts.list();
  }
}

/**
 * A time or timestamp text cut to microseconds, PostgreSQL's precision: its input function
 * would round the 7th digit on, dbferry truncates on every target (LOSS_KINDS
 * 'fractional-seconds-truncated'), counted in `warnings`.
 */
export function truncateToMicros(text: string, column: string, warnings?: ValueWarnings): string {
  const cut = truncateFraction(text, 6);
  if (cut.changed) warnings?.fractionTruncated(column);
  return cut.text;
}

/** The text with U+0000 removed (reported to `warnings`, or rejected by its policy). */
export function stripNul(text: string, column: string, warnings?: ValueWarnings): string {
  if (!text.includes('\u0000')) return text;
  warnings?.nulFound(column);
  return text.replaceAll('\u0000', '');
}

/** The neutral bool (or a 1/'t'/'true' a lenient source sent) as true. */
export function isTrue(value: NeutralValue): boolean {
  return value === true || value === 1 || value === '1' || value === 't' || value === 'true';
}

function floatText(value: NeutralValue): string {
  const n = typeof value === 'number' ? value : Number(value);
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  return Object.is(n, -0) ? '-0' : String(n);
}

export function asBuffer(value: NeutralValue): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  return Buffer.from(String(value), 'utf8');
}

/**
 * One neutral value → the text PostgreSQL's input function reads (before any COPY escaping).
 * `null` stays null. Text kinds lose NUL characters, times digits beyond microseconds, reported through `warnings`.
 */
export function encodeText(type: NeutralType, value: NeutralValue, column: string, warnings?: ValueWarnings): string | null {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'bool':
      return isTrue(value) ? 't' : 'f';
    case 'float32':
    case 'float64':
      return floatText(value);
    case 'binary':
    case 'blob':
      return `\\x${asBuffer(value).toString('hex')}`;
    case 'array':
      return encodeArrayLiteral(type.of, value, column, warnings);
    case 'set':
      return encodeArrayLiteral({ kind: 'text' }, value, column, warnings);
    case 'string':
    case 'char':
    case 'text':
    case 'enum':
    case 'xml':
    case 'json':
      return stripNul(String(value), column, warnings);
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return truncateToMicros(String(value), column, warnings);
    default:
      return String(value);
  }
}

/** `['a', null, 'b c']` → `{"a",NULL,"b c"}`; nested arrays give a multidimensional literal. */
export function encodeArrayLiteral(of: NeutralType, value: NeutralValue, column: string, warnings?: ValueWarnings): string {
  // A MySQL set arrives as its text 'a,b'; anything else must be an array already.
  const items: NeutralValue[] = Array.isArray(value) ? value : String(value) === '' ? [] : String(value).split(',');
  const parts = items.map((item) => {
    if (Array.isArray(item)) return encodeArrayLiteral(of, item, column, warnings);
    const text = encodeText(of, item, column, warnings);
    return text === null ? 'NULL' : `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  });
  return `{${parts.join(',')}}`;
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes one field for COPY … FROM STDIN in text format; null is `\N`. */
export function copyField(text: string | null): string {
  return text === null ? '\\N' : text.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]);
}

/** One row as a COPY text line, newline included. */
export function copyLine(types: NeutralType[], names: string[], row: NeutralValue[], warnings?: ValueWarnings): string {
  let line = '';
  for (let i = 0; i < types.length; i++) {
    if (i > 0) line += '\t';
    line += copyField(encodeText(types[i], row[i] ?? null, names[i], warnings));
  }
  return `${line}\n`;
}

/** A query parameter for a key value: the text PostgreSQL reads (or null). */
export function encodeParam(type: NeutralType, value: NeutralValue): string | null {
  return encodeText(type, value, '');
}
