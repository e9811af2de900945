import { type NeutralValue, TerminalDbError } from '@dbferry/dialects-core';
import type { ValueWarnings } from './postgres.values';

/**
 * COPY … FROM STDIN (FORMAT binary): the wire format (header, trailer, the growable buffer the
 * fields are written into) shared by every encoder. The encoders live in postgres.binary.ts,
 * postgres.binary-numeric.ts and postgres.binary-datetime.ts.
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
    const n = Number(value);
    if (Number.isSafeInteger(n)) {
      this.int64NumberField(n);
      return;
    }
    this.ensure(12);
    this.view.setInt32(this.pos, 8);
    this.view.setBigInt64(this.pos + 4, value);
    this.pos += 12;
  }

  /** An int64 field of a safe integer, without BigInt. */
  int64NumberField(n: number): void {
    this.ensure(12);
    this.view.setInt32(this.pos, 8);
    const high = Math.floor(n / TWO_32);
    this.view.setInt32(this.pos + 4, high);
    this.view.setUint32(this.pos + 8, n - high * TWO_32);
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

  /**
   * A numeric field: ndigits, weight, sign, dscale, then the base-10000 digits
   * `digits[first, end)`, with one bounds check (the numeric encoder's fast path).
   */
  numericField(digits: readonly number[], first: number, end: number, weight: number, sign: number, dscale: number): void {
    const count = end - first;
    this.ensure(12 + 2 * count);
    const view = this.view;
    let at = this.pos;
    view.setInt32(at, 8 + 2 * count);
    view.setInt16(at + 4, count);
    view.setInt16(at + 6, weight);
    view.setUint16(at + 8, sign);
    view.setInt16(at + 10, dscale);
    at += 12;
    for (let i = first; i < end; i++, at += 2) view.setInt16(at, digits[i] as number);
    this.pos = at;
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

  /** A field of the bytes [start, end) of `source` (UTF-8 text as it is), optionally after one prefix byte (jsonb's version). */
  bytesFieldOf(source: Buffer, start: number, end: number, prefix?: number): void {
    const length = end - start;
    const extra = prefix === undefined ? 0 : 1;
    this.ensure(4 + extra + length);
    this.view.setInt32(this.pos, length + extra);
    let at = this.pos + 4;
    const buf = this.buf;
    if (prefix !== undefined) buf[at++] = prefix;
    // Most values are short: a loop costs less than copy()'s call for them.
    if (length <= 32) for (let i = start; i < end; i++) buf[at++] = source[i] as number;
    else {
      source.copy(buf, at, start, end);
      at += length;
    }
    this.pos = at;
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

/** The error an encoder throws for a value its target type cannot take. */
export function invalidValue(column: string, value: unknown, what: string): TerminalDbError {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(value);
  return new TerminalDbError('data', `column "${column}": ${shown} is not ${what}`, { column });
}
