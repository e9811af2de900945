import { type NeutralColumn, type NeutralType, type NeutralValue, TerminalDbError } from '@dbferry/dialects-core';

/**
 * Value encoding and decoding between MySQL's text protocol and the neutral forms (VALUE_FORMS).
 *
 * Reads run with mysql2 `typeCast: false`: every value arrives as the exact bytes the server
 * printed (or NULL), and is decoded here by the column's neutral type, so no value goes through
 * a JS number or Date unless its kind fits one exactly.
 *
 * Writes build SQL literals here rather than through mysql2's placeholders: 64-bit integers and
 * decimals go unquoted (a quoted number compared with a numeric column is compared as a double),
 * binary goes as X'…', and strings use backslash escapes, which is why data sessions keep
 * NO_BACKSLASH_ESCAPES off (the type mapper writes enum labels the same way).
 */

export type RawValue = Buffer | null;
type Decode = (raw: Buffer) => NeutralValue;

/** '0000-00-00' and dates with a zero month or day: MySQL accepts them in permissive modes, nobody else does. */
export function isZeroDate(text: string): boolean {
  return text.slice(5, 7) === '00' || text.slice(8, 10) === '00';
}

/** Big-endian bytes of a BIT(n) value → a string of exactly n '0'/'1'. */
export function bitsFromBytes(bytes: Buffer, length: number): string {
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  return bits.length >= length ? bits.slice(bits.length - length) : bits.padStart(length, '0');
}

/** A bool is stored as tinyint(1) (printed '0'/'1'/'-3') or bit(1) (one raw byte). */
function decodeBool(nativeType: string): Decode {
  if (/^bit\b/i.test(nativeType)) return (raw) => raw.some((b) => b !== 0);
  return (raw) => {
    const text = raw.toString('latin1');
    return text !== '' && Number(text) !== 0;
  };
}

function decoderFor(column: NeutralColumn, onZeroDate: (() => void) | null): Decode {
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
    case 'float32':
    case 'float64':
      return (raw) => Number(raw.toString('latin1'));
    case 'int64':
    case 'uint64':
      return (raw) => BigInt(raw.toString('latin1'));
    case 'decimal':
    case 'time':
    case 'interval':
      return (raw) => raw.toString('latin1');
    case 'uuid':
      return (raw) => raw.toString('utf8').toLowerCase();
    case 'binary':
    case 'blob':
      // A copy: the driver's Buffer is a view on the whole network packet.
      return (raw) => Buffer.from(raw);
    case 'bit':
      return (raw) => bitsFromBytes(raw, type.length);
    case 'date':
    case 'timestamp':
    case 'timestamptz': {
      const suffix = type.kind === 'timestamptz' ? '+00:00' : '';
      return (raw) => {
        const text = raw.toString('latin1');
        if (onZeroDate && isZeroDate(text)) {
          onZeroDate();
          return null;
        }
        return text + suffix;
      };
    }
    case 'set':
      return (raw) => {
        const text = raw.toString('utf8');
        return text === '' ? [] : text.split(',');
      };
    case 'array':
      return (raw) => jsonArrayElements(raw.toString('utf8'));
    default:
      return (raw) => raw.toString('utf8');
  }
}

function jsonArrayElements(text: string): NeutralValue[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new TerminalDbError('data', `expected a JSON array, got ${text.slice(0, 40)}`);
  return parsed.map((v: unknown) =>
    v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v),
  );
}

/**
 * Decodes raw rows of the given columns. Zero dates become NULL and are counted per column;
 * `takeWarnings` returns (and resets) the warnings met since the last call. Key bounds keep
 * them as text (`zeroDatesAsText`): a NULL bound would match no row of the range.
 */
export class RowDecoder {
  private readonly decoders: Decode[];
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

  decode(raw: RawValue[]): NeutralValue[] {
    const out = new Array<NeutralValue>(this.decoders.length);
    for (let i = 0; i < this.decoders.length; i++) {
      const value = raw[i];
      out[i] = value === null || value === undefined ? null : (this.decoders[i] as Decode)(value);
    }
    return out;
  }

  takeWarnings(): string[] {
    const warnings: string[] = [];
    this.zeroDates.forEach((count, i) => {
      if (count === 0) return;
      warnings.push(`${this.tableLabel}.${this.columns[i]?.name}: ${count} zero date${count === 1 ? '' : 's'} ('0000-00-00') read as NULL`);
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

export function numberLiteral(value: number, column: string): string {
  if (!Number.isFinite(value)) throw new TerminalDbError('data', `column ${column}: MySQL cannot store ${value}`, { column });
  return String(value);
}

/** The SQL literal for one neutral value written to a column of the given neutral type. */
export function sqlLiteral(type: NeutralType, value: NeutralValue, column = '?'): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return `X'${value.toString('hex')}'`;
  if (Array.isArray(value)) {
    return stringLiteral(type.kind === 'set' ? value.map((v) => String(v)).join(',') : jsonText(value));
  }
  if (typeof value === 'number') {
    const text = numberLiteral(value, column);
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
    case 'decimal':
    case 'float32':
    case 'float64':
      return PLAIN_DECIMAL.test(value) ? value.replace(/^\+/, '') : stringLiteral(value);
    case 'bit':
      return /^[01]*$/.test(value) ? `b'${value}'` : stringLiteral(value);
    case 'timestamp':
    case 'timestamptz':
      return stringLiteral(utcDatetimeText(value));
    default:
      return stringLiteral(value);
  }
}
