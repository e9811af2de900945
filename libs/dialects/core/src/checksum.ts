import { createHash } from 'node:crypto';
import type { NeutralValue } from './data-plane';
import type { NeutralType } from './types';

/**
 * The reference normalisation behind every checksum. A dialect that checksums inside the
 * database must produce byte-for-byte the same row text; the conformance suite compares its
 * result with `checksumRows` over the same rows. A dialect that cannot (e.g. json, floats)
 * computes the checksum in the worker with this module instead.
 *
 * Row text: each column's normalised text, NULL as `\N`, joined by U+001F.
 * Row digest: first 8 bytes of md5(row text as UTF-8), read as an unsigned big-endian integer.
 * Table digest: sum of row digests modulo 2^64, as 16 lower-case hex digits; with a row count.
 */
export const NULL_TOKEN = '\\N';
export const FIELD_SEPARATOR = '\u001f';

const trimFraction = (text: string) => text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');

/** Canonical decimal text: no exponent, no trailing fractional zeros, no '-0'. */
export function normalizeDecimal(text: string): string {
  let t = text.trim();
  if (/e/i.test(t)) throw new Error(`decimal in exponent notation: ${t}`);
  if (t.startsWith('+')) t = t.slice(1);
  const negative = t.startsWith('-');
  if (negative) t = t.slice(1);
  t = t.includes('.') ? trimFraction(t) : t;
  t = t.replace(/^0+(?=\d)/, '');
  if (t.startsWith('.')) t = `0${t}`;
  return negative && !/^0(\.0*)?$/.test(t) ? `-${t}` : t;
}

/** Sorted keys, no insignificant whitespace: JSON that means the same normalises the same. */
export function canonicalJson(text: string): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]))
        : v;
  return JSON.stringify(sort(JSON.parse(text)));
}

/** One value's normalised text for its neutral type. */
export function normalizeValue(type: NeutralType, value: NeutralValue): string {
  if (value === null) return NULL_TOKEN;
  switch (type.kind) {
    case 'bool':
      return value === true || value === 1 || value === '1' ? '1' : '0';
    case 'int8': case 'int16': case 'int32': case 'int64':
    case 'uint8': case 'uint16': case 'uint32': case 'uint64':
      return BigInt(value as number | bigint | string).toString();
    case 'decimal':
      return normalizeDecimal(String(value));
    case 'float32':
    case 'float64': {
      const n = Number(value);
      if (Number.isNaN(n)) return 'NaN';
      if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
      return n === 0 ? '0' : n.toExponential(type.kind === 'float32' ? 5 : 14);
    }
    case 'char':
      return String(value).replace(/ +$/, '');
    case 'uuid':
      return String(value).toLowerCase();
    case 'json':
      return canonicalJson(String(value));
    case 'binary':
    case 'blob':
      return (value as Buffer).toString('hex');
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return trimFraction(String(value).replace('T', ' ').replace(/(Z|[+-]00(:?00)?)$/, ''));
    case 'array':
    case 'set':
      return JSON.stringify((value as NeutralValue[]).map((v) => (type.kind === 'array' ? normalizeValue(type.of, v) : String(v))));
    default:
      return String(value);
  }
}

export function rowText(types: NeutralType[], row: NeutralValue[]): string {
  return row.map((v, i) => normalizeValue(types[i], v)).join(FIELD_SEPARATOR);
}

const MASK = (1n << 64n) - 1n;

/** Accumulates the order-independent digest over rows fed in any order and any batches. */
export class ChecksumAccumulator {
  private sum = 0n;
  rows = 0;

  constructor(private readonly types: NeutralType[]) {}

  add(row: NeutralValue[]): void {
    const digest = createHash('md5').update(rowText(this.types, row), 'utf8').digest();
    this.sum = (this.sum + digest.readBigUInt64BE(0)) & MASK;
    this.rows++;
  }

  get hash(): string {
    return this.sum.toString(16).padStart(16, '0');
  }
}
