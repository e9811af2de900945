import { type NeutralKind, NeutralTextCursor } from '@dbferry/dialects-core';
import { TEXT_FAST_ENCODERS } from './postgres.binary';
import type { BinaryCopyBuffer, BinaryEncoder } from './postgres.binary-frame';
import type { ValueWarnings } from './postgres.values';

/**
 * NEUTRAL_TEXT_ROWS (each value's neutral form as UTF-8 text, e.g. MySQL's text protocol rows)
 * into COPY binary rows, without a JS value per field where the bytes can go as they are: text,
 * varchar, char, enum, json and jsonb take the UTF-8 bytes themselves (a NUL among them takes the
 * encoder's own path, which strips or rejects it), integers and bools are read off their digits.
 * Every other field is sliced into the string VALUE_FORMS names and given to the column's own
 * encoder, so each value is stored exactly as the row path stores it.
 */

type SliceableBuffer = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

const COPY = 0;
const COPY_JSONB = 1;
const INT16 = 2;
const INT32 = 3;
const INT64 = 4;
const BOOL = 5;
const VIA_LATIN1 = 6;
const VIA_UTF8 = 7;

/** Kinds whose neutral text is ASCII only: sliced as latin1, which is cheaper and the same string. */
const ASCII_KINDS: ReadonlySet<string> = new Set<NeutralKind>([
  'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'decimal', 'uuid',
  'date', 'time', 'timestamp', 'timestamptz', 'interval',
]);

const JSONB_VERSION = 1;

/**
 * The integer of a field's digits (an optional sign and 1–15 digits: below 10^15, exact in a
 * double), NaN for anything else (the encoder's own path then reads or refuses it).
 */
function integerText(data: Buffer, start: number, end: number): number {
  let at = start;
  const negative = data[at] === 0x2d;
  if (negative || data[at] === 0x2b) at++;
  if (at === end || end - at > 15) return Number.NaN;
  let n = 0;
  for (; at < end; at++) {
    const digit = (data[at] as number) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    n = n * 10 + digit;
  }
  return negative ? -n : n;
}

export class NeutralTextTranscoder {
  private constructor(
    private readonly plan: Int8Array,
    private readonly encoders: BinaryEncoder[],
    private readonly names: string[],
  ) {}

  /**
   * The transcoder for rows of `kinds` (NativeRows.types) into columns whose binary encoders are
   * `encoders` (planBinaryCopy's, for the same neutral kinds), or undefined when the kinds are not
   * the columns' own.
   */
  static for(kinds: readonly string[], columnKinds: readonly NeutralKind[], encoders: BinaryEncoder[], names: string[]): NeutralTextTranscoder | undefined {
    if (kinds.length !== columnKinds.length || kinds.some((kind, i) => kind !== columnKinds[i])) return undefined;
    const plan = Int8Array.from(encoders, (encoder, i) => {
      switch (encoder) {
        case TEXT_FAST_ENCODERS.text:
          return COPY;
        case TEXT_FAST_ENCODERS.jsonb:
          return COPY_JSONB;
        case TEXT_FAST_ENCODERS.int2:
          return INT16;
        case TEXT_FAST_ENCODERS.int4:
          return INT32;
        case TEXT_FAST_ENCODERS.int8:
          return INT64;
        case TEXT_FAST_ENCODERS.bool:
          return BOOL;
        default:
          return ASCII_KINDS.has(kinds[i] as string) ? VIA_LATIN1 : VIA_UTF8;
      }
    });
    return new NeutralTextTranscoder(plan, encoders, names);
  }

  /** Appends every row of `data` to `out`; returns how many rows it held. */
  write(out: BinaryCopyBuffer, data: Buffer, warnings?: ValueWarnings): number {
    const bytes = data as SliceableBuffer;
    const plan = this.plan;
    const encoders = this.encoders;
    const names = this.names;
    const width = plan.length;
    const cursor = new NeutralTextCursor(data);
    // The first NUL byte at or after the field being copied (lengths hold zero bytes too): one
    // search serves every field before it, so the batch is searched once.
    let nul = -1;
    let rows = 0;
    while (cursor.at < data.length) {
      out.int16(width);
      for (let i = 0; i < width; i++) {
        const length = cursor.next();
        if (length < 0) {
          out.nullField();
          continue;
        }
        const start = cursor.start;
        const end = start + length;
        const how = plan[i];
        if (how === COPY || how === COPY_JSONB) {
          if (nul < start) {
            nul = data.indexOf(0, start);
            if (nul < 0) nul = Number.POSITIVE_INFINITY;
          }
          if (nul >= end) {
            out.bytesFieldOf(data, start, end, how === COPY_JSONB ? JSONB_VERSION : undefined);
            continue;
          }
          (encoders[i] as BinaryEncoder)(out, bytes.utf8Slice(start, end), names[i] as string, warnings);
          continue;
        }
        if (how === INT16 || how === INT32 || how === INT64) {
          const n = integerText(data, start, end);
          if (how === INT64 ? n === n : how === INT32 ? n >= -0x80000000 && n <= 0x7fffffff : n >= -0x8000 && n <= 0x7fff) {
            if (how === INT16) out.int16Field(n);
            else if (how === INT32) out.int32Field(n);
            else out.int64NumberField(n);
            continue;
          }
        } else if (how === BOOL && length === 1) {
          const digit = data[start];
          if (digit === 48 || digit === 49) {
            (encoders[i] as BinaryEncoder)(out, digit === 49, names[i] as string, warnings);
            continue;
          }
        }
        const text = how === VIA_UTF8 ? bytes.utf8Slice(start, end) : bytes.latin1Slice(start, end);
        (encoders[i] as BinaryEncoder)(out, text, names[i] as string, warnings);
      }
      rows++;
    }
    return rows;
  }
}
