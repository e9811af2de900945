import type { NeutralColumn, NeutralType, NeutralValue } from '@dbferry/dialects-core';

/**
 * The decoders of COPY binary fields (`COPY (SELECT …) TO STDOUT (FORMAT binary)`, cut into rows
 * by postgres.copy-out.ts). Each prints exactly what the text path (postgres.values.ts
 * `decodeValue` on the server's text output in the session's ISO/UTC settings) returns, with
 * integer arithmetic only.
 */

/** Decodes one non-null field from `buf[start, end)`. */
export type BinaryDecoder = (buf: Buffer, start: number, end: number) => NeutralValue;

/** A result column's type as pg_type names it; typtype 'e' is an enum. */
export interface SourceColumnType {
  typname: string;
  typtype: string;
}

const TWO_32 = 4_294_967_296;

// ---------------------------------------------------------------- numbers

const bool: BinaryDecoder = (buf, start) => buf[start] !== 0;
const int2: BinaryDecoder = (buf, start) => buf.readInt16BE(start);
const int4: BinaryDecoder = (buf, start) => buf.readInt32BE(start);
const int2Big: BinaryDecoder = (buf, start) => BigInt(buf.readInt16BE(start));
const int4Big: BinaryDecoder = (buf, start) => BigInt(buf.readInt32BE(start));

function int64At(buf: Buffer, start: number): bigint {
  const high = buf.readInt32BE(start);
  // Exact in a double while |value| < 2^53.
  if (high >= -0x200000 && high < 0x200000) return BigInt(high * TWO_32 + buf.readUInt32BE(start + 4));
  return buf.readBigInt64BE(start);
}
const int8: BinaryDecoder = int64At;
const float8: BinaryDecoder = (buf, start) => buf.readDoubleBE(start);

function pad4(n: number): string {
  return n >= 1000 ? String(n) : n >= 100 ? `0${n}` : n >= 10 ? `00${n}` : `000${n}`;
}

/** numeric_send's form (ndigits, weight, sign, dscale, base-10000 digits) → numeric_out's text. */
export const numeric: BinaryDecoder = (buf, start) => {
  const ndigits = buf.readInt16BE(start);
  const weight = buf.readInt16BE(start + 2);
  const sign = buf.readUInt16BE(start + 4);
  const dscale = buf.readInt16BE(start + 6);
  if (sign === 0xc000) return 'NaN';
  if (sign === 0xd000) return 'Infinity';
  if (sign === 0xf000) return '-Infinity';
  const digit = (i: number) => (i >= 0 && i < ndigits ? buf.readInt16BE(start + 8 + 2 * i) : 0);
  let out = sign === 0x4000 ? '-' : '';
  if (weight < 0) out += '0';
  else {
    out += String(digit(0));
    for (let i = 1; i <= weight; i++) out += pad4(digit(i));
  }
  if (dscale > 0) {
    let fraction = '';
    for (let i = weight + 1; fraction.length < dscale; i++) fraction += pad4(digit(i));
    out += `.${fraction.slice(0, dscale)}`;
  }
  return out;
};

// ---------------------------------------------------------------- text, bytes, uuid, json

const text: BinaryDecoder = (buf, start, end) => buf.toString('utf8', start, end);
const jsonb: BinaryDecoder = (buf, start, end) => {
  if (buf[start] !== 1) throw new Error(`jsonb binary version ${buf[start] ?? '?'} is not 1`);
  return buf.toString('utf8', start + 1, end);
};
// A copy: the batch's buffer is shared and may be large.
const bytea: BinaryDecoder = (buf, start, end) => Buffer.from(buf.subarray(start, end));
const uuid: BinaryDecoder = (buf, start) => {
  const hex = buf.toString('hex', start, start + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

// ---------------------------------------------------------------- dates and times

/** Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
const PG_EPOCH_DAYS = 10_957;
const US_PER_DAY = 86_400_000_000;
/** US_PER_DAY = 20 · 2^32 + US_PER_DAY_LOW. */
const US_PER_DAY_LOW = 500_654_080;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** 'YYYY-MM-DD' as date_out prints it (ISO), ' BC' for years before 1, for days since 2000-01-01. */
export function pgDateText(pgDays: number): string {
  // Howard Hinnant's civil_from_days, on days since 0000-03-01.
  const z = pgDays + PG_EPOCH_DAYS + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const written = year > 0 ? year : 1 - year;
  const yearText = written >= 1000 ? String(written) : String(written).padStart(4, '0');
  return `${yearText}-${pad2(month)}-${pad2(day)}`;
}

/** 'HH:MM:SS[.fraction]' with the fraction's trailing zeros dropped, as time_out prints it. */
export function clockText(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds - hours * 3600) / 60);
  const clock = `${pad2(hours)}:${pad2(minutes)}:${pad2(seconds - hours * 3600 - minutes * 60)}`;
  if (fraction === 0) return clock;
  let digits = String(fraction).padStart(6, '0');
  let end = 6;
  while (digits.charCodeAt(end - 1) === 48) end--;
  if (end < 6) digits = digits.slice(0, end);
  return `${clock}.${digits}`;
}

/** An int64 of microseconds since 2000-01-01 as whole days and microseconds into the day, exactly. */
export function splitPgMicros(buf: Buffer, start: number): { days: number; micros: number } {
  const high = buf.readInt32BE(start);
  const low = buf.readUInt32BE(start + 4);
  if (high < -0x10000000 || high >= 0x10000000) {
    // Beyond about ±36,000 years from 2000 the double arithmetic below is no longer exact.
    const value = buf.readBigInt64BE(start);
    let days = value / 86_400_000_000n;
    if (value < 0n && days * 86_400_000_000n !== value) days -= 1n;
    return { days: Number(days), micros: Number(value - days * 86_400_000_000n) };
  }
  let days = Math.floor((high * TWO_32 + low) / US_PER_DAY);
  // value - days · US_PER_DAY, with both terms exact in a double.
  let micros = (high - 20 * days) * TWO_32 + (low - US_PER_DAY_LOW * days);
  while (micros < 0) {
    days--;
    micros += US_PER_DAY;
  }
  while (micros >= US_PER_DAY) {
    days++;
    micros -= US_PER_DAY;
  }
  return { days, micros };
}

const DATE_INFINITY = 0x7fffffff;
const DATE_NEG_INFINITY = -0x80000000;

/** BC when the (proleptic) year is 0 or less, i.e. before 0001-01-01 = day -730119 from 2000-01-01. */
const FIRST_AD_DAY = -730_119;

function dateDecoder(): BinaryDecoder {
  return (buf, start) => {
    const days = buf.readInt32BE(start);
    if (days === DATE_INFINITY) return 'infinity';
    if (days === DATE_NEG_INFINITY) return '-infinity';
    const out = pgDateText(days);
    return days < FIRST_AD_DAY ? `${out} BC` : out;
  };
}

const time: BinaryDecoder = (buf, start) => clockText(buf.readInt32BE(start) * TWO_32 + buf.readUInt32BE(start + 4));

function isInt64Extreme(buf: Buffer, start: number, max: boolean): boolean {
  return max
    ? buf.readInt32BE(start) === 0x7fffffff && buf.readUInt32BE(start + 4) === 0xffffffff
    : buf.readInt32BE(start) === -0x80000000 && buf.readUInt32BE(start + 4) === 0;
}

/**
 * timestamp_out / timestamptz_out in ISO style: 'YYYY-MM-DD HH:MM:SS[.f]', the session zone's
 * '+00' for timestamptz (which the text path then writes '+00:00', unless ' BC' follows it).
 * One date text is cached per column: neighbouring rows mostly share the day.
 */
function timestampDecoder(withZone: boolean): BinaryDecoder {
  let cachedDays = Number.NaN;
  let cachedDate = '';
  return (buf, start) => {
    if (isInt64Extreme(buf, start, true)) return 'infinity';
    if (isInt64Extreme(buf, start, false)) return '-infinity';
    const { days, micros } = splitPgMicros(buf, start);
    if (days !== cachedDays) {
      cachedDays = days;
      cachedDate = pgDateText(days);
    }
    const base = `${cachedDate} ${clockText(micros)}`;
    if (days < FIRST_AD_DAY) return withZone ? `${base}+00 BC` : `${base} BC`;
    return withZone ? `${base}+00:00` : base;
  };
}

// ---------------------------------------------------------------- choosing

type Kind = NeutralType['kind'];
const TEXT_KINDS: Kind[] = ['string', 'char', 'text', 'enum'];
const NUMBER_KINDS: Kind[] = ['int8', 'int16', 'int32', 'uint8', 'uint16', 'uint32'];
const BIGINT_KINDS: Kind[] = ['int64', 'uint64'];

/** Source type → the neutral kinds it decodes to, each with its decoder (the text path's result for that kind). */
const DECODERS: Record<string, Partial<Record<Kind, () => BinaryDecoder>>> = {
  bool: { bool: () => bool },
  int2: { ...Object.fromEntries(NUMBER_KINDS.map((k) => [k, () => int2])), ...Object.fromEntries(BIGINT_KINDS.map((k) => [k, () => int2Big])) },
  int4: { ...Object.fromEntries(NUMBER_KINDS.map((k) => [k, () => int4])), ...Object.fromEntries(BIGINT_KINDS.map((k) => [k, () => int4Big])) },
  int8: Object.fromEntries(BIGINT_KINDS.map((k) => [k, () => int8])),
  numeric: { decimal: () => numeric },
  float8: { float64: () => float8 },
  text: Object.fromEntries(TEXT_KINDS.map((k) => [k, () => text])),
  varchar: Object.fromEntries(TEXT_KINDS.map((k) => [k, () => text])),
  bpchar: Object.fromEntries(TEXT_KINDS.map((k) => [k, () => text])),
  name: Object.fromEntries(TEXT_KINDS.map((k) => [k, () => text])),
  enum: Object.fromEntries(TEXT_KINDS.map((k) => [k, () => text])),
  uuid: { uuid: () => uuid },
  json: { json: () => text },
  jsonb: { json: () => jsonb },
  bytea: { blob: () => bytea, binary: () => bytea },
  date: { date: dateDecoder },
  time: { time: () => time },
  timestamp: { timestamp: () => timestampDecoder(false) },
  timestamptz: { timestamptz: () => timestampDecoder(true) },
};

/** The name a source type goes by in NativeRows.types: its typname, or 'enum' for any enum. */
export function nativeTypeName(type: SourceColumnType): string {
  return type.typtype === 'e' ? 'enum' : type.typname;
}

/**
 * Decoders for every result column, or why the read must use the text path: a type without a
 * binary decoder (float4, whose shortest text has no exact binary equivalent; intervals, arrays,
 * domains, …) or a neutral kind the type does not decode to.
 */
export function planBinaryRead(
  columns: NeutralColumn[],
  types: SourceColumnType[],
): { decoders: BinaryDecoder[]; names: string[] } | { textBecause: string } {
  const decoders: BinaryDecoder[] = [];
  const names: string[] = [];
  for (const [i, column] of columns.entries()) {
    const type = types[i];
    if (!type || (type.typtype !== 'b' && type.typtype !== 'e')) return { textBecause: `column "${column.name}" has no base type` };
    if (column.type.kind === 'time' && column.type.withTimeZone) return { textBecause: `column "${column.name}" is time with time zone` };
    const name = nativeTypeName(type);
    const make = DECODERS[name]?.[column.type.kind];
    if (!make) return { textBecause: `column "${column.name}": ${name} as ${column.type.kind} has no binary decoder` };
    decoders.push(make());
    names.push(name);
  }
  return { decoders, names };
}

/** Decodes `rows` rows of COPY binary row data (no header or trailer). */
export function decodeBinaryRows(data: Buffer, rows: number, decoders: BinaryDecoder[]): NeutralValue[][] {
  const out = new Array<NeutralValue[]>(rows);
  const width = decoders.length;
  let pos = 0;
  for (let r = 0; r < rows; r++) {
    pos += 2;
    const row = new Array<NeutralValue>(width);
    for (let i = 0; i < width; i++) {
      const size = data.readInt32BE(pos);
      pos += 4;
      if (size < 0) row[i] = null;
      else {
        row[i] = (decoders[i] as BinaryDecoder)(data, pos, pos + size);
        pos += size;
      }
    }
    out[r] = row;
  }
  return out;
}
