import { type DataPlane, type DialectName, type NeutralColumn, type NeutralValue, normalizeDecimal, type TableRef } from '@dbferry/dialects-core';
import { emptyTextIsNull } from '@dbferry/dialects';
import { LiteralError, LOOKUP_KEY_KINDS } from '../incremental/sql-literal';
import { keyInPredicate } from '../incremental/watermark';
import { type EncodedValue, encodeValue } from '../plan/key-codec';
import { type ColumnComparator, columnComparator, differingColumns } from './row-compare';

/**
 * The arbiter (issue 12, item 2): one key's row on N connections, side by side, compared with
 * the diff's exact cross-dialect comparators (row-compare.ts), and the majority among them.
 *
 * Majority rule: connections are grouped by equal rows (an absent row is a value too: absent on
 * 2 of 3 is a majority of absent), each connection joining the first group, in the order the
 * connections were given, whose first member's row equals its own. The majority is the largest
 * group; on a tie, the tied group whose earliest member comes first (with two groups of one
 * between two connections, the first connection's).
 */

/** One connection's side: its data plane and the table as named there. */
export interface ArbiterSideInput {
  connectionId: string;
  dialect: DialectName;
  data: DataPlane;
  table: TableRef;
}

/** A key value as a caller gives it: text from a query string, or a JSON scalar. */
export type ArbiterKeyValue = string | number | boolean | bigint;

export interface ArbitrateInput {
  /**
   * The key: a bare value for a one-column key, or an object keyed by key column name (any key
   * size). Typed per side by that side's key column types.
   */
  key: ArbiterKeyValue | Record<string, unknown>;
  /** At least two, in the caller's order (the tie rule depends on it). */
  sides: ArbiterSideInput[];
  /** Default: the first side's primary key. */
  keyColumns?: string[];
  /** Default: every column of the first side that every other side has too (the rest noted). */
  columns?: string[];
  signal?: AbortSignal;
}

export interface ArbiterNote {
  connectionId: string;
  column: string;
  note: string;
}

export interface ArbiterResult {
  /** The key, one value per key column in the lossless key codec (as diff rows and rejects carry keys). */
  key: EncodedValue[];
  keyColumns: string[];
  /** The compared columns (keys first), named as on the first side; rows hold values in this order. */
  columns: string[];
  /** Each connection's row (its values in `columns` order), or null when it lacks the key. */
  rows: Record<string, NeutralValue[] | null>;
  /** Every connection holds an equal row, or every one lacks it. */
  consistent: boolean;
  /** The largest group of connections holding equal rows (see the tie rule above). */
  majority: string[];
  /** Every group of connections holding equal rows, in the order of their first members. */
  groups: string[][];
  /** Columns whose values differ between two connections that both hold the row (absence shows in `rows`). */
  differingColumns: string[];
  /** Where a column cannot be compared exactly between the first side and another (the rule used), or is not on a side. */
  notes: ArbiterNote[];
}

/** A request the sides cannot answer as asked: `field` names the input at fault. */
export class ArbiterError extends Error {
  readonly transient = false;
  constructor(
    readonly field: 'key' | 'keyColumns' | 'columns' | 'table' | 'sides',
    message: string,
    /** The connection the problem was found on, when it is one side's. */
    readonly connectionId?: string,
  ) {
    super(message);
    this.name = 'ArbiterError';
  }
}

const LOOKUP_KINDS = new Set<string>(LOOKUP_KEY_KINDS);
/** More rows under one key than this on one side: the key columns are not unique there. */
const MAX_MATCHES = 1;

const findColumn = (columns: NeutralColumn[], name: string) => columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());

interface DescribedSide extends ArbiterSideInput {
  /** Compared columns in the common order (keys first), as this side holds them. */
  columns: NeutralColumn[];
}

/**
 * Reads one key's row on every side and compares them. Throws ArbiterError for input the sides
 * cannot answer (a missing table or column, a key that does not fit a key column's type).
 */
export async function arbitrate(input: ArbitrateInput): Promise<ArbiterResult> {
  if (input.sides.length < 2) throw new ArbiterError('sides', 'the arbiter needs at least two connections');
  const ids = input.sides.map((s) => s.connectionId);
  if (new Set(ids).size !== ids.length) throw new ArbiterError('sides', 'a connection is named twice');
  const schemas = await Promise.all(
    input.sides.map(async (side) => {
      const schema = await side.data.introspector.describeTable(side.table);
      if (!schema) throw new ArbiterError('table', `table ${side.table.schema}.${side.table.name} does not exist on connection ${side.connectionId}`, side.connectionId);
      return schema;
    }),
  );
  const first = schemas[0];
  const keyNames = input.keyColumns?.length ? input.keyColumns : first.primaryKey;
  if (!keyNames.length) throw new ArbiterError('keyColumns', `table ${first.schema}.${first.name} has no primary key: name its keyColumns`);
  const notes: ArbiterNote[] = [];
  const firstKeys = keyNames.map((name) => {
    const column = findColumn(first.columns, name);
    if (!column) throw new ArbiterError('keyColumns', `key column ${name} is not a column of ${first.schema}.${first.name}`, ids[0]);
    return column;
  });
  if (new Set(firstKeys).size !== firstKeys.length) throw new ArbiterError('keyColumns', 'a key column is named twice');
  const requested = input.columns?.length ? input.columns : first.columns.map((c) => c.name);
  const firstRest: NeutralColumn[] = [];
  for (const name of requested) {
    const column = findColumn(first.columns, name);
    if (!column) throw new ArbiterError('columns', `column ${name} is not a column of ${first.schema}.${first.name}`, ids[0]);
    if (firstKeys.includes(column) || firstRest.includes(column)) continue;
    const lacking = input.sides.filter((_, i) => i > 0 && !findColumn(schemas[i].columns, column.name));
    if (lacking.length && input.columns?.length) throw new ArbiterError('columns', `column ${name} is not a column of the table on connection ${lacking[0].connectionId}`, lacking[0].connectionId);
    if (lacking.length) {
      for (const side of lacking) notes.push({ connectionId: side.connectionId, column: column.name, note: 'not a column of this side: not compared' });
      continue;
    }
    firstRest.push(column);
  }
  const common = [...firstKeys, ...firstRest];
  const sides: DescribedSide[] = input.sides.map((side, i) => ({
    ...side,
    columns: common.map((c, j) => {
      const found = findColumn(schemas[i].columns, c.name);
      if (!found) throw new ArbiterError(j < firstKeys.length ? 'keyColumns' : 'columns', `column ${c.name} is not a column of the table on connection ${side.connectionId}`, side.connectionId);
      return found;
    }),
  }));
  const keyCount = firstKeys.length;
  const given = keyByColumn(input.key, firstKeys);
  // Every side's key typed before any read, so a value that fits no key column fails at once.
  const typed = sides.map((side) => side.columns.slice(0, keyCount).map((c, i) => keyValueFor(c, given[i], side.connectionId)));
  const rowList = await Promise.all(sides.map((side, i) => readKeyRow(side, keyCount, typed[i], input.signal)));
  const pair = (i: number, j: number): ColumnComparator[] => {
    const traits = { refEmptyTextIsNull: emptyTextIsNull(sides[i].dialect), otherEmptyTextIsNull: emptyTextIsNull(sides[j].dialect) };
    return sides[i].columns.map((c, k) => columnComparator(c, sides[j].columns[k], traits));
  };
  for (let j = 1; j < sides.length; j++) {
    pair(0, j).forEach((c) => c.note !== undefined && notes.push({ connectionId: ids[j], column: c.column, note: c.note }));
  }
  const differing = new Set<string>();
  const equalRows = (i: number, j: number): boolean => {
    const a = rowList[i];
    const b = rowList[j];
    if (a === null || b === null) return a === b;
    return differingColumns(pair(i, j), a, b).length === 0;
  };
  for (let i = 0; i < sides.length; i++) {
    for (let j = i + 1; j < sides.length; j++) {
      const a = rowList[i];
      const b = rowList[j];
      if (a && b) for (const name of differingColumns(pair(i, j), a, b)) differing.add(name);
    }
  }
  const groups = groupByEquality(ids.length, equalRows).map((g) => g.map((i) => ids[i]));
  return {
    key: typed[0].map(encodeValue),
    keyColumns: firstKeys.map((c) => c.name),
    columns: common.map((c) => c.name),
    rows: Object.fromEntries(ids.map((id, i) => [id, rowList[i]])),
    consistent: groups.length === 1,
    majority: majorityOf(groups),
    groups,
    differingColumns: common.map((c) => c.name).filter((name) => differing.has(name)),
    notes,
  };
}

/**
 * Connections (by index) grouped by equal rows: each joins the first group whose first member
 * it equals, else starts a new group. Groups come in the order of their first members.
 */
export function groupByEquality(count: number, equal: (a: number, b: number) => boolean): number[][] {
  const groups: number[][] = [];
  for (let i = 0; i < count; i++) {
    const group = groups.find((g) => equal(g[0], i));
    if (group) group.push(i);
    else groups.push([i]);
  }
  return groups;
}

/** The largest group; among equally large ones, the one listed first (its first member comes earliest). */
export function majorityOf<T>(groups: T[][]): T[] {
  let best: T[] = [];
  for (const group of groups) if (group.length > best.length) best = group;
  return best;
}

/** The given key as one raw value per key column, in key order (object properties named as on the first side), checked for shape. */
function keyByColumn(key: ArbitrateInput['key'], keys: NeutralColumn[]): unknown[] {
  const names = keys.map((c) => c.name);
  if (typeof key !== 'object' || key === null) {
    if (keys.length !== 1) throw new ArbiterError('key', `the key has ${keys.length} columns (${names.join(', ')}): give it as a JSON object naming each`);
    return [key];
  }
  if (Array.isArray(key)) throw new ArbiterError('key', 'a key is a value or a JSON object naming each key column, not an array');
  const out = new Map<string, unknown>();
  for (const [name, value] of Object.entries(key)) {
    const column = findColumn(keys, name);
    if (!column) throw new ArbiterError('key', `key.${name.slice(0, 128)} is not a key column (the key columns are ${names.join(', ')})`);
    if (out.has(column.name)) throw new ArbiterError('key', `key column ${column.name} is given twice`);
    out.set(column.name, value);
  }
  const missing = names.filter((n) => !out.has(n));
  if (missing.length) throw new ArbiterError('key', `the key lacks key column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  return names.map((n) => out.get(n));
}

const INTEGER_KINDS = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);
const WIDE_INTEGER_KINDS = new Set(['int64', 'uint64']);
const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT_TEXT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A real calendar date (and time): the fields survive a round trip through Date.UTC. */
function validCalendar(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): boolean {
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === s;
}

/** 'YYYY-MM-DD HH:MM:SS[.f]' in UTC from a text with or without an offset (none: already UTC). */
function utcWallClock(text: string): string | undefined {
  const m = INSTANT_TEXT.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  if (y < 1 || !validCalendar(y, mo, d, h, mi, s)) return undefined;
  const fraction = m[7] ?? '';
  const zone = (m[8] ?? 'Z').toUpperCase();
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2) || '0');
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s) - offsetMinutes * 60_000);
  if (t.getUTCFullYear() < 1 || t.getUTCFullYear() > 9999) return undefined;
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}${fraction}`;
}

/**
 * A caller's key value in the lossless neutral form of `column`'s kind (VALUE_FORMS), so the
 * dialect spells it as an exact literal: integers as bigint (64-bit) or exact numbers, decimals
 * as plain text, timestamps in UTC
 * (an offset is applied; a zone-less column holds the UTC wall clock, as copies write it), uuids
 * in lower case, booleans from true/false/1/0.
 */
export function keyValueFor(column: NeutralColumn, raw: unknown, connectionId?: string): NeutralValue {
  const kind = column.type.kind;
  const bad = (what: string) => new ArbiterError('key', `key.${column.name}: ${JSON.stringify(String(raw).slice(0, 60))} is not ${what}${connectionId ? ` (its type on connection ${connectionId})` : ''}`, connectionId);
  if (raw === null || raw === undefined) throw new ArbiterError('key', `key.${column.name}: a key value cannot be null`);
  if (typeof raw === 'object') throw new ArbiterError('key', `key.${column.name}: must be a text, number or boolean, not ${Array.isArray(raw) ? 'an array' : 'an object'}`);
  if (typeof raw === 'string' && raw.includes('\u0000')) throw new ArbiterError('key', `key.${column.name}: must not contain NUL (U+0000)`);
  if (!LOOKUP_KINDS.has(kind)) throw new ArbiterError('keyColumns', `key column ${column.name} is of type ${kind}${connectionId ? ` on connection ${connectionId}` : ''}, which cannot be looked up exactly`, connectionId);
  const text = typeof raw === 'number' ? (Number.isFinite(raw) ? numberText(raw) : '') : String(raw).trim();
  if (INTEGER_KINDS.has(kind)) {
    if (typeof raw === 'boolean' || !NUMBER_TEXT.test(text)) throw bad('a whole number');
    const plain = normalizeDecimal(text);
    if (plain.includes('.')) throw bad('a whole number');
    // VALUE_FORMS: 64-bit kinds as bigint, the smaller ones as exact numbers.
    const n = BigInt(plain);
    return WIDE_INTEGER_KINDS.has(kind) || n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER) ? n : Number(n);
  }
  switch (kind) {
    case 'decimal':
      if (typeof raw === 'boolean' || !NUMBER_TEXT.test(text)) throw bad('a decimal number');
      return normalizeDecimal(text);
    case 'date': {
      const m = DATE_TEXT.exec(text);
      if (!m || !validCalendar(Number(m[1]), Number(m[2]), Number(m[3]))) throw bad('a date (YYYY-MM-DD)');
      return text;
    }
    case 'timestamp':
    case 'timestamptz': {
      const utc = utcWallClock(text);
      if (utc === undefined) throw bad('a timestamp (YYYY-MM-DD HH:MM:SS[.fraction][offset])');
      return kind === 'timestamptz' ? `${utc}+00:00` : utc;
    }
    case 'uuid':
      if (!UUID_TEXT.test(text)) throw bad('a uuid');
      return text.toLowerCase();
    case 'bool': {
      const lower = text.toLowerCase();
      if (['true', 't', '1'].includes(lower)) return true;
      if (['false', 'f', '0'].includes(lower)) return false;
      throw bad('a boolean (true or false)');
    }
    default:
      // Text: exactly as given (a query string's surrounding spaces are part of a text key).
      return typeof raw === 'string' ? raw : text;
  }
}

/** A JS number in plain notation (JSON numbers from a composite key). */
function numberText(n: number): string {
  const text = String(n);
  if (!/e/i.test(text)) return text;
  if (Number.isInteger(n)) return BigInt(n).toString();
  return n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * The row of `side` holding the key, or null. The key is looked up with an exact literal per
 * key column, then matched by comparison text (code points for text), so a case- or
 * accent-insensitive collation that returns 'apple' for 'Apple' never passes for the row.
 */
async function readKeyRow(side: DescribedSide, keyCount: number, values: NeutralValue[], signal?: AbortSignal): Promise<NeutralValue[] | null> {
  const keyColumns = side.columns.slice(0, keyCount);
  let where: string;
  try {
    where = keyInPredicate(side.dialect, keyColumns, [values]);
  } catch (error) {
    if (error instanceof LiteralError) throw new ArbiterError('key', `key: ${error.message} (connection ${side.connectionId})`, side.connectionId);
    throw error;
  }
  const own = keyColumns.map((c) => columnComparator(c, c));
  const wanted = values.map((v, i) => own[i].ref(v));
  const matches: NeutralValue[][] = [];
  const request = { table: side.table, columns: side.columns, keyColumns: keyColumns.map((c) => c.name), where, batchSize: 16, ...(signal && { signal }) };
  for await (const batch of side.data.reader.read(request)) {
    for (const row of batch.rows) {
      if (row.slice(0, keyCount).every((v, i) => own[i].ref(v) === wanted[i])) matches.push(row);
    }
    if (matches.length > MAX_MATCHES) break;
  }
  if (matches.length > MAX_MATCHES) {
    throw new ArbiterError('keyColumns', `more than one row of ${side.table.schema}.${side.table.name} on connection ${side.connectionId} holds this key: the key columns are not unique there`, side.connectionId);
  }
  return matches[0] ?? null;
}

/**
 * A value as JSON, losslessly and in the one form keys already take (key-codec.ts): 64-bit
 * integers as {"$int": "…"}, binary as {"$bytes": "<base64>"}; decimals, timestamps, uuids and
 * JSON as their neutral text; NaN and ±Infinity of a float as the strings "NaN", "Infinity",
 * "-Infinity".
 */
export function jsonSafeValue(value: NeutralValue): EncodedValue {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return value.map(jsonSafeValue);
  return encodeValue(value);
}

/** A row as a JSON object by column name (values through jsonSafeValue). */
export function jsonSafeRow(columns: string[], row: NeutralValue[]): Record<string, EncodedValue> {
  return Object.fromEntries(columns.map((name, i) => [name, jsonSafeValue(row[i])]));
}
