import { type NeutralColumn, type NeutralType, type NeutralValue, TerminalDbError } from '@dbferry/dialects-core';
import { asBuffer, isTrue, stripNul, type ValueWarnings } from './postgres.values';

/**
 * COPY … FROM STDIN (FORMAT binary): the wire format and the encoders of the types whose binary
 * form we write ourselves. Each encoder is chosen by the neutral kind AND the target column's
 * actual PostgreSQL type, because the receive function of the target type reads the bytes.
 * Every conversion is integer arithmetic on the canonical strings (VALUE_FORMS): no JS Date.
 */

/** 'PGCOPY\n\377\r\n\0', flags 0, header extension length 0. */
export const BINARY_COPY_HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);
/** The int16 field count -1 that ends the data. */
export const BINARY_COPY_TRAILER = Buffer.from([0xff, 0xff]);

const INITIAL_BYTES = 64 * 1024;

const TWO_32 = 4_294_967_296;

/**
 * Buffer's own UTF-8 writer without write()'s argument and encoding checks (a stable Node
 * internal that mysql2 uses too); write() where it is missing.
 */
const utf8Write = (Buffer.prototype as unknown as { utf8Write?: (text: string, offset: number) => number }).utf8Write;

/**
 * A growable buffer of COPY binary data, handed out in chunks with `take()`. Numbers go through a
 * DataView, which the JIT inlines, rather than Buffer's checked write methods.
 */
export class BinaryCopyBuffer {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private pos = 0;

  get length(): number {
    return this.pos;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  int16(value: number): void {
    this.ensure(2);
    this.view.setInt16(this.pos, value);
    this.pos += 2;
  }

  int32(value: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, value);
    this.pos += 4;
  }

  /** A field of `length` bytes follows (the length word only). */
  fieldLength(length: number): void {
    this.int32(length);
  }

  nullField(): void {
    this.int32(-1);
  }

  int16Field(value: number): void {
    this.ensure(6);
    this.view.setInt32(this.pos, 2);
    this.view.setInt16(this.pos + 4, value);
    this.pos += 6;
  }

  int32Field(value: number): void {
    this.ensure(8);
    this.view.setInt32(this.pos, 4);
    this.view.setInt32(this.pos + 4, value);
    this.pos += 8;
  }

  int64Field(value: bigint): void {
    this.ensure(12);
    this.view.setInt32(this.pos, 8);
    const n = Number(value);
    if (Number.isSafeInteger(n)) {
      const high = Math.floor(n / TWO_32);
      this.view.setInt32(this.pos + 4, high);
      this.view.setUint32(this.pos + 8, n - high * TWO_32);
    } else {
      this.view.setBigInt64(this.pos + 4, value);
    }
    this.pos += 12;
  }

  /**
   * The int64 `days * 86_400_000_000 + micros` without BigInt: 86_400_000_000 = 20·2^32 + 500_654_080,
   * so the low part stays exact in a double for |days| up to 4 million (beyond year 12900: BigInt).
   */
  int64DaysField(days: number, micros: number): void {
    if (Math.abs(days) > 4_000_000) {
      this.int64Field(BigInt(days) * 86_400_000_000n + BigInt(micros));
      return;
    }
    const lowPart = days * 500_654_080 + micros;
    const carry = Math.floor(lowPart / TWO_32);
    this.ensure(12);
    this.view.setInt32(this.pos, 8);
    this.view.setInt32(this.pos + 4, days * 20 + carry);
    this.view.setUint32(this.pos + 8, lowPart - carry * TWO_32);
    this.pos += 12;
  }

  float32Field(value: number): void {
    this.ensure(8);
    this.view.setInt32(this.pos, 4);
    this.view.setFloat32(this.pos + 4, value);
    this.pos += 8;
  }

  float64Field(value: number): void {
    this.ensure(12);
    this.view.setInt32(this.pos, 8);
    this.view.setFloat64(this.pos + 4, value);
    this.pos += 12;
  }

  bytesField(bytes: Uint8Array, prefix?: number): void {
    const extra = prefix === undefined ? 0 : 1;
    this.ensure(4 + extra + bytes.length);
    this.view.setInt32(this.pos, bytes.length + extra);
    this.pos += 4;
    if (prefix !== undefined) this.buf[this.pos++] = prefix;
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** UTF-8 text, optionally after one prefix byte (jsonb's version): encoded once, its length written after. */
  textField(text: string, prefix?: number): void {
    const extra = prefix === undefined ? 0 : 1;
    // At most 3 bytes of UTF-8 per UTF-16 code unit.
    this.ensure(4 + extra + text.length * 3);
    const start = this.pos + 4 + extra;
    const bytes = utf8Write ? utf8Write.call(this.buf, text, start) : this.buf.write(text, start);
    this.view.setInt32(this.pos, bytes + extra);
    if (prefix !== undefined) this.buf[this.pos + 4] = prefix;
    this.pos = start + bytes;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** The bytes written so far; the buffer starts afresh (the stream may still hold the old one). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = 0;
    return out;
  }
}

/** Writes one non-null value as a complete field (length word and bytes). */
export type BinaryEncoder = (out: BinaryCopyBuffer, value: Exclude<NeutralValue, null>, column: string, warnings?: ValueWarnings) => void;

/** A target column's type as pg_type names it: `typname` and `typtype` ('b' base, 'e' enum, 'd' domain…). */
export interface TargetColumnType {
  typname: string;
  typtype: string;
}

function invalid(column: string, value: unknown, what: string): TerminalDbError {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(value);
  return new TerminalDbError('data', `column "${column}": ${shown} is not ${what}`, { column });
}

// ---------------------------------------------------------------- integers and floats

function toSafeInteger(value: NeutralValue, column: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'bigint' || typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || (typeof value === 'string' && !/^\s*[+-]?\d+\s*$/.test(value))) throw invalid(column, value, 'an integer');
  return n;
}

function toBigInt(value: NeutralValue, column: string): bigint {
  try {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
    if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return BigInt(value.trim());
  } catch {
    // falls through to the error below
  }
  throw invalid(column, value, 'an integer');
}

const INT16 = 0x7fff;
const INT32 = 0x7fffffff;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -INT64_MAX - 1n;

const int2: BinaryEncoder = (out, value, column) => {
  const n = toSafeInteger(value, column);
  if (n < -INT16 - 1 || n > INT16) throw invalid(column, value, 'in the range of smallint');
  out.int16Field(n);
};
const int4: BinaryEncoder = (out, value, column) => {
  const n = toSafeInteger(value, column);
  if (n < -INT32 - 1 || n > INT32) throw invalid(column, value, 'in the range of integer');
  out.int32Field(n);
};
const int8: BinaryEncoder = (out, value, column) => {
  const n = toBigInt(value, column);
  if (n < INT64_MIN || n > INT64_MAX) throw invalid(column, value, 'in the range of bigint');
  out.int64Field(n);
};
const float4: BinaryEncoder = (out, value) => out.float32Field(typeof value === 'number' ? value : Number(value));
const float8: BinaryEncoder = (out, value) => out.float64Field(typeof value === 'number' ? value : Number(value));
const bool: BinaryEncoder = (out, value) => {
  out.fieldLength(1);
  out.raw(isTrue(value) ? ONE : ZERO);
};
const ONE = Uint8Array.of(1);
const ZERO = Uint8Array.of(0);

// ---------------------------------------------------------------- numeric

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;
const NUMERIC_DSCALE_MAX = 0x3fff;

/** The fields of PostgreSQL's numeric binary form: base-10000 digits, weight of the first, sign, display scale. */
export interface NumericParts {
  digits: number[];
  weight: number;
  sign: number;
  dscale: number;
}

const SPECIAL_NUMERICS: Record<string, number> = {
  nan: NUMERIC_NAN,
  infinity: NUMERIC_PINF,
  '+infinity': NUMERIC_PINF,
  inf: NUMERIC_PINF,
  '+inf': NUMERIC_PINF,
  '-infinity': NUMERIC_NINF,
  '-inf': NUMERIC_NINF,
};

const ZERO_CODE = 48;

function isDigitCode(code: number): boolean {
  return code >= ZERO_CODE && code <= ZERO_CODE + 9;
}

/**
 * Base-10000 groups of the digits text[intStart, intEnd) '.' text[fracStart, fracEnd): the
 * integer digits end on a group boundary, the fraction is zero-filled to one.
 */
function numericGroups(text: string, negative: boolean, intStart: number, intEnd: number, fracStart: number, fracEnd: number): NumericParts {
  while (intStart < intEnd && text.charCodeAt(intStart) === ZERO_CODE) intStart++;
  const intLength = intEnd - intStart;
  const dscale = fracEnd - fracStart;
  const intPad = (4 - (intLength % 4)) % 4;
  const digits: number[] = [];
  let group = 0;
  let filled = intPad;
  // The integer digits, then the fraction's, as one run of decimal digits.
  const gap = fracStart - intEnd;
  const end = fracEnd - gap;
  for (let k = intStart; k < end; k++) {
    group = group * 10 + (text.charCodeAt(k < intEnd ? k : k + gap) - ZERO_CODE);
    if (++filled === 4) {
      digits.push(group);
      group = 0;
      filled = 0;
    }
  }
  if (filled > 0) {
    for (; filled < 4; filled++) group *= 10;
    digits.push(group);
  }
  let weight = (intPad + intLength) / 4 - 1;
  let first = 0;
  while (first < digits.length && digits[first] === 0) {
    first++;
    weight--;
  }
  let last = digits.length;
  while (last > first && digits[last - 1] === 0) last--;
  if (first === last) return { digits: [], weight: 0, sign: NUMERIC_POS, dscale };
  return { digits: first === 0 && last === digits.length ? digits : digits.slice(first, last), weight, sign: negative ? NUMERIC_NEG : NUMERIC_POS, dscale };
}

/** '[+-]digits[.digits]' scanned by char code (the canonical form, the fast path); null for anything else. */
function plainNumericParts(text: string): NumericParts | null {
  let i = 0;
  const first = text.charCodeAt(0);
  const negative = first === 45; // '-'
  if (negative || first === 43) i = 1; // '+'
  const intStart = i;
  while (i < text.length && isDigitCode(text.charCodeAt(i))) i++;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < text.length && text.charCodeAt(i) === 46) {
    // '.'
    fracStart = ++i;
    while (i < text.length && isDigitCode(text.charCodeAt(i))) i++;
    fracEnd = i;
  }
  if (i !== text.length || (intEnd === intStart && fracEnd === fracStart)) return null;
  if (fracEnd - fracStart > NUMERIC_DSCALE_MAX) return null;
  return numericGroups(text, negative, intStart, intEnd, fracStart, fracEnd);
}

/** A decimal string (plain, or with an exponent and blanks as numeric_in takes it) → numeric parts, exactly. */
export function numericParts(text: string): NumericParts | null {
  const plain = plainNumericParts(text);
  if (plain) return plain;
  const trimmed = text.trim();
  const special = SPECIAL_NUMERICS[trimmed.toLowerCase()];
  if (special !== undefined) return { digits: [], weight: 0, sign: special, dscale: 0 };
  const m = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(trimmed);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const mantissa = m[2] + (m[3] ?? '');
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1_000_000) return null;
  // Position of the decimal point within the mantissa digits, after the exponent's shift.
  const point = m[2].length + exponent;
  let shifted: string;
  if (point <= 0) shifted = `.${'0'.repeat(-point)}${mantissa}`;
  else if (point >= mantissa.length) shifted = mantissa + '0'.repeat(point - mantissa.length);
  else shifted = `${mantissa.slice(0, point)}.${mantissa.slice(point)}`;
  return plainNumericParts(m[1] === '-' ? `-${shifted}` : shifted);
}

const numeric: BinaryEncoder = (out, value, column) => {
  const text = typeof value === 'string' || typeof value === 'bigint' || typeof value === 'number' ? String(value) : '';
  const parts = numericParts(text);
  if (!parts) throw invalid(column, value, 'a decimal number');
  out.fieldLength(8 + 2 * parts.digits.length);
  out.int16(parts.digits.length);
  out.int16(parts.weight);
  out.int16(parts.sign > INT16 ? parts.sign - 0x10000 : parts.sign);
  out.int16(parts.dscale);
  for (const digit of parts.digits) out.int16(digit);
};

// ---------------------------------------------------------------- text, bytea, uuid, json

const text: BinaryEncoder = (out, value, column, warnings) => out.textField(stripNul(String(value), column, warnings));
const json: BinaryEncoder = text;
const JSONB_VERSION = 1;
const jsonb: BinaryEncoder = (out, value, column, warnings) => out.textField(stripNul(String(value), column, warnings), JSONB_VERSION);
const bytea: BinaryEncoder = (out, value) => out.bytesField(asBuffer(value));

const HEX_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUES['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUES['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Writes the 16 bytes of a canonical 8-4-4-4-12 UUID into `into`; false when it is not one. */
function canonicalUuid(text: string, into: Uint8Array): boolean {
  if (text.length !== 36) return false;
  let byte = 0;
  for (let i = 0; i < 36; ) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (text.charCodeAt(i) !== 45) return false;
      i++;
      continue;
    }
    const high = HEX_VALUES[text.charCodeAt(i)] ?? -1;
    const low = HEX_VALUES[text.charCodeAt(i + 1)] ?? -1;
    if (high < 0 || low < 0) return false;
    into[byte++] = high * 16 + low;
    i += 2;
  }
  return true;
}

/** The 16 bytes of a UUID in any form uuid_in reads ('A0EE…', braces, without hyphens), or null. */
export function uuidBytes(value: string): Buffer | null {
  const bytes = Buffer.alloc(16);
  if (canonicalUuid(value, bytes)) return bytes;
  let hex = value.trim();
  if (hex.startsWith('{') && hex.endsWith('}')) hex = hex.slice(1, -1);
  hex = hex.replaceAll('-', '');
  return /^[0-9a-fA-F]{32}$/.test(hex) ? Buffer.from(hex, 'hex') : null;
}

const uuidScratch = new Uint8Array(16);
const uuid: BinaryEncoder = (out, value, column) => {
  if (typeof value === 'string' && canonicalUuid(value, uuidScratch)) {
    out.bytesField(uuidScratch);
    return;
  }
  const bytes = typeof value === 'string' ? uuidBytes(value) : null;
  if (!bytes) throw invalid(column, value, 'a UUID');
  out.bytesField(bytes);
};

// ---------------------------------------------------------------- dates and times

/** Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
const PG_EPOCH_DAYS = 10_957;
const US_PER_DAY = 86_400_000_000n;

/** Days from 1970-01-01 of a proleptic Gregorian date (astronomical year: 0 is 1 BC), integers only. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 2000-01-01 of a date as written (year ≥ 1, AD or BC), validated as date_in does; null when invalid. */
function civilDays(written: number, month: number, day: number, bc: boolean): number | null {
  if (written < 1 || month < 1 || month > 12 || day < 1) return null;
  const year = bc ? 1 - written : written;
  const last = month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1];
  if (day > last) return null;
  return daysFromCivil(year, month, day) - PG_EPOCH_DAYS;
}

const DATE_INFINITY = 0x7fffffff;
const DATE_NEG_INFINITY = -0x80000000;

/** The number written by `count` ASCII digits at `from`, or -1. */
function digitsAt(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigitCode(code)) return -1;
    n = n * 10 + (code - ZERO_CODE);
  }
  return n;
}

/** 'YYYY-MM-DD' at the start of `text` (by char code), or null. */
function canonicalDate(text: string): { year: number; month: number; day: number } | null {
  if (text.length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  return year < 0 || month < 0 || day < 0 ? null : { year, month, day };
}

/** 'YYYY-MM-DD' (or '… BC', 'infinity', '-infinity') → PostgreSQL's int32 days since 2000-01-01; null when invalid. */
export function dateToPgDays(value: string): number | null {
  if (value.length === 10) {
    const fast = canonicalDate(value);
    if (fast) return civilDays(fast.year, fast.month, fast.day, false);
  }
  const trimmed = value.trim();
  const special = trimmed.toLowerCase();
  if (special === 'infinity' || special === '+infinity') return DATE_INFINITY;
  if (special === '-infinity') return DATE_NEG_INFINITY;
  const m = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/i.exec(trimmed);
  return m ? civilDays(Number(m[1]), Number(m[2]), Number(m[3]), m[4] !== undefined) : null;
}

/**
 * Set by fractionMicros when it cut a non-zero digit beyond microseconds; the time and
 * timestamp encoders clear it before each value and count the value when it is set after.
 */
let fractionCut = false;

/**
 * Microseconds of a fraction written after the seconds' point, truncated (never rounded) to
 * microseconds as on every target (LOSS_KINDS 'fractional-seconds-truncated'): PostgreSQL's own
 * input would round, which can carry a value into the next second, day or year.
 */
export function fractionMicros(digits: string): number {
  if (digits.length <= 6) return Number(digits.padEnd(6, '0'));
  for (let i = 6; i < digits.length; i++) if (digits.charCodeAt(i) !== ZERO_CODE) fractionCut = true;
  return Number(digits.slice(0, 6));
}

const US_PER_DAY_NUMBER = 86_400_000_000;

/** Microseconds since midnight, validated as time_in does (up to 24:00:00, a leap second 60); null when invalid. */
function clockMicros(hours: number, minutes: number, seconds: number, fraction: number): number | null {
  if (hours > 24 || minutes > 59 || seconds > 60) return null;
  const micros = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + fraction;
  if (hours === 24 && micros > US_PER_DAY_NUMBER) return null;
  return micros;
}

/**
 * 'HH:MM:SS[.fraction]' at `from` by char code: microseconds since midnight and where the text
 * after it starts, or null (then the regex path judges).
 */
function canonicalClock(text: string, from: number): { micros: number; end: number } | null {
  if (text.length < from + 8 || text.charCodeAt(from + 2) !== 58 || text.charCodeAt(from + 5) !== 58) return null;
  const hours = digitsAt(text, from, 2);
  const minutes = digitsAt(text, from + 3, 2);
  const seconds = digitsAt(text, from + 6, 2);
  if (hours < 0 || minutes < 0 || seconds < 0) return null;
  let end = from + 8;
  let fraction = 0;
  if (text.charCodeAt(end) === 46) {
    const start = ++end;
    while (end < text.length && isDigitCode(text.charCodeAt(end))) end++;
    if (end - start > 6) fraction = fractionMicros(text.slice(start, end));
    else {
      fraction = digitsAt(text, start, end - start);
      for (let i = end - start; i < 6; i++) fraction *= 10;
    }
  }
  const micros = clockMicros(hours, minutes, seconds, fraction);
  return micros === null ? null : { micros, end };
}

/** 'HH:MM:SS[.fraction]' → PostgreSQL's int64 microseconds since midnight; null when invalid. */
export function timeToPgMicros(value: string): number | null {
  const fast = canonicalClock(value, 0);
  if (fast && fast.end === value.length) return fast.micros > US_PER_DAY_NUMBER ? null : fast.micros;
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d*))?)?$/.exec(value.trim());
  if (!m) return null;
  const micros = clockMicros(Number(m[1]), Number(m[2]), m[3] === undefined ? 0 : Number(m[3]), m[4] ? fractionMicros(m[4]) : 0);
  return micros === null || micros > US_PER_DAY_NUMBER ? null : micros;
}

const TIMESTAMP_PATTERN =
  /^(\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d*))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?( BC)?$/i;

/** '+05:30', '-0800', '+05:53:28', 'Z' → seconds east of UTC. */
function offsetSeconds(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replaceAll(':', '');
  const seconds = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || '0') * 60 + Number(digits.slice(4, 6) || '0');
  return zone[0] === '-' ? -seconds : seconds;
}

/** An instant as PostgreSQL counts it: `days * 86_400_000_000 + micros` microseconds since 2000-01-01 00:00:00 UTC. */
interface PgInstant {
  days: number;
  micros: number;
}

const TIMESTAMP_INFINITY = INT64_MAX;
const TIMESTAMP_NEG_INFINITY = INT64_MIN;

/**
 * The canonical 'HH:MM:SS[.f][±HH:MM|±HH]' from offset 11 by char code: microseconds into the
 * date, less the offset when `withZone`; undefined for the regex path.
 */
function canonicalClockAndOffset(text: string, withZone: boolean): { micros: number } | undefined {
  const clock = canonicalClock(text, 11);
  if (!clock) return undefined;
  const rest = text.length - clock.end;
  let offset = 0;
  if (rest !== 0) {
    const sign = text.charCodeAt(clock.end);
    if ((sign !== 43 && sign !== 45) || (rest !== 3 && rest !== 6)) return undefined;
    const hours = digitsAt(text, clock.end + 1, 2);
    const minutes = rest === 3 ? 0 : text.charCodeAt(clock.end + 3) === 58 ? digitsAt(text, clock.end + 4, 2) : -1;
    if (hours < 0 || minutes < 0) return undefined;
    if (withZone) offset = (sign === 45 ? -1 : 1) * (hours * 3600 + minutes * 60) * 1_000_000;
  }
  return { micros: clock.micros - offset };
}

/** The canonical 'YYYY-MM-DD HH:MM:SS[.f][±HH:MM|±HH]' by char code, null when invalid, undefined for the regex path. */
function canonicalInstant(text: string, withZone: boolean): PgInstant | null | undefined {
  const date = text.length >= 19 && text.charCodeAt(10) === 32 ? canonicalDate(text) : null;
  const clock = date ? canonicalClockAndOffset(text, withZone) : undefined;
  if (!date || !clock) return undefined;
  const days = civilDays(date.year, date.month, date.day, false);
  return days === null ? null : { days, micros: clock.micros };
}

/** Days and microseconds of a timestamp as written; 'infinity' forms as themselves; null when invalid. */
function parseInstant(value: string, withZone: boolean): PgInstant | 'infinity' | '-infinity' | null {
  const fast = canonicalInstant(value, withZone);
  if (fast !== undefined) return fast;
  const trimmed = value.trim();
  const special = trimmed.toLowerCase();
  if (special === 'infinity' || special === '+infinity') return 'infinity';
  if (special === '-infinity') return '-infinity';
  const m = TIMESTAMP_PATTERN.exec(trimmed);
  if (!m) return null;
  const days = civilDays(Number(m[1]), Number(m[2]), Number(m[3]), m[9] !== undefined);
  if (days === null) return null;
  const clock =
    m[4] === undefined ? 0 : clockMicros(Number(m[4]), Number(m[5]), m[6] === undefined ? 0 : Number(m[6]), m[7] ? fractionMicros(m[7]) : 0);
  if (clock === null) return null;
  const offset = withZone && m[8] ? offsetSeconds(m[8]) * 1_000_000 : 0;
  return { days, micros: clock - offset };
}

/**
 * 'YYYY-MM-DD HH:MM:SS[.fraction][±HH:MM][ BC]' → PostgreSQL's int64 microseconds since
 * 2000-01-01 00:00:00 UTC, with integers only. `withZone`: the offset is applied (timestamptz);
 * otherwise it is ignored, as timestamp_in ignores it. Null when invalid.
 */
export function timestampToPgMicros(value: string, withZone: boolean): bigint | null {
  const instant = parseInstant(value, withZone);
  if (instant === null) return null;
  if (instant === 'infinity') return TIMESTAMP_INFINITY;
  if (instant === '-infinity') return TIMESTAMP_NEG_INFINITY;
  return BigInt(instant.days) * US_PER_DAY + BigInt(instant.micros);
}

const date: BinaryEncoder = (out, value, column) => {
  const days = typeof value === 'string' ? dateToPgDays(value) : null;
  if (days === null) throw invalid(column, value, "a date 'YYYY-MM-DD'");
  out.int32Field(days);
};
const time: BinaryEncoder = (out, value, column, warnings) => {
  fractionCut = false;
  const micros = typeof value === 'string' ? timeToPgMicros(value) : null;
  if (micros === null) throw invalid(column, value, "a time 'HH:MM:SS[.fraction]'");
  if (fractionCut) warnings?.fractionTruncated(column);
  out.int64DaysField(0, micros);
};

function timestampEncoder(withZone: boolean, form: string): BinaryEncoder {
  // Neighbouring rows mostly share the day: the last canonical 'YYYY-MM-DD ' and its days.
  let cachedPrefix = '';
  let cachedDays = 0;
  return (out, value, column, warnings) => {
    fractionCut = false;
    if (typeof value === 'string' && value.length >= 19 && value.charCodeAt(10) === 32) {
      let days: number | null = null;
      if (cachedPrefix !== '' && value.startsWith(cachedPrefix)) days = cachedDays;
      else {
        const date = canonicalDate(value);
        days = date && civilDays(date.year, date.month, date.day, false);
        if (days !== null) {
          cachedPrefix = value.slice(0, 11);
          cachedDays = days;
        }
      }
      const offset = days === null ? undefined : canonicalClockAndOffset(value, withZone);
      if (days !== null && offset) {
        if (fractionCut) warnings?.fractionTruncated(column);
        out.int64DaysField(days, offset.micros);
        return;
      }
    }
    const instant = typeof value === 'string' ? parseInstant(value, withZone) : null;
    if (instant === null) throw invalid(column, value, form);
    if (fractionCut) warnings?.fractionTruncated(column);
    if (instant === 'infinity') out.int64Field(TIMESTAMP_INFINITY);
    else if (instant === '-infinity') out.int64Field(TIMESTAMP_NEG_INFINITY);
    else out.int64DaysField(instant.days, instant.micros);
  };
}
const timestamp = timestampEncoder(false, "a timestamp 'YYYY-MM-DD HH:MM:SS[.fraction]'");
const timestamptz = timestampEncoder(true, "a timestamp with offset 'YYYY-MM-DD HH:MM:SS[.fraction]+00:00'");

// ---------------------------------------------------------------- choosing

type Kind = NeutralType['kind'];
const TEXT_KINDS: Kind[] = ['string', 'char', 'text', 'enum'];
const INTEGER_KINDS: Kind[] = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'];

/**
 * Target type → its encoder and the neutral kinds it takes without any possible overflow or
 * reinterpretation (a uint64 never goes to int8; a float64 never to float4; timestamp and
 * timestamptz only to themselves).
 */
const BINARY_TARGETS: Record<string, { encoder: BinaryEncoder; kinds: Kind[] }> = {
  bool: { encoder: bool, kinds: ['bool'] },
  int2: { encoder: int2, kinds: ['int8', 'int16', 'uint8'] },
  int4: { encoder: int4, kinds: ['int8', 'int16', 'int32', 'uint8', 'uint16'] },
  int8: { encoder: int8, kinds: ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32'] },
  numeric: { encoder: numeric, kinds: ['decimal', ...INTEGER_KINDS] },
  float4: { encoder: float4, kinds: ['float32'] },
  float8: { encoder: float8, kinds: ['float32', 'float64'] },
  text: { encoder: text, kinds: TEXT_KINDS },
  varchar: { encoder: text, kinds: TEXT_KINDS },
  bpchar: { encoder: text, kinds: TEXT_KINDS },
  bytea: { encoder: bytea, kinds: ['binary', 'blob'] },
  uuid: { encoder: uuid, kinds: ['uuid'] },
  json: { encoder: json, kinds: ['json'] },
  jsonb: { encoder: jsonb, kinds: ['json'] },
  date: { encoder: date, kinds: ['date'] },
  time: { encoder: time, kinds: ['time'] },
  timestamp: { encoder: timestamp, kinds: ['timestamp'] },
  timestamptz: { encoder: timestamptz, kinds: ['timestamptz'] },
};

/**
 * The encoder for a neutral type going into a target column, or undefined when the value must
 * travel as text (no encoder, a kind the target type does not take as is, a domain, time with
 * zone). A PostgreSQL enum's receive function reads the label's text.
 */
export function binaryEncoderFor(type: NeutralType, target: TargetColumnType | undefined): BinaryEncoder | undefined {
  if (!target) return undefined;
  if (type.kind === 'time' && type.withTimeZone) return undefined;
  if (target.typtype === 'e') return TEXT_KINDS.includes(type.kind) ? text : undefined;
  if (target.typtype !== 'b') return undefined;
  const entry = BINARY_TARGETS[target.typname];
  return entry?.kinds.includes(type.kind) ? entry.encoder : undefined;
}

/**
 * One encoder per column when every column can go binary, else the first column that cannot
 * (the whole COPY then uses text).
 */
export function planBinaryCopy(
  columns: NeutralColumn[],
  targets: ReadonlyMap<string, TargetColumnType>,
): { encoders: BinaryEncoder[] } | { textBecause: string } {
  const encoders: BinaryEncoder[] = [];
  for (const column of columns) {
    const target = targets.get(column.name);
    const encoder = binaryEncoderFor(column.type, target);
    if (!encoder) {
      const into = target ? `${target.typname} (typtype ${target.typtype})` : 'an unknown target column';
      return { textBecause: `column "${column.name}": ${column.type.kind} into ${into} has no binary encoder` };
    }
    encoders.push(encoder);
  }
  return { encoders };
}

const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'name', 'enum']);

/**
 * Whether binary COPY rows read from columns of `sourceTypes` (typnames, 'enum' for any enum)
 * load unchanged into `targets`: each pair is the same base type (the receive function applies
 * the target's typmod as the encoders' path does), or both are text types, whose binary form is
 * the UTF-8 text itself (an enum's receive function checks the label).
 */
export function binaryPassThrough(sourceTypes: readonly string[], targets: readonly TargetColumnType[]): boolean {
  if (sourceTypes.length !== targets.length) return false;
  return sourceTypes.every((source, i) => {
    const target = targets[i];
    if (!target) return false;
    if (TEXT_TYPES.has(source)) return target.typtype === 'e' || (target.typtype === 'b' && TEXT_TYPES.has(target.typname) && target.typname !== 'name');
    return target.typtype === 'b' && target.typname === source;
  });
}

/** One row: field count, then each field (NULL as length -1). */
export function writeBinaryRow(out: BinaryCopyBuffer, encoders: BinaryEncoder[], names: string[], row: NeutralValue[], warnings?: ValueWarnings): void {
  out.int16(encoders.length);
  for (let i = 0; i < encoders.length; i++) {
    const value = row[i];
    if (value === null || value === undefined) out.nullField();
    else encoders[i](out, value, names[i], warnings);
  }
}

/** The field bytes (after the length word) one encoder writes for one value: for tests and golden bytes. */
export function binaryFieldBytes(encoder: BinaryEncoder, value: Exclude<NeutralValue, null>, column = 'c', warnings?: ValueWarnings): Buffer {
  const out = new BinaryCopyBuffer();
  encoder(out, value, column, warnings);
  return Buffer.from(out.take().subarray(4));
}
