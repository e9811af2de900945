import type { DataPlane, DialectName, NeutralColumn, NeutralValue, TableRef } from '@dbferry/dialects-core';
import { INCREMENTAL_KINDS, LiteralError, quoteIdentifier, sqlLiteral } from './sql-literal';

/**
 * Where an incremental table has got to: the largest incremental-column value committed and
 * the largest key among the rows holding it. Stored as lossless, zone-free neutral text.
 */
export interface Watermark {
  value: NeutralValue;
  key: NeutralValue[];
}

function compareDecimalText(a: string, b: string): number {
  const sign = (t: string) => (t.startsWith('-') ? -1 : 1);
  if (sign(a) !== sign(b)) return sign(a) - sign(b);
  const [ai, af = ''] = a.replace('-', '').split('.');
  const [bi, bf = ''] = b.replace('-', '').split('.');
  const int = (x: string) => x.replace(/^0+(?=\d)/, '');
  const ia = int(ai);
  const ib = int(bi);
  let c = ia.length !== ib.length ? ia.length - ib.length : ia < ib ? -1 : ia > ib ? 1 : 0;
  if (c === 0) {
    const width = Math.max(af.length, bf.length);
    const fa = af.padEnd(width, '0');
    const fb = bf.padEnd(width, '0');
    c = fa < fb ? -1 : fa > fb ? 1 : 0;
  }
  return Math.sign(c) * sign(a);
}

/**
 * Orders two non-null values of one incremental kind without a JS number or Date: integers as
 * bigint, decimals digit by digit, dates and timestamps by their fixed-layout neutral text
 * (fractions compare digit by digit, so '…:00.5' > '…:00.25').
 */
export function compareIncremental(column: NeutralColumn, a: NeutralValue, b: NeutralValue): number {
  const kind = column.type.kind;
  if (kind.startsWith('int') || kind.startsWith('uint')) {
    const x = BigInt(a as bigint | number | string);
    const y = BigInt(b as bigint | number | string);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (kind === 'decimal') return compareDecimalText(String(a), String(b));
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * The value `seconds` before `value`: for timestamps and dates by calendar arithmetic on the
 * zone-free text (Date.UTC only, so the process TZ never enters), for numbers by subtraction
 * in the column's own units. The fraction is kept digit for digit.
 */
export function lookbackFrom(column: NeutralColumn, value: NeutralValue, seconds: number): NeutralValue {
  if (!seconds || value === null) return value;
  const kind = column.type.kind;
  if (kind.startsWith('int') || kind.startsWith('uint')) {
    const result = BigInt(value as bigint | number | string) - BigInt(seconds);
    return typeof value === 'number' ? Number(result) : result;
  }
  if (kind === 'decimal') {
    const text = String(value);
    const [int, frac] = text.split('.');
    const shifted = (BigInt(int) - BigInt(seconds)).toString();
    // -0.5 - 1: handle the sign of a negative fraction by exact scaled arithmetic instead.
    if (frac === undefined) return shifted;
    const scale = frac.length;
    const scaled = BigInt(text.replace('.', '')) - BigInt(seconds) * 10n ** BigInt(scale);
    const negative = scaled < 0n;
    const digits = (negative ? -scaled : scaled).toString().padStart(scale + 1, '0');
    return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  const text = String(value);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(\.\d+)?)?(\+00:00)?$/.exec(text);
  if (!m) return value;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = ''] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - seconds * 1000;
  const t = new Date(ms);
  const date = `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
  if (kind === 'date') return date;
  return `${date} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}${fraction}${zone}`;
}

export function isIncrementalKind(column: NeutralColumn): boolean {
  return (INCREMENTAL_KINDS as readonly string[]).includes(column.type.kind);
}

/**
 * The read predicate of an incremental run: rows at or after the watermark less the lookback.
 * Inclusive, so rows tied with the watermark are read again (and upserted, so never doubled).
 */
export function sincePredicate(dialect: DialectName, column: NeutralColumn, since: NeutralValue): string {
  return `${quoteIdentifier(dialect, column.name)} >= ${sqlLiteral(dialect, column, since)}`;
}

/** `key IN (…)` (a disjunction of conjunctions for composite keys) over literal keys. */
export function keyInPredicate(dialect: DialectName, keyColumns: NeutralColumn[], keys: NeutralValue[][]): string {
  if (!keys.length) return '1 = 0';
  const names = keyColumns.map((c) => quoteIdentifier(dialect, c.name));
  if (keyColumns.length === 1) return `${names[0]} IN (${keys.map((k) => sqlLiteral(dialect, keyColumns[0], k[0])).join(', ')})`;
  return `(${keys.map((k) => `(${names.map((n, i) => `${n} = ${sqlLiteral(dialect, keyColumns[i], k[i])}`).join(' AND ')})`).join(' OR ')})`;
}

/** The larger of two watermarks (by value, then key as neutral text in key order). */
export function laterWatermark(column: NeutralColumn, keyColumns: NeutralColumn[], a: Watermark | null, b: Watermark | null): Watermark | null {
  if (!a) return b;
  if (!b) return a;
  const byValue = compareIncremental(column, a.value, b.value);
  if (byValue !== 0) return byValue > 0 ? a : b;
  for (let i = 0; i < keyColumns.length; i++) {
    const c = isIncrementalKind(keyColumns[i]) ? compareIncremental(keyColumns[i], a.key[i], b.key[i]) : String(a.key[i]) < String(b.key[i]) ? -1 : String(a.key[i]) > String(b.key[i]) ? 1 : 0;
    if (c !== 0) return c > 0 ? a : b;
  }
  return a;
}

/**
 * The largest value `column` holds in `table` (null for no row, or only NULLs): a one-shot
 * incremental copy resumes from its target's own rows, since it keeps no watermark. Read through
 * the dialect's reader (keyBounds over the column, NULLs left out, quoted by the dialect), so the
 * value comes back typed as the column is described, in its lossless neutral form.
 */
export async function largestValue(data: DataPlane, dialect: DialectName, table: TableRef, column: NeutralColumn): Promise<NeutralValue> {
  const bounds = await data.reader.keyBounds(table, [column], `${quoteIdentifier(dialect, column.name)} IS NOT NULL`);
  return bounds?.max[0] ?? null;
}

const UTC_SUFFIX = /(?:Z|[+-]00(?::?00)?)$/i;

/**
 * `value` as a lower bound for the incremental `column` of `dialect`: a value read from another
 * database (the target's largest, typed as the target holds it) or given as text (--since), in
 * the neutral form of the column's own kind, checked by the literal it will be spelled as
 * (LiteralError otherwise). A timestamp read from a zone-free column that holds UTC instants (a
 * timestamptz copied to MySQL's datetime) becomes the instant, and an instant becomes the
 * zone-free UTC time; other offsets are refused, never shifted.
 */
export function incrementalBound(dialect: DialectName, column: NeutralColumn, value: NeutralValue): NeutralValue {
  if (value === null) throw new LiteralError(`${column.name}: a lower bound cannot be NULL`);
  if (!isIncrementalKind(column)) throw new LiteralError(`${column.name}: a ${column.type.kind} column cannot bound an incremental read`);
  const kind = column.type.kind;
  let bound: NeutralValue = typeof value === 'string' ? value.trim() : value;
  if (typeof bound === 'string' && (kind === 'date' || kind === 'timestamp' || kind === 'timestamptz')) {
    const text = bound.replace(/^(\d{4}-\d{2}-\d{2})T/, '$1 ');
    const bare = text.replace(UTC_SUFFIX, '');
    if (kind === 'date') bound = /^\d{4}-\d{2}-\d{2} 00:00:00(?:\.0+)?$/.test(bare) ? bare.slice(0, 10) : bare;
    else {
      const time = /^\d{4}-\d{2}-\d{2}$/.test(bare) ? `${bare} 00:00:00` : bare;
      bound = kind === 'timestamp' ? time : `${time}+00:00`;
    }
  }
  sqlLiteral(dialect, column, bound);
  return bound;
}
