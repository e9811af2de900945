import { canonicalJson, type NeutralColumn, type NeutralKind, type NeutralType, type NeutralValue, normalizeDecimal, normalizeValue } from '@dbferry/dialects-core';

/**
 * The exact cross-dialect comparison of one column's values (issue 12): the reference's value
 * and another connection's value are each reduced to a comparison text by rules that depend on
 * the PAIR of neutral types, and equal texts mean equal values. Where the pair cannot be
 * compared exactly, the comparator carries a `note` naming the rule it applies instead.
 *
 * Rules (docs in libs/engine/README.md, "Diff"):
 * - integers and decimals by value: 0.5 = 0.50 = +0.500, 7 = 7.0;
 * - floats: float64 at 15 significant digits (checksum.ts); a float32 on either side compares
 *   both at float32; float vs integer/decimal: the exact value rounded to the float (noted);
 * - booleans: non-zero is true (a tinyint/integer holding a bool compares as one);
 * - timestamps/times at the precision both sides hold (fraction truncated to the smaller one,
 *   trailing zeros dropped), timestamptz as its UTC instant without the zone;
 * - JSON by canonical form (keys sorted, no whitespace) when either side is JSON;
 * - binary by bytes (a uuid against binary: its 16 bytes); uuid text case-insensitively;
 * - text by code points; a `char` on either side ignores trailing spaces;
 * - NULL ≠ '' except against a database that stores '' as NULL (noted: both read as NULL).
 */
export interface ColumnComparator {
  column: string;
  /** Comparison text of the reference's value; null for NULL. */
  ref(value: NeutralValue): string | null;
  /** Comparison text of the other connection's value; null for NULL. */
  other(value: NeutralValue): string | null;
  /** Present when the pair cannot be compared exactly: the rule used instead. */
  note?: string;
}

export interface CompareTraits {
  /** The reference, or the other side, stores '' as NULL (emptyTextIsNull of its dialect). */
  refEmptyTextIsNull?: boolean;
  otherEmptyTextIsNull?: boolean;
}

type Family = 'exact-number' | 'float' | 'bool' | 'text' | 'json' | 'bytes' | 'uuid' | 'time' | 'date' | 'bit' | 'array' | 'other';

const FAMILY: Partial<Record<NeutralKind, Family>> = {
  int8: 'exact-number', int16: 'exact-number', int32: 'exact-number', int64: 'exact-number',
  uint8: 'exact-number', uint16: 'exact-number', uint32: 'exact-number', uint64: 'exact-number', decimal: 'exact-number',
  float32: 'float', float64: 'float',
  bool: 'bool',
  string: 'text', char: 'text', text: 'text', enum: 'text', xml: 'text',
  json: 'json',
  binary: 'bytes', blob: 'bytes',
  uuid: 'uuid',
  time: 'time', timestamp: 'time', timestamptz: 'time',
  date: 'date',
  bit: 'bit',
  array: 'array', set: 'array',
};

const familyOf = (type: NeutralType): Family => FAMILY[type.kind] ?? 'other';

const trimFraction = (text: string) => text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');

/** Exact number text (integers, decimals, and a bigint/number) by value. */
function exactNumber(value: NeutralValue): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return BigInt(value).toString();
    return normalizeDecimal(numberToPlain(value));
  }
  return normalizeDecimal(String(value));
}

/** A JS number in plain (non-exponent) decimal notation. */
function numberToPlain(n: number): string {
  const text = String(n);
  if (!/e/i.test(text)) return text;
  return n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

function floatText(value: NeutralValue, single: boolean): string {
  const n = typeof value === 'number' ? value : Number(typeof value === 'bigint' ? value.toString() : String(value));
  return normalizeValue({ kind: single ? 'float32' : 'float64' }, single ? Math.fround(n) : n);
}

function boolText(value: NeutralValue): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'bigint') return value === 0n ? '0' : '1';
  if (typeof value === 'number') return value === 0 ? '0' : '1';
  const text = String(value).trim().toLowerCase();
  return text === '0' || text === 'false' || text === 'f' || text === '' ? '0' : '1';
}

/** 'YYYY-MM-DD HH:MM:SS[.fff]' or 'HH:MM:SS[.fff]' with the fraction cut to `precision` digits, zone dropped. */
function timeText(value: NeutralValue, precision: number): string {
  const text = String(value).replace('T', ' ').replace(/(Z|[+-]00(:?00)?)$/, '');
  const match = /^(.*?:\d\d)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const fraction = (match[2] ?? '').slice(0, precision);
  return trimFraction(fraction ? `${match[1]}.${fraction}` : match[1]);
}

function bytesText(value: NeutralValue): string {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  return String(value).replace(/-/g, '').toLowerCase();
}

function jsonText(value: NeutralValue): string {
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  try {
    return canonicalJson(text);
  } catch {
    // Not JSON (a text column holding something else): compared as written, so it differs from any JSON.
    return `\u0000${text}`;
  }
}

const fractionDigits = (type: NeutralType): number => ('precision' in type && type.precision !== undefined ? type.precision : 6);

/** The comparator of one column between the reference and another connection. */
export function columnComparator(ref: NeutralColumn, other: NeutralColumn, traits: CompareTraits = {}): ColumnComparator {
  const a = ref.type;
  const b = other.type;
  const fa = familyOf(a);
  const fb = familyOf(b);
  let text: (type: NeutralType) => (value: NeutralValue) => string;
  let note: string | undefined;
  const same = fa === fb;
  if (same && fa === 'exact-number') text = () => exactNumber;
  else if ((fa === 'float' || fb === 'float') && (fa === 'float' || fa === 'exact-number') && (fb === 'float' || fb === 'exact-number')) {
    const single = a.kind === 'float32' || b.kind === 'float32';
    text = () => (v) => floatText(v, single);
    if (!same) note = `${a.kind} against ${b.kind}: compared as ${single ? 'float32' : 'float64'} (${single ? '6' : '15'} significant digits); an exact value that rounds to the same float is equal`;
    else if (a.kind !== b.kind) note = `${a.kind} against ${b.kind}: compared at float32 (6 significant digits)`;
  } else if ((fa === 'bool' || fb === 'bool') && (fa === 'bool' || fa === 'exact-number') && (fb === 'bool' || fb === 'exact-number')) {
    text = () => boolText;
  } else if (same && (fa === 'time')) {
    const precision = Math.min(fractionDigits(a), fractionDigits(b));
    text = () => (v) => timeText(v, precision);
    if (fractionDigits(a) !== fractionDigits(b)) note = `fractional seconds compared at the common precision of ${precision} digit(s) (truncated)`;
  } else if (fa === 'json' || fb === 'json') {
    text = () => jsonText;
    if (!same) note = `${a.kind} against ${b.kind}: both read as JSON and compared in canonical form`;
  } else if ((fa === 'bytes' || fa === 'uuid') && (fb === 'bytes' || fb === 'uuid')) {
    text = () => bytesText;
  } else if ((fa === 'uuid' || fa === 'text') && (fb === 'uuid' || fb === 'text') && (fa === 'uuid' || fb === 'uuid')) {
    text = () => (v) => String(v).toLowerCase();
  } else if (same && fa === 'text') {
    const padded = a.kind === 'char' || b.kind === 'char';
    text = () => (padded ? (v) => String(v).replace(/ +$/, '') : (v) => String(v));
  } else if (same) {
    text = (type) => (v) => normalizeValue(type, v);
  } else {
    text = (type) => (v) => normalizeValue(type, v);
    note = `${a.kind} against ${b.kind}: compared by each side's normalised text`;
  }
  const emptyIsNull = (traits.refEmptyTextIsNull || traits.otherEmptyTextIsNull) && (fa === 'text' || fb === 'text');
  if (emptyIsNull) note = [note, "one side stores '' as NULL: '' and NULL compare equal in this column"].filter(Boolean).join('; ');
  const wrap = (type: NeutralType) => {
    const f = text(type);
    return (value: NeutralValue): string | null => {
      if (value === null) return null;
      if (emptyIsNull && value === '') return null;
      return f(value);
    };
  };
  return { column: ref.name, ref: wrap(a), other: wrap(b), ...(note !== undefined && { note }) };
}

/** The comparison text of a whole key (one comparator per key column), usable as a Map key. */
export function keyText(comparators: ColumnComparator[], key: NeutralValue[], side: 'ref' | 'other'): string {
  return JSON.stringify(key.map((v, i) => comparators[i][side](v)));
}

/** Names of the columns whose values differ (comparators and rows in the same column order). */
export function differingColumns(comparators: ColumnComparator[], refRow: NeutralValue[], otherRow: NeutralValue[]): string[] {
  const out: string[] = [];
  comparators.forEach((c, i) => {
    if (c.ref(refRow[i]) !== c.other(otherRow[i])) out.push(c.column);
  });
  return out;
}
