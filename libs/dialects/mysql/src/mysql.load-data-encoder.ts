import type { NeutralColumn, NeutralType, NeutralValue, ValueLossCounter } from '@dbferry/dialects-core';
import { fieldText } from './mysql.load-data';

/**
 * Rows → LOAD DATA lines written straight into UTF-8 bytes: the same bytes as `LoadDataLines`
 * (mysql.load-data.ts) encoded to UTF-8, without a JS string per line or per chunk. Profiles of
 * PG→MariaDB spent more time building the lines as strings (concatenation, the escape regex)
 * and converting each 64 KiB chunk to a Buffer than the server took to load them.
 *
 * The common forms go by fast paths that write exactly what `fieldText` would return: text as
 * is, integers and decimals without a leading '+', timestamps already in DATETIME's form. Every
 * other value goes through `fieldText` itself, so there is one definition of a field's text.
 */

type Kind = NeutralType['kind'];
type Present = Exclude<NeutralValue, null>;
type FieldWriter = (value: Present) => void;

/** Kinds whose string values `fieldText` passes through unchanged (it only escapes them). */
const VERBATIM_STRING_KINDS = new Set<Kind>(['string', 'char', 'text', 'json', 'xml', 'uuid', 'enum', 'date', 'interval']);
const INTEGER_KINDS = new Set<Kind>(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);
/** DATETIME's own text (≤ 6 fraction digits, no offset): `mysqlTimeText` changes only a 'T' to ' '. */
const DATETIME_TEXT = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d{1,6})?$/;
/** Longer strings without a character to escape go through the native UTF-8 encoder. */
const NATIVE_MIN = 64;
const NEEDS_ESCAPE = /[\\\t\n\r\0]/;

const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;

export class LoadDataEncoder {
  private readonly writers: FieldWriter[];
  private buf: Buffer;
  private pos = 0;

  /** `losses` counts the values changed on the way (fractions cut to microseconds). */
  constructor(columns: NeutralColumn[], losses?: ValueLossCounter, chunkBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(chunkBytes * 2);
    this.writers = columns.map((c) => this.writerFor(c, losses));
  }

  add(row: NeutralValue[]): void {
    const writers = this.writers;
    for (let i = 0; i < writers.length; i++) {
      if (i > 0) this.byte(TAB);
      const value = row[i];
      if (value === null || value === undefined) {
        this.ensure(2);
        this.buf[this.pos++] = BACKSLASH;
        this.buf[this.pos++] = 78; // N
      } else {
        (writers[i] as FieldWriter)(value);
      }
    }
    this.byte(NEWLINE);
  }

  /** Bytes gathered since the last take(). */
  pending(): number {
    return this.pos;
  }

  /** The bytes gathered, in a Buffer of their own (the encoder goes on in its own buffer). */
  take(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }

  private writerFor(column: NeutralColumn, losses?: ValueLossCounter): FieldWriter {
    const kind = column.type.kind;
    const generic = fieldText(column, losses);
    const slow: FieldWriter = (value) => this.text(generic(value));
    const number: FieldWriter =
      kind === 'float32'
        ? slow
        : (value) => {
            if (typeof value !== 'number') slow(value);
            else if (Number.isSafeInteger(value)) this.integer(value);
            else if (Number.isFinite(value)) this.ascii(String(value));
            else slow(value);
          };
    const common = (strings: FieldWriter): FieldWriter => (value) => {
      if (typeof value === 'string') strings(value);
      else if (typeof value === 'bigint') this.ascii(value.toString());
      else if (typeof value === 'boolean') this.byte(value ? 49 : 48);
      else number(value);
    };
    if (VERBATIM_STRING_KINDS.has(kind)) return common((value) => this.text(value as string));
    if (INTEGER_KINDS.has(kind) || kind === 'decimal' || kind === 'float64') {
      // fieldText drops a leading '+' from a plain number and keeps anything else as it is.
      return common((value) => ((value as string).charCodeAt(0) === 43 ? slow(value) : this.text(value as string)));
    }
    if (kind === 'timestamp' || kind === 'timestamptz') {
      return common((value) => {
        const text = value as string;
        if (!DATETIME_TEXT.test(text)) slow(text);
        else if (text.charCodeAt(10) === 84) this.text(`${text.slice(0, 10)} ${text.slice(11)}`);
        else this.ascii(text);
      });
    }
    if (kind === 'bool') return (value) => (typeof value === 'boolean' ? this.byte(value ? 49 : 48) : slow(value));
    return slow;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** A safe integer's digits as String(value) prints them (-0 as 0), without making the string. */
  private integer(value: number): void {
    this.ensure(17);
    const buf = this.buf;
    let n = value;
    if (n < 0) {
      buf[this.pos++] = 45; // -
      n = -n;
    }
    let digits = 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    do {
      const next = Math.floor(n / 10);
      buf[--p] = 48 + (n - next * 10);
      n = next;
    } while (n > 0);
  }

  /** Text known to be ASCII with nothing to escape (digits, signs, dates). */
  private ascii(text: string): void {
    const n = text.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = text.charCodeAt(i);
    this.pos = p;
  }

  /**
   * A field's text escaped as escapeLoadField does (backslash, tab, newline, CR, NUL) and encoded
   * as Buffer.from(text, 'utf8') would (a lone surrogate becomes U+FFFD).
   */
  private text(text: string): void {
    const n = text.length;
    // A UTF-16 unit is at most 3 bytes of UTF-8, and an escape is 2 bytes for 1 unit.
    this.ensure(n * 3);
    const buf = this.buf;
    if (n >= NATIVE_MIN && !NEEDS_ESCAPE.test(text)) {
      this.pos += buf.write(text, this.pos, 'utf8');
      return;
    }
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        if (c === BACKSLASH || c === TAB || c === NEWLINE || c === 13 || c === 0) {
          buf[p++] = BACKSLASH;
          buf[p++] = c === BACKSLASH ? BACKSLASH : c === TAB ? 116 : c === NEWLINE ? 110 : c === 13 ? 114 : 48;
        } else {
          buf[p++] = c;
        }
      } else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        buf[p++] = 0xe0 | (c >> 12);
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
        buf[p++] = 0x80 | (c & 0x3f);
      } else {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const point = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          buf[p++] = 0xf0 | (point >> 18);
          buf[p++] = 0x80 | ((point >> 12) & 0x3f);
          buf[p++] = 0x80 | ((point >> 6) & 0x3f);
          buf[p++] = 0x80 | (point & 0x3f);
          i++;
        } else {
          // A lone surrogate: U+FFFD, as the UTF-8 encoder writes it.
          buf[p++] = 0xef;
          buf[p++] = 0xbf;
          buf[p++] = 0xbd;
        }
      }
    }
    this.pos = p;
  }
}
