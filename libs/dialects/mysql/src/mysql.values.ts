import { type NeutralColumn, NEUTRAL_TEXT_KINDS, type NeutralType, type NeutralValue, TerminalDbError, truncateFraction, type ValueLoss, type ValueLossCounter } from '@dbferry/dialects-core';

/**
 * Value encoding and decoding between MySQL's text protocol and the neutral forms (VALUE_FORMS).
 *
 * Reads take every value as the exact bytes the server printed (or NULL) — mysql2 `typeCast:
 * false`, or a `typeCast` reading the field's bytes or their text — and decode them here by the
 * column's neutral type, so no value goes through a JS number or Date unless its kind fits one
 * exactly.
 *
 * Writes build SQL literals here rather than through mysql2's placeholders: 64-bit integers and
 * decimals go unquoted (a quoted number compared with a numeric column is compared as a double),
 * binary goes as X'…', and strings use backslash escapes, which is why data sessions keep
 * NO_BACKSLASH_ESCAPES off (the type mapper writes enum labels the same way).
 */

export type RawValue = Buffer | null;

/** '0000-00-00' and dates with a zero month or day: MySQL accepts them in permissive modes, nobody else does. */
export function isZeroDate(text: string): boolean {
  // Character codes, not slices: this runs for every date and timestamp read.
  return (text.charCodeAt(5) === 48 && text.charCodeAt(6) === 48) || (text.charCodeAt(8) === 48 && text.charCodeAt(9) === 48);
}

/** Big-endian bytes of a BIT(n) value → a string of exactly n '0'/'1'. */
export function bitsFromBytes(bytes: Buffer, length: number): string {
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  return bits.length >= length ? bits.slice(bits.length - length) : bits.padStart(length, '0');
}

/**
 * How one column's value is decoded: from the bytes as the server sent them ('bytes'), or from
 * their text read as latin1 (ASCII-only forms: numbers, dates) or utf8.
 */
type FieldDecoder =
  | { input: 'bytes'; decode: (bytes: Buffer) => NeutralValue }
  | {
      input: 'latin1' | 'utf8';
      decode: (text: string) => NeutralValue;
      /** The value from mysql2's own parse of a SMALL_INTEGER_FIELD_TYPES field (the same number `decode` gives). */
      fromInteger?: (n: number) => NeutralValue;
      /** The value of a BIGINT field's text (digits and a sign, as the server prints them): `decode`'s result, faster. */
      fromBigintText?: (text: string) => NeutralValue;
    };

const fromLatin1 = (decode: (text: string) => NeutralValue): FieldDecoder => ({ input: 'latin1', decode });
const fromUtf8 = (decode: (text: string) => NeutralValue): FieldDecoder => ({ input: 'utf8', decode });
const same = (text: string): NeutralValue => text;

/** A bool is stored as tinyint(1) (printed '0'/'1'/'-3') or bit(1) (one raw byte). */
/**
 * The shortest decimal that is still the same float32 (as PostgreSQL prints a real): the reader
 * selects a FLOAT as a double (its exact value, 0.10000000149011612), and 0.1 is what was stored.
 */
export function shortestFloat32(value: number): number {
  const single = Math.fround(value);
  if (!Number.isFinite(single) || single === 0) return single;
  for (let digits = 1; digits < 9; digits++) {
    const shorter = Number(single.toPrecision(digits));
    if (Math.fround(shorter) === single) return shorter;
  }
  return single;
}

function decodeBool(nativeType: string): FieldDecoder {
  if (/^bit\b/i.test(nativeType)) return { input: 'bytes', decode: (raw) => raw.some((b) => b !== 0) };
  return { input: 'latin1', decode: (text) => text !== '' && Number(text) !== 0, fromInteger: (n) => n !== 0 };
}

/** The integer kinds up to 32 bits: the neutral value is the JS number itself. */
const asNumber = (n: number): NeutralValue => n;
const numberDecoder: FieldDecoder = { input: 'latin1', decode: Number, fromInteger: asNumber };

/**
 * MySQL field types (mysql2's names) whose text mysql2 parses into a JS number from the packet's
 * bytes without a string (`parseLengthCodedIntNoBigCheck`: digits with an optional sign, at most
 * 11 characters, so always exact). Other field types (a BIGINT, a DECIMAL, an expression) keep
 * the text path.
 */
export const SMALL_INTEGER_FIELD_TYPES: ReadonlySet<string> = new Set(['TINY', 'SHORT', 'LONG', 'INT24', 'YEAR']);

/** mysql2's name of a BIGINT field, whose text is an integer with an optional '-'. */
export const BIGINT_FIELD_TYPE = 'LONGLONG';

/**
 * A BIGINT's text as a bigint: through a double when it has at most 15 characters (below 10^15,
 * so exact, and about three times as fast as parsing the string), else BigInt(text).
 */
export function bigintFromIntegerText(text: string): bigint {
  return text.length <= 15 && text.length > 0 ? BigInt(Number(text)) : BigInt(text);
}

/**
 * The integer a BIGINT field's bytes print (an optional '-' and digits, as the server prints
 * them), for at most 15 bytes: below 10^15, so the double is exact (what bigintFromIntegerText
 * does through a string).
 */
export function integerFromDigits(bytes: Buffer, start: number, end: number): number {
  const negative = bytes[start] === 0x2d;
  let n = 0;
  for (let at = negative ? start + 1 : start; at < end; at++) n = n * 10 + ((bytes[at] as number) - 48);
  return negative ? -n : n;
}

const bigintDecoder: FieldDecoder = { input: 'latin1', decode: BigInt, fromBigintText: bigintFromIntegerText };

function decoderFor(column: NeutralColumn, onZeroDate: (() => void) | null): FieldDecoder {
  const type = column.type;
  switch (type.kind) {
    case 'bool':
      return decodeBool(column.nativeType);
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
    case 'uint32':
      return numberDecoder;
    case 'float64':
      return fromLatin1(Number);
    case 'float32':
      return fromLatin1((text) => shortestFloat32(Number(text)));
    case 'int64':
    case 'uint64':
      return bigintDecoder;
    case 'decimal':
    case 'time':
    case 'interval':
      return fromLatin1(same);
    case 'uuid':
      return fromUtf8((text) => text.toLowerCase());
    case 'binary':
    case 'blob':
      // A copy: the driver's Buffer is a view on the whole network packet.
      return { input: 'bytes', decode: (raw) => Buffer.from(raw) };
    case 'bit':
      return { input: 'bytes', decode: (raw) => bitsFromBytes(raw, type.length) };
    case 'date':
    case 'timestamp':
    case 'timestamptz': {
      const suffix = type.kind === 'timestamptz' ? '+00:00' : '';
      return fromLatin1((text) => {
        if (onZeroDate && isZeroDate(text)) {
          onZeroDate();
          return null;
        }
        return text + suffix;
      });
    }
    case 'set':
      return fromUtf8((text) => (text === '' ? [] : text.split(',')));
    case 'array':
      return fromUtf8(jsonArrayElements);
    default:
      return fromUtf8(same);
  }
}

function jsonArrayElements(text: string): NeutralValue[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new TerminalDbError('data', `expected a JSON array, got ${text.slice(0, 40)}`);
  return parsed.map((v: unknown) =>
    v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v),
  );
}

/** What mysql2 hands a `typeCast` function for one field of one row. */
export interface CastField {
  name: string;
  /** mysql2's name of the field's MySQL type ('LONG', 'VAR_STRING', …). */
  type?: string;
  string(encoding?: string): string | null;
  buffer(): Buffer | null;
}

/** What the row parser uses of mysql2's Packet (lib/packets/packet.js): its bytes, a cursor and two reads. */
export interface TextRowPacket {
  buffer: Buffer;
  offset: number;
  /** A length-coded number at the cursor (a field's length), null for the NULL marker 0xfb. */
  readLengthCodedNumber(): number | null;
  /** The integer printed in the next `length` bytes (an optional sign and at most 11 digits here). */
  parseIntNoBigCheck(length: number): number | null;
}

/** What the row parser uses of mysql2's column definitions. */
export interface ResultField {
  name: string;
  /** The MySQL type code (mysql2's constants/types). */
  columnType: number;
}

/** Node's own slice methods (what buffer.toString calls after its argument checks). */
type SliceableBuffer = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

/** RowDecoder.neutralTextChecks: what a field's text is checked for. */
export const TEXT_AS_IS = 0;
export const TEXT_BOOL = 1;
export const TEXT_DATE = 2;

const VIA_UTF8 = 0;
const VIA_LATIN1 = 1;
const VIA_BYTES = 2;
const VIA_INTEGER = 3;
const VIA_BIGINT_TEXT = 4;

/** MySQL's type codes of the names used here (include/mysql_com.h, mysql2's constants/types). */
const MYSQL_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'TINY'],
  [2, 'SHORT'],
  [3, 'LONG'],
  [8, 'LONGLONG'],
  [9, 'INT24'],
  [13, 'YEAR'],
]);

/**
 * Decodes raw rows of the given columns. Zero dates become NULL and are counted per column;
 * `takeWarnings` returns (and resets) the warnings met since the last call. Key bounds keep
 * them as text (`zeroDatesAsText`): a NULL bound would match no row of the range.
 */
export class RowDecoder {
  private readonly decoders: FieldDecoder[];
  private readonly zeroDates: number[];

  constructor(
    private readonly columns: NeutralColumn[],
    private readonly tableLabel: string,
    options: { zeroDatesAsText?: boolean } = {},
  ) {
    this.zeroDates = columns.map(() => 0);
    this.decoders = columns.map((column, i) =>
      decoderFor(
        column,
        options.zeroDatesAsText
          ? null
          : () => {
              this.zeroDates[i] = (this.zeroDates[i] ?? 0) + 1;
            },
      ),
    );
  }

  /** A row read with `typeCast: false`: one Buffer (or null) per column. */
  decode(raw: RawValue[]): NeutralValue[] {
    const out = new Array<NeutralValue>(this.decoders.length);
    for (let i = 0; i < this.decoders.length; i++) {
      const value = raw[i];
      const decoder = this.decoders[i] as FieldDecoder;
      if (value === null || value === undefined) out[i] = null;
      else if (decoder.input === 'bytes') out[i] = decoder.decode(value);
      else out[i] = decoder.decode(value.toString(decoder.input));
    }
    return out;
  }

  /**
   * A mysql2 `typeCast` that decodes each field straight from the packet into its neutral form
   * (the same decoders as `decode`, without a Buffer per value), and adds about the bytes read
   * to `counter.bytes`. Fields are matched to the columns by name: the SELECT lists the columns.
   */
  typeCast(counter: { bytes: number }): (field: CastField, next: () => unknown) => NeutralValue {
    const names = this.columns.map((c) => c.name);
    const byName = new Map(names.map((name, i) => [name, i]));
    // Per column: whether mysql2's own integer parse (`next()`) reads it (see SMALL_INTEGER_FIELD_TYPES),
    // decided from the first field of that column (a result's field types do not change).
    const viaNext: (boolean | undefined)[] = names.map(() => undefined);
    // Per column: whether the field is a BIGINT (its text is canonical digits: fromBigintText).
    const bigintField: (boolean | undefined)[] = names.map(() => undefined);
    // mysql2 casts the fields of a row in order: the next field is almost always the next column.
    let next = 0;
    return (field, parse) => {
      let index = next;
      if (names[index] !== field.name) {
        const found = byName.get(field.name);
        if (found === undefined) throw new Error(`the result has a column ${field.name} that was not asked for`);
        index = found;
      }
      next = index + 1 === names.length ? 0 : index + 1;
      const decoder = this.decoders[index] as FieldDecoder;
      if (decoder.input === 'bytes') {
        const bytes = field.buffer();
        if (bytes === null) return null;
        counter.bytes += bytes.length + 1;
        return decoder.decode(bytes);
      }
      if (decoder.fromInteger) {
        let fast = viaNext[index];
        if (fast === undefined) fast = viaNext[index] = field.type !== undefined && SMALL_INTEGER_FIELD_TYPES.has(field.type);
        if (fast) {
          const n = parse() as number | null;
          if (n === null) return null;
          // About the bytes read: an integer's text is short; its length is not known here.
          counter.bytes += 5;
          return decoder.fromInteger(n);
        }
      }
      const text = field.string(decoder.input);
      if (text === null) return null;
      counter.bytes += text.length + 1;
      if (decoder.fromBigintText) {
        let typed = bigintField[index];
        if (typed === undefined) typed = bigintField[index] = field.type === BIGINT_FIELD_TYPE;
        if (typed) return decoder.fromBigintText(text);
      }
      return decoder.decode(text);
    };
  }

  /**
   * A row parser for mysql2's text protocol that reads each field of a row packet straight into
   * its neutral form: the same decoders and fast paths as `typeCast`, without mysql2's closure
   * and wrapper call per field per row. Fields are the result's column definitions, which must be
   * the columns in order (the SELECT lists them so). Adds the bytes read to `counter.bytes`.
   */
  textRowParser(counter: { bytes: number }): (packet: TextRowPacket, fields: readonly ResultField[]) => NeutralValue[] {
    let planned: readonly ResultField[] | undefined;
    let plan: Int8Array = new Int8Array(0);
    const decoders = this.decoders;
    const width = decoders.length;
    return (packet, fields) => {
      if (fields !== planned) {
        plan = this.parsePlan(fields);
        planned = fields;
      }
      const row = new Array<NeutralValue>(width);
      let bytes = 0;
      for (let i = 0; i < width; i++) {
        const length = packet.readLengthCodedNumber();
        if (length === null) {
          row[i] = null;
          bytes += 1;
          continue;
        }
        bytes += length + 1;
        const decoder = decoders[i] as FieldDecoder;
        const via = plan[i];
        if (via === VIA_INTEGER) {
          // mysql2's integer parse of the bytes (it moves the cursor past them).
          row[i] = (decoder as { fromInteger: (n: number) => NeutralValue }).fromInteger(packet.parseIntNoBigCheck(length) as number);
          continue;
        }
        const buffer = packet.buffer as SliceableBuffer;
        const start = packet.offset;
        const end = start + length;
        packet.offset = end;
        switch (via) {
          case VIA_BYTES:
            row[i] = (decoder as { decode: (bytes: Buffer) => NeutralValue }).decode(buffer.subarray(start, end));
            break;
          case VIA_BIGINT_TEXT:
            row[i] =
              length <= 15 && length > 0
                ? BigInt(integerFromDigits(buffer, start, end))
                : (decoder as { fromBigintText: (text: string) => NeutralValue }).fromBigintText(buffer.latin1Slice(start, end));
            break;
          case VIA_LATIN1:
            row[i] = (decoder as { decode: (text: string) => NeutralValue }).decode(buffer.latin1Slice(start, end));
            break;
          default:
            row[i] = (decoder as { decode: (text: string) => NeutralValue }).decode(buffer.utf8Slice(start, end));
        }
      }
      counter.bytes += bytes;
      return row;
    };
  }

  /**
   * Per column, what a field's text must be checked for before the row may travel as
   * NEUTRAL_TEXT_ROWS (the server's text is then the neutral form itself): TEXT_AS_IS, TEXT_BOOL
   * (a tinyint(1) bool must print '0' or '1'), TEXT_DATE (a zero date is not one). A TIMESTAMP
   * prints its UTC instant without the '+00:00' its neutral form adds, a FLOAT (selected as a
   * double) its double's digits, a UUID possibly in capitals: each as the format allows. Undefined
   * when a column is binary, bit, set, array or a bool stored as BIT.
   */
  neutralTextChecks(): Int8Array | undefined {
    const checks = new Int8Array(this.columns.length);
    for (let i = 0; i < this.columns.length; i++) {
      const kind = (this.columns[i] as NeutralColumn).type.kind;
      const decoder = this.decoders[i] as FieldDecoder;
      if (!NEUTRAL_TEXT_KINDS.has(kind) || decoder.input === 'bytes') return undefined;
      checks[i] = kind === 'bool' ? TEXT_BOOL : kind === 'date' || kind === 'timestamp' || kind === 'timestamptz' ? TEXT_DATE : TEXT_AS_IS;
    }
    return checks;
  }

  /** Checks the result's columns against those asked for (by name, in order); throws when they differ. */
  checkFields(fields: readonly ResultField[]): void {
    this.parsePlan(fields);
  }

  /** How each field of a result is read (VIA_*), decided once per result from its column types. */
  private parsePlan(fields: readonly ResultField[]): Int8Array {
    if (fields.length !== this.columns.length || fields.some((f, i) => f.name !== this.columns[i]?.name)) {
      throw new Error(`the result's columns (${fields.map((f) => f.name).join(', ')}) are not the ones asked for (${this.columns.map((c) => c.name).join(', ')})`);
    }
    return Int8Array.from(this.decoders, (decoder, i) => {
      const type = MYSQL_TYPE_NAMES.get((fields[i] as ResultField).columnType);
      if (decoder.input === 'bytes') return VIA_BYTES;
      if (decoder.fromInteger && type !== undefined && SMALL_INTEGER_FIELD_TYPES.has(type)) return VIA_INTEGER;
      if (decoder.fromBigintText && type === BIGINT_FIELD_TYPE) return VIA_BIGINT_TEXT;
      return decoder.input === 'latin1' ? VIA_LATIN1 : VIA_UTF8;
    });
  }

  takeWarnings(): ValueLoss[] {
    const warnings: ValueLoss[] = [];
    this.zeroDates.forEach((count, i) => {
      if (count === 0) return;
      warnings.push({ column: this.columns[i]?.name ?? '?', kind: 'zero-date', count });
      this.zeroDates[i] = 0;
    });
    return warnings;
  }
}

const ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\x1a': '\\Z',
  '"': '\\"',
  "'": "\\'",
  '\\': '\\\\',
};

const SPECIAL = new RegExp(`[${Object.keys(ESCAPES).map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}]`, 'g');

/** A MySQL string literal with NO_BACKSLASH_ESCAPES off (how data sessions run). */
export function stringLiteral(value: string): string {
  return `'${value.replace(SPECIAL, (ch) => ESCAPES[ch] ?? ch)}'`;
}

export const INTEGER = /^[+-]?\d+$/;
export const PLAIN_DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const TIMESTAMP_TEXT = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d+)?\s*(Z|[+-]\d\d(?::?\d\d)?)?$/;

/**
 * 'YYYY-MM-DD HH:MM:SS[.f][offset]' → the same instant in UTC without an offset, as DATETIME
 * takes it. The fraction is carried as text, so no microsecond goes through a JS Date.
 */
export function utcDatetimeText(text: string): string {
  const m = TIMESTAMP_TEXT.exec(text.trim());
  if (!m) return text;
  const [, y, mo, d, h, mi, s, fraction = '', zone] = m;
  const base = `${y}-${mo}-${d} ${h}:${mi}:${s}${fraction}`;
  if (!zone || zone === 'Z') return base;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  if (offsetMinutes === 0) return base;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi) - offsetMinutes, Number(s), 0);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${fraction}`
  );
}

export function jsonText(value: NeutralValue): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer') {
      return Buffer.from((v as { data: number[] }).data).toString('base64');
    }
    return v;
  });
}

export function numberLiteral(value: number, column: string, kind?: NeutralType['kind']): string {
  if (!Number.isFinite(value)) throw new TerminalDbError('data', `column ${column}: MySQL cannot store ${value}`, { column });
  // A float32 read as shortest text (PostgreSQL's 3.4028235e+38) is a double above FLT_MAX that a
  // MySQL FLOAT refuses as out of range; its float32 value is the same number, written exactly.
  return String(kind === 'float32' ? Math.fround(value) : value);
}

/** MySQL and MariaDB keep microseconds at most. */
export const MAX_FRACTION_DIGITS = 6;

/** The offset after a time of day ('12:00:00.5+02', '08:30Z'), not a leading sign. */
const TIME_OFFSET = /(?<=\d:\d\d(?::\d\d(?:\.\d*)?)?)\s*(?:Z|[+-]\d\d(?::?\d\d){0,2})$/i;

/**
 * A time or timestamp as MySQL stores it: a timestamp in UTC without offset, a time with zone
 * as its local time without the offset (LOSS_KINDS timezone-offset-dropped; TIME refuses an
 * offset), the fraction cut (never rounded: MySQL would round, MariaDB truncate; dbferry
 * truncates on every target) to microseconds, each value cut counted in `losses`.
 */
export function mysqlTimeText(kind: 'time' | 'timestamp' | 'timestamptz', text: string, column: string, losses?: ValueLossCounter): string {
  const cut = truncateFraction(text, MAX_FRACTION_DIGITS);
  if (cut.changed) losses?.add(column, 'fractional-seconds-truncated');
  return kind === 'time' ? cut.text.replace(TIME_OFFSET, '') : utcDatetimeText(cut.text);
}

/** The SQL literal for one neutral value written to a column of the given neutral type. */
export function sqlLiteral(type: NeutralType, value: NeutralValue, column = '?', losses?: ValueLossCounter): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return `X'${value.toString('hex')}'`;
  if (Array.isArray(value)) {
    return stringLiteral(type.kind === 'set' ? value.map((v) => String(v)).join(',') : jsonText(value));
  }
  if (typeof value === 'number') {
    const text = numberLiteral(value, column, type.kind);
    return type.kind === 'decimal' || type.kind.startsWith('int') || type.kind.startsWith('uint') || type.kind.startsWith('float') || type.kind === 'bool'
      ? text
      : stringLiteral(text);
  }
  switch (type.kind) {
    case 'bool':
      if (value === '1' || value === 't' || value === 'true') return '1';
      if (value === '0' || value === 'f' || value === 'false') return '0';
      return stringLiteral(value);
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
      return INTEGER.test(value) ? value.replace(/^\+/, '') : stringLiteral(value);
    case 'float32':
      return PLAIN_DECIMAL.test(value) || /^[+-]?\d*\.?\d+e[+-]?\d+$/i.test(value) ? numberLiteral(Number(value), column, 'float32') : stringLiteral(value);
    case 'decimal':
    case 'float64':
      return PLAIN_DECIMAL.test(value) ? value.replace(/^\+/, '') : stringLiteral(value);
    case 'bit':
      return /^[01]*$/.test(value) ? `b'${value}'` : stringLiteral(value);
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return stringLiteral(mysqlTimeText(type.kind, value, column, losses));
    default:
      return stringLiteral(value);
  }
}
