import { type NeutralColumn, type NeutralType, type NeutralValue } from '@dbferry/dialects-core';
import { asBuffer, isTrue, stripNul, type ValueWarnings } from './postgres.values';
import { BinaryCopyBuffer, type BinaryEncoder, invalidValue, type TargetColumnType } from './postgres.binary-frame';
import { DATETIME_ENCODERS } from './postgres.binary-datetime';
import { numericEncoder as numeric } from './postgres.binary-numeric';

/**
 * COPY … FROM STDIN (FORMAT binary): the encoders of the types whose binary form we write
 * ourselves, and the choice among them (the wire format is in postgres.binary-frame.ts, numeric
 * and the date/time types have files of their own). Each encoder is chosen by the neutral kind AND the target column's
 * actual PostgreSQL type, because the receive function of the target type reads the bytes.
 * Every conversion is integer arithmetic on the canonical strings (VALUE_FORMS): no JS Date.
 */

// ---------------------------------------------------------------- integers and floats

function toSafeInteger(value: NeutralValue, column: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'bigint' || typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || (typeof value === 'string' && !/^\s*[+-]?\d+\s*$/.test(value))) throw invalidValue(column, value, 'an integer');
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
  throw invalidValue(column, value, 'an integer');
}

const INT16 = 0x7fff;
const INT32 = 0x7fffffff;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -INT64_MAX - 1n;

const int2: BinaryEncoder = (out, value, column) => {
  const n = toSafeInteger(value, column);
  if (n < -INT16 - 1 || n > INT16) throw invalidValue(column, value, 'in the range of smallint');
  out.int16Field(n);
};
const int4: BinaryEncoder = (out, value, column) => {
  const n = toSafeInteger(value, column);
  if (n < -INT32 - 1 || n > INT32) throw invalidValue(column, value, 'in the range of integer');
  out.int32Field(n);
};
const int8: BinaryEncoder = (out, value, column) => {
  const n = toBigInt(value, column);
  if (n < INT64_MIN || n > INT64_MAX) throw invalidValue(column, value, 'in the range of bigint');
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
  if (!bytes) throw invalidValue(column, value, 'a UUID');
  out.bytesField(bytes);
};

// ---------------------------------------------------------------- choosing

/** Encoders that NEUTRAL_TEXT_ROWS fields have faster paths for (postgres.binary-text.ts). */
export const TEXT_FAST_ENCODERS = { int2, int4, int8, bool, text, jsonb } as const;

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
  date: { encoder: DATETIME_ENCODERS.date, kinds: ['date'] },
  time: { encoder: DATETIME_ENCODERS.time, kinds: ['time'] },
  timestamp: { encoder: DATETIME_ENCODERS.timestamp, kinds: ['timestamp'] },
  timestamptz: { encoder: DATETIME_ENCODERS.timestamptz, kinds: ['timestamptz'] },
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
