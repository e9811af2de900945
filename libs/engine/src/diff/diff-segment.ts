import { isDeepStrictEqual } from 'node:util';
import type { ChecksumRequest, ChecksumResult, DataPlane, DialectName, KeyRange, NeutralColumn, NeutralValue, TableRef } from '@dbferry/dialects-core';
import { emptyTextIsNull } from '@dbferry/dialects';
import { keyOrderAgrees } from '../copy/key-order';
import { LOOKUP_KEY_KINDS } from '../incremental/sql-literal';
import { keyInPredicate } from '../incremental/watermark';
import { decodeKey, type EncodedValue, encodeValue } from '../plan/key-codec';
import { type ColumnComparator, columnComparator, differingColumns, keyText } from './row-compare';

export const DEFAULT_BISECTION_FACTOR = 32;
/**
 * Rows a segment may hold on every side to be compared row by row. Each unequal leaf streams its
 * rows from every side, which costs several times its checksum per row: with 10 differences
 * spread over 1M rows, leaves of 4,096 rows stream about 4% of the table where 16,384 streamed 16%.
 */
export const DEFAULT_BISECTION_THRESHOLD = 4096;
/** Segments the first split of a large table makes at most (about `referenceRowEstimate` / threshold). */
export const MAX_FIRST_SPLIT = 1024;
/** Segments `diffTable` diffs at once by default (the databases checksum them in parallel). */
export const DEFAULT_DIFF_CONCURRENCY = 4;
/** Rows per batch when a segment's rows or keys are streamed. */
const READ_BATCH = 5000;
/** Splits beyond this depth stop and compare rows (32^12 ranges would be reached long before on a unique key). */
const MAX_DEPTH = 12;

/** One side of a diff: a table on one connection, its columns typed as that database holds them. */
export interface DiffSide {
  connectionId: string;
  dialect: DialectName;
  table: TableRef;
  /** The compared columns (same order on every side: keys first, then the rest), as this side holds them. */
  columns: NeutralColumn[];
  /** A validated filter in this side's SQL. */
  where?: string;
}

export interface DiffColumnNote {
  connectionId: string;
  column: string;
  note: string;
}

/**
 * Everything a diff segment needs, resolved once by `planDiff` (plain JSON, like a run's
 * TableSnapshot): the sides, the key, how segments are cut and the per-column notes.
 */
export interface DiffSnapshot {
  v: 1;
  reference: DiffSide;
  others: DiffSide[];
  /** Number of leading columns (of `columns`) that form the key. */
  keyCount: number;
  /**
   * 'ranges': every side orders every key column in the neutral order (keyOrderAgrees), so a key
   * range cut on one side is the same set of keys on each; segments are bisected.
   * 'lookup': some side orders a key column by its own collation (text keys), so a range means
   * other keys on each side: the checksum is taken over the whole table (order-independent) and,
   * when unequal, each side is cut in ranges of its OWN order and its rows' keys are looked up on
   * the other sides in batches (`key IN (…)`), matched by code points in the worker: the
   * reference's ranges give missing and different rows, each other's give its extra rows.
   * 'whole': as 'lookup' but a key kind has no exact SQL literal: the table's rows are compared
   * in memory at once.
   */
  partition: 'ranges' | 'lookup' | 'whole';
  bisectionFactor: number;
  bisectionThreshold: number;
  notes: DiffColumnNote[];
  /**
   * The reference's row estimate (catalogue statistics) at plan time. Above `bisectionFactor` ×
   * `bisectionThreshold` rows a 'ranges' diff splits the whole table at once instead of first
   * checksumming it whole: its sub-segments' checksums sum to one pass of the table either way,
   * and a table with any difference saves a whole pass.
   */
  referenceRowEstimate?: number;
  /**
   * 'native' when every side is the same dialect: each database may checksum with its own cheaper
   * hash of the same row text (ChecksumRequest.digest), never compared with another dialect's.
   * 'typed' when besides every column has the same native and neutral type on every side
   * (`sameColumnType`): each database may hash the values by their types, with no row text.
   * Absent (and in snapshots planned before it): the portable md5 digest.
   */
  digest?: 'native' | 'typed';
}

/** A key range to diff (bounds in the lossless key codec), and the connections still to compare there. */
export interface DiffSegment {
  lower?: EncodedValue[];
  upper?: EncodedValue[];
  /** Connection ids of the others still unequal to the reference in this range. */
  others: string[];
  depth: number;
  /**
   * A lookup segment ('lookup' partition): stream this side's rows of the range (bounds in ITS
   * order) and look their keys up on the others: REFERENCE_SIDE gives missing and different rows
   * for `others`; a connection id gives that connection's extra rows.
   */
  lookup?: string;
}

/** `DiffSegment.lookup` naming the reference. */
export const REFERENCE_SIDE = '$reference';

export interface DiffPorts {
  reference: DataPlane;
  /** Each other connection's data plane, by connection id. */
  others: Record<string, DataPlane>;
  signal?: AbortSignal;
}

export interface RowDifference {
  key: EncodedValue[];
  columns: string[];
}

export interface SegmentComparison {
  connectionId: string;
  /** Reference rows of the segment compared against this connection. */
  rowsCompared: number;
  /** Keys the reference has and this connection lacks. */
  missing: EncodedValue[][];
  /** Keys only this connection has. */
  extra: EncodedValue[][];
  different: RowDifference[];
}

export type SegmentOutcome =
  /**
   * Equal (or compared) for every connection of the segment: `compared` per connection;
   * `rowsCompared` the reference rows this step settled (a table's total is their sum).
   */
  | { kind: 'done'; equal: string[]; rowsCompared: number; compared: SegmentComparison[] }
  /** Too large to compare yet: diff these sub-segments (enqueue them); `equal` connections are done here. */
  | { kind: 'split'; equal: string[]; rowsCompared: number; segments: DiffSegment[] };

/** A diff request the sides cannot satisfy (a missing key or column): names the field. */
export class DiffPlanError extends Error {
  readonly transient = false;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'DiffPlanError';
  }
}

export interface PlanDiffSideInput {
  connectionId: string;
  dialect: DialectName;
  data: DataPlane;
  table: TableRef;
  where?: string;
  /** This side's name of a reference column where it differs (a column renamed by a job's transforms), by reference name. */
  renamed?: Record<string, string>;
}

export interface PlanDiffInput {
  reference: PlanDiffSideInput;
  others: PlanDiffSideInput[];
  /** Default: the reference's primary key. */
  keyColumns?: string[];
  /** Default: every column of the reference that each other side has too (noted where one lacks it). */
  columns?: string[];
  bisectionFactor?: number;
  bisectionThreshold?: number;
}

const LOOKUP_KINDS = new Set<string>(LOOKUP_KEY_KINDS);

const findColumn = (columns: NeutralColumn[], name: string) => columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());

/** Describes every side once and freezes the diff of one table. */
export async function planDiff(input: PlanDiffInput): Promise<DiffSnapshot> {
  const factor = input.bisectionFactor ?? DEFAULT_BISECTION_FACTOR;
  const threshold = input.bisectionThreshold ?? DEFAULT_BISECTION_THRESHOLD;
  if (!Number.isInteger(factor) || factor < 2 || factor > 1024) throw new DiffPlanError('bisectionFactor', 'bisectionFactor must be an integer from 2 to 1024');
  if (!Number.isInteger(threshold) || threshold < 1) throw new DiffPlanError('bisectionThreshold', 'bisectionThreshold must be a positive integer');
  const describe = async (side: PlanDiffSideInput) => {
    const schema = await side.data.introspector.describeTable(side.table);
    if (!schema) throw new DiffPlanError('tables', `table ${side.table.schema}.${side.table.name} does not exist on connection ${side.connectionId}`);
    return schema;
  };
  const refSchema = await describe(input.reference);
  const otherSchemas = await Promise.all(input.others.map(describe));
  const keyNames = input.keyColumns?.length ? input.keyColumns : refSchema.primaryKey;
  if (!keyNames.length) throw new DiffPlanError('keyColumns', `table ${refSchema.schema}.${refSchema.name} has no primary key: name its keyColumns`);
  const notes: DiffColumnNote[] = [];
  const refKeys = keyNames.map((k) => {
    const column = findColumn(refSchema.columns, k);
    if (!column) throw new DiffPlanError('keyColumns', `key column ${k} is not a column of ${refSchema.schema}.${refSchema.name}`);
    return column;
  });
  const requested = input.columns?.length ? input.columns : refSchema.columns.map((c) => c.name);
  const refRest: NeutralColumn[] = [];
  for (const name of requested) {
    const column = findColumn(refSchema.columns, name);
    if (!column) throw new DiffPlanError('columns', `column ${name} is not a column of ${refSchema.schema}.${refSchema.name}`);
    if (refKeys.includes(column)) continue;
    const lacking = input.others.filter((o, i) => !findColumn(otherSchemas[i].columns, o.renamed?.[column.name] ?? column.name));
    if (lacking.length && input.columns?.length) throw new DiffPlanError('columns', `column ${name} is not a column of the table on connection ${lacking[0].connectionId}`);
    if (lacking.length) {
      for (const o of lacking) notes.push({ connectionId: o.connectionId, column: column.name, note: 'not a column of this side: not compared' });
      continue;
    }
    refRest.push(column);
  }
  const refColumns = [...refKeys, ...refRest];
  const others: DiffSide[] = input.others.map((o, i) => {
    const columns = refColumns.map((c, j) => {
      const found = findColumn(otherSchemas[i].columns, o.renamed?.[c.name] ?? c.name);
      if (!found) throw new DiffPlanError(j < refKeys.length ? 'keyColumns' : 'columns', `column ${c.name} is not a column of the table on connection ${o.connectionId}`);
      return found;
    });
    const traits = { refEmptyTextIsNull: emptyTextIsNull(input.reference.dialect), otherEmptyTextIsNull: emptyTextIsNull(o.dialect) };
    refColumns.forEach((c, j) => {
      const note = columnComparator(c, columns[j], traits).note;
      if (note) notes.push({ connectionId: o.connectionId, column: c.name, note });
    });
    return { connectionId: o.connectionId, dialect: o.dialect, table: o.table, columns, ...(o.where !== undefined && { where: o.where }) };
  });
  const ordered = input.others.every((o, i) => keyOrderAgrees(input.reference.data, o.data, refKeys, others[i].columns.slice(0, refKeys.length)));
  const lookups = [refKeys, ...others.map((o) => o.columns.slice(0, refKeys.length))].every((keys) => keys.every((k) => LOOKUP_KINDS.has(k.type.kind)));
  return {
    v: 1,
    reference: { connectionId: input.reference.connectionId, dialect: input.reference.dialect, table: input.reference.table, columns: refColumns, ...(input.reference.where !== undefined && { where: input.reference.where }) },
    others,
    keyCount: refKeys.length,
    partition: ordered ? 'ranges' : lookups ? 'lookup' : 'whole',
    bisectionFactor: factor,
    bisectionThreshold: threshold,
    notes,
    ...(refSchema.rowEstimate !== null && { referenceRowEstimate: refSchema.rowEstimate }),
    ...(input.others.every((o) => o.dialect === input.reference.dialect) && {
      digest: others.every((o) => o.columns.every((c, j) => sameColumnType(refColumns[j], c))) ? ('typed' as const) : ('native' as const),
    }),
  };
}

/**
 * The same column type on two sides of one dialect: the same native type (typmods included) and
 * the same neutral type. Only then may a typed digest hash a column by its type on each side: two
 * types' hashes may agree where the diff's rules do not (an int4 day number and a date) or
 * disagree where they agree (an integer and a numeric holding 7).
 */
export function sameColumnType(a: NeutralColumn, b: NeutralColumn): boolean {
  return a.nativeType.trim().toLowerCase() === b.nativeType.trim().toLowerCase() && isDeepStrictEqual(a.type, b.type);
}

/** The first segment of a diff: the whole table, every other connection. */
export function initialSegment(snapshot: DiffSnapshot): DiffSegment {
  return { others: snapshot.others.map((o) => o.connectionId), depth: 0 };
}

const keyNamesOf = (side: DiffSide, keyCount: number) => side.columns.slice(0, keyCount).map((c) => c.name);

function rangeOf(segment: DiffSegment): KeyRange {
  const lower = decodeKey(segment.lower);
  const upper = decodeKey(segment.upper);
  return { ...(lower && { lower }), ...(upper && { upper }) };
}

function sideById(snapshot: DiffSnapshot, id: string): DiffSide {
  const side = snapshot.others.find((o) => o.connectionId === id);
  if (!side) throw new DiffPlanError('otherIds', `connection ${id} is not part of this diff`);
  return side;
}

function planeOf(ports: DiffPorts, id: string): DataPlane {
  const plane = ports.others[id];
  if (!plane) throw new Error(`no open data plane for connection ${id}`);
  return plane;
}

/** What a side's checksummer is asked for a range: its table, columns, key, filter and the diff's digest. */
function checksumRequestOf(snapshot: DiffSnapshot, side: DiffSide, range: KeyRange): ChecksumRequest {
  return {
    table: side.table,
    columns: side.columns,
    keyColumns: keyNamesOf(side, snapshot.keyCount),
    range,
    ...(side.where !== undefined && { where: side.where }),
    ...(snapshot.digest && { digest: snapshot.digest }),
  };
}

function checksumOf(snapshot: DiffSnapshot, plane: DataPlane, side: DiffSide, range: KeyRange): Promise<ChecksumResult> {
  return plane.checksummer.checksum(checksumRequestOf(snapshot, side, range));
}

/**
 * One step of the diff of one key range: count and checksum inside every database of the
 * segment (the dialect's checksum SQL, or the worker-side reference where the dialect computes
 * it there); connections equal to the reference are done; if any differ, the segment is either
 * compared row by row (at most `bisectionThreshold` rows on every side, or a 'whole' partition)
 * or split into `bisectionFactor` sub-segments for the caller to enqueue. Never recurses.
 */
export async function diffSegment(snapshot: DiffSnapshot, segment: DiffSegment, ports: DiffPorts): Promise<SegmentOutcome> {
  if (segment.lookup !== undefined) {
    const { rowsCompared, compared } = await lookupSegment(snapshot, segment, ports);
    return { kind: 'done', equal: [], rowsCompared, compared };
  }
  const range = rangeOf(segment);
  const sides = segment.others.map((id) => sideById(snapshot, id));
  if (snapshot.partition === 'ranges' && !range.lower && !range.upper && (snapshot.referenceRowEstimate ?? 0) > snapshot.bisectionFactor * snapshot.bisectionThreshold) {
    const bounds = await splitBounds(snapshot, snapshot.reference, ports.reference, range, snapshot.referenceRowEstimate ?? 0, ports.signal, firstSplitParts(snapshot));
    if (bounds.length) {
      const segments = subSegments(range, bounds, segment.others, segment.depth);
      return (await settleBuckets(snapshot, segments, sides, ports, range, bounds)) ?? { kind: 'split', equal: [], rowsCompared: 0, segments };
    }
  }
  const [refSum, ...otherSums] = await Promise.all([
    checksumOf(snapshot, ports.reference, snapshot.reference, range),
    ...sides.map((s) => checksumOf(snapshot, planeOf(ports, s.connectionId), s, range)),
  ]);
  const equal = sides.filter((_, i) => otherSums[i].rows === refSum.rows && otherSums[i].hash === refSum.hash).map((s) => s.connectionId);
  const unequal = sides.filter((s) => !equal.includes(s.connectionId));
  const unequalSums = otherSums.filter((_, i) => !equal.includes(sides[i].connectionId));
  if (!unequal.length) return { kind: 'done', equal, rowsCompared: refSum.rows, compared: [] };
  const largest = Math.max(refSum.rows, ...unequalSums.map((s) => s.rows));
  if (snapshot.partition === 'lookup' && largest > snapshot.bisectionThreshold) {
    return { kind: 'split', equal, rowsCompared: 0, segments: await lookupSegments(snapshot, unequal, ports) };
  }
  // A key column that is not unique could hold more rows than the threshold under one key: depth bounds the splitting.
  if (snapshot.partition === 'whole' || largest <= snapshot.bisectionThreshold || segment.depth >= MAX_DEPTH) {
    const compared = await compareSegment(snapshot, { ...segment, others: unequal.map((s) => s.connectionId) }, ports);
    return { kind: 'done', equal, rowsCompared: refSum.rows, compared };
  }
  // Split on the side holding the most rows of the range, so every sub-range shrinks on it.
  const counts = [refSum.rows, ...unequalSums.map((s) => s.rows)];
  const at = counts.indexOf(largest);
  const splitSide = at === 0 ? snapshot.reference : unequal[at - 1];
  const splitPlane = at === 0 ? ports.reference : planeOf(ports, splitSide.connectionId);
  const bounds = await splitBounds(snapshot, splitSide, splitPlane, range, largest, ports.signal);
  if (!bounds.length) {
    const compared = await compareSegment(snapshot, { ...segment, others: unequal.map((s) => s.connectionId) }, ports);
    return { kind: 'done', equal, rowsCompared: refSum.rows, compared };
  }
  return { kind: 'split', equal, rowsCompared: 0, segments: subSegments(range, bounds, unequal.map((s) => s.connectionId), segment.depth) };
}

/**
 * The first split's parts checksummed in one pass per side (Checksummer.checksumBuckets) instead
 * of one statement per part: the parts every connection agrees on are settled here (their
 * reference rows counted in `rowsCompared`), and only the others are returned, each carrying the
 * connections still unequal there, to be checksummed again and compared. Null when some side
 * cannot bucket (another dialect, another key, a digest taken in the worker): every part is then
 * a segment of its own, as before.
 */
async function settleBuckets(snapshot: DiffSnapshot, segments: DiffSegment[], sides: DiffSide[], ports: DiffPorts, range: KeyRange, bounds: NeutralValue[][]): Promise<SegmentOutcome | null> {
  const bucketsOf = (plane: DataPlane, side: DiffSide) =>
    plane.checksummer.checksumBuckets ? plane.checksummer.checksumBuckets(checksumRequestOf(snapshot, side, range), bounds) : Promise.resolve(null);
  // Every side must bucket, or none is asked (one side's pass alone would be wasted).
  if (![ports.reference, ...sides.map((s) => planeOf(ports, s.connectionId))].every((plane) => plane.checksummer.checksumBuckets)) return null;
  const [ref, ...others] = await Promise.all([bucketsOf(ports.reference, snapshot.reference), ...sides.map((s) => bucketsOf(planeOf(ports, s.connectionId), s))]);
  if (!ref || others.some((o) => !o)) return null;
  let rowsCompared = 0;
  const unequal: DiffSegment[] = [];
  segments.forEach((part, i) => {
    const differing = sides.filter((_, j) => others[j]?.[i]?.rows !== ref[i]?.rows || others[j]?.[i]?.hash !== ref[i]?.hash).map((s) => s.connectionId);
    if (differing.length) unequal.push({ ...part, others: differing });
    else rowsCompared += ref[i]?.rows ?? 0;
  });
  if (!unequal.length) return { kind: 'done', equal: sides.map((s) => s.connectionId), rowsCompared, compared: [] };
  return { kind: 'split', equal: [], rowsCompared, segments: unequal };
}

/** The sub-segments of `range` cut at `bounds` (ascending), one level deeper. */
function subSegments(range: KeyRange, bounds: NeutralValue[][], others: string[], depth: number): DiffSegment[] {
  const edges: (NeutralValue[] | undefined)[] = [range.lower, ...bounds, range.upper];
  const segments: DiffSegment[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const lower = edges[i];
    const upper = edges[i + 1];
    segments.push({ ...(lower && { lower: lower.map(encodeValue) }), ...(upper && { upper: upper.map(encodeValue) }), others, depth: depth + 1 });
  }
  return segments;
}

/** Each side cut in `bisectionFactor` ranges of its own key order: the reference's for `others`, each other's for its extras. */
async function lookupSegments(snapshot: DiffSnapshot, unequal: DiffSide[], ports: DiffPorts): Promise<DiffSegment[]> {
  const cut = async (side: DiffSide, plane: DataPlane, lookup: string, others: string[]): Promise<DiffSegment[]> => {
    const ranges = await plane.reader.splitRanges(side.table, side.columns.slice(0, snapshot.keyCount), snapshot.bisectionFactor, side.where);
    return (ranges.length ? ranges : [{}]).map((r) => ({
      ...(r.lower && { lower: r.lower.map(encodeValue) }),
      ...(r.upper && { upper: r.upper.map(encodeValue) }),
      others,
      depth: 1,
      lookup,
    }));
  };
  const ids = unequal.map((s) => s.connectionId);
  const fromReference = await cut(snapshot.reference, ports.reference, REFERENCE_SIDE, ids);
  const fromOthers = await Promise.all(unequal.map((s) => cut(s, planeOf(ports, s.connectionId), s.connectionId, [s.connectionId])));
  return [...fromReference, ...fromOthers.flat()];
}

/** A key value in the form the lookup side's column takes as a literal (the same value, spelled for its kind). */
function asLookupValue(column: NeutralColumn, value: NeutralValue): NeutralValue {
  if (value === null) return null;
  switch (column.type.kind) {
    case 'timestamp':
      return String(value).replace(/(Z|[+-]00(:?00)?)$/, '');
    case 'timestamptz':
      return /[+-]\d\d:\d\d$/.test(String(value)) ? String(value) : `${String(value)}+00:00`;
    case 'bool':
      return typeof value === 'boolean' ? value : Number(value) !== 0;
    case 'string': case 'char': case 'text': case 'enum': case 'uuid':
      return typeof value === 'string' ? value : String(value);
    default:
      return typeof value === 'boolean' ? (value ? 1 : 0) : value;
  }
}

/** Rows of `side` whose keys are `keys` (any side's values), read in batches of a `key IN (…)` predicate. */
async function lookupRows(plane: DataPlane, side: DiffSide, columns: NeutralColumn[], keyCount: number, keys: NeutralValue[][], signal?: AbortSignal): Promise<NeutralValue[][]> {
  const keyColumns = side.columns.slice(0, keyCount);
  const predicate = keyInPredicate(side.dialect, keyColumns, keys.map((k) => k.map((v, i) => asLookupValue(keyColumns[i], v))));
  const where = side.where !== undefined ? `(${side.where}) AND ${predicate}` : predicate;
  const rows: NeutralValue[][] = [];
  const request = { table: side.table, columns, keyColumns: keyColumns.map((c) => c.name), where, batchSize: READ_BATCH, ...(signal && { signal }) };
  for await (const batch of plane.reader.read(request)) for (const row of batch.rows) rows.push(row);
  return rows;
}

/** Keys per `key IN (…)` lookup. */
const LOOKUP_BATCH = 500;

/**
 * One lookup segment: the range's rows of one side streamed in its own order, LOOKUP_BATCH at a
 * time, their keys looked up on the others and matched by comparison text (code points), so a
 * collation that finds 'Apple' for 'apple' (or 'a' for 'a ') never makes two rows one. Memory
 * holds one batch per side.
 */
async function lookupSegment(snapshot: DiffSnapshot, segment: DiffSegment, ports: DiffPorts): Promise<{ rowsCompared: number; compared: SegmentComparison[] }> {
  const range = rangeOf(segment);
  const fromReference = segment.lookup === REFERENCE_SIDE;
  const stream = fromReference ? snapshot.reference : sideById(snapshot, segment.lookup as string);
  const streamPlane = fromReference ? ports.reference : planeOf(ports, stream.connectionId);
  const others = segment.others.map((id) => sideById(snapshot, id));
  const results = others.map((o): SegmentComparison => ({ connectionId: o.connectionId, rowsCompared: 0, missing: [], extra: [], different: [] }));
  const comparators = others.map((o) => comparatorsFor(snapshot, o));
  const k = snapshot.keyCount;
  const columns = fromReference ? stream.columns : stream.columns.slice(0, k);
  let rowsCompared = 0;
  const settle = async (batch: NeutralValue[][]) => {
    const keys = batch.map((row) => row.slice(0, k));
    if (fromReference) {
      rowsCompared += batch.length;
      for (let i = 0; i < others.length; i++) {
        const found = await lookupRows(planeOf(ports, others[i].connectionId), others[i], others[i].columns, k, keys, ports.signal);
        const keyComparators = comparators[i].slice(0, k);
        const byKey = new Map(found.map((row) => [keyText(keyComparators, row.slice(0, k), 'other'), row]));
        results[i].rowsCompared += batch.length;
        for (const row of batch) {
          const key = row.slice(0, k);
          const match = byKey.get(keyText(keyComparators, key, 'ref'));
          if (!match) results[i].missing.push(key.map(encodeValue));
          else {
            const differing = differingColumns(comparators[i], row, match);
            if (differing.length) results[i].different.push({ key: key.map(encodeValue), columns: differing });
          }
        }
      }
    } else {
      const keyComparators = comparators[0].slice(0, k);
      const found = await lookupRows(ports.reference, snapshot.reference, snapshot.reference.columns.slice(0, k), k, keys, ports.signal);
      const present = new Set(found.map((row) => keyText(keyComparators, row, 'ref')));
      for (const key of keys) if (!present.has(keyText(keyComparators, key, 'other'))) results[0].extra.push(key.map(encodeValue));
    }
  };
  let pending: NeutralValue[][] = [];
  const request = { table: stream.table, columns, keyColumns: stream.columns.slice(0, k).map((c) => c.name), range, batchSize: READ_BATCH, ...(stream.where !== undefined && { where: stream.where }), ...(ports.signal && { signal: ports.signal }) };
  for await (const batch of streamPlane.reader.read(request)) {
    for (const row of batch.rows) {
      pending.push(row);
      if (pending.length >= LOOKUP_BATCH) {
        await settle(pending);
        pending = [];
      }
    }
  }
  if (pending.length) await settle(pending);
  return { rowsCompared, compared: results };
}

/**
 * Parts of the first split of a table over `bisectionFactor` × `bisectionThreshold` rows: about
 * one per `bisectionThreshold` rows (at most MAX_FIRST_SPLIT), so an unequal part is compared at
 * once instead of re-read to be split again; every part is checksummed once either way, and many
 * parts let a fleet (or diffTable) checksum them in parallel.
 */
export function firstSplitParts(snapshot: DiffSnapshot): number {
  const estimate = snapshot.referenceRowEstimate ?? 0;
  // A quarter more parts than rows / threshold, so the statistics' error rarely leaves a part just over it.
  return Math.max(snapshot.bisectionFactor, Math.min(MAX_FIRST_SPLIT, Math.ceil((1.25 * estimate) / snapshot.bisectionThreshold)));
}

const INTEGER_KINDS = new Set<string>(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);
/** Parts a reader's splitter is asked for when the key is not a dense integer (a page sample costs more per part). */
const MAX_SAMPLED_PARTS = 128;

/**
 * A single integer key whose values fill [min, max] (nearly: the estimate is at least 90% of the
 * span): `parts` equal key intervals hold about equal rows and cost two index lookups, where the
 * reader's splitter samples pages (or numbers every key) per part. Null when that does not hold.
 */
async function denseIntegerBounds(side: DiffSide, plane: DataPlane, keyCount: number, estimate: number, parts: number): Promise<NeutralValue[][] | null> {
  const key = side.columns[0];
  if (keyCount !== 1 || !key || !INTEGER_KINDS.has(key.type.kind) || side.where !== undefined || !(estimate > 0)) return null;
  const bounds = await plane.reader.keyBounds(side.table, [key]);
  const [low, high] = [bounds?.min[0], bounds?.max[0]];
  if ((typeof low !== 'number' && typeof low !== 'bigint') || (typeof high !== 'number' && typeof high !== 'bigint')) return null;
  const min = BigInt(low);
  const span = BigInt(high) - min + 1n;
  if (span <= 0n || BigInt(Math.round(estimate)) * 10n < span * 9n) return null;
  const asNumber = typeof low === 'number';
  const cuts: NeutralValue[][] = [];
  let last: bigint | undefined;
  for (let i = 1n; i < BigInt(parts); i++) {
    const cut = min + (span * i) / BigInt(parts) - 1n;
    if (cut < min || cut >= BigInt(high) || cut === last) continue;
    cuts.push([asNumber ? Number(cut) : cut]);
    last = cut;
  }
  return cuts;
}

/**
 * Inner boundaries cutting `range` into about `parts` (default `bisectionFactor`) parts of equal
 * rows on `side`: the whole table through the reader's own splitter, a sub-range by streaming its
 * keys once.
 */
async function splitBounds(snapshot: DiffSnapshot, side: DiffSide, plane: DataPlane, range: KeyRange, rows: number, signal?: AbortSignal, parts = snapshot.bisectionFactor): Promise<NeutralValue[][]> {
  const keyColumns = side.columns.slice(0, snapshot.keyCount);
  if (!range.lower && !range.upper) {
    const dense = parts > snapshot.bisectionFactor ? await denseIntegerBounds(side, plane, snapshot.keyCount, rows, parts) : null;
    if (dense?.length) return dense;
    const ranges = await plane.reader.splitRanges(side.table, keyColumns, Math.min(parts, Math.max(snapshot.bisectionFactor, MAX_SAMPLED_PARTS)), side.where);
    const inner = ranges.map((r) => r.upper).filter((u): u is NeutralValue[] => u !== undefined);
    if (inner.length) return inner;
  }
  const step = Math.ceil(rows / parts);
  const bounds: NeutralValue[][] = [];
  let seen = 0;
  let last: NeutralValue[] | undefined;
  const request = { table: side.table, columns: keyColumns, keyColumns: keyColumns.map((c) => c.name), range, batchSize: READ_BATCH, ...(side.where !== undefined && { where: side.where }), ...(signal && { signal }) };
  for await (const batch of plane.reader.read(request)) {
    for (const row of batch.rows) {
      seen++;
      last = row;
      if (seen % step === 0) bounds.push(row);
    }
  }
  // The last boundary must leave rows above it, or the range's upper bound closes the last part anyway.
  if (bounds.length && last && bounds[bounds.length - 1] === last) bounds.pop();
  return bounds;
}

async function readAll(plane: DataPlane, side: DiffSide, keyCount: number, range: KeyRange, signal?: AbortSignal): Promise<NeutralValue[][]> {
  const rows: NeutralValue[][] = [];
  const request = { table: side.table, columns: side.columns, keyColumns: keyNamesOf(side, keyCount), range, batchSize: READ_BATCH, ...(side.where !== undefined && { where: side.where }), ...(signal && { signal }) };
  for await (const batch of plane.reader.read(request)) for (const row of batch.rows) rows.push(row);
  return rows;
}

/** The comparators of every column between the reference and one other side, in column order. */
export function comparatorsFor(snapshot: DiffSnapshot, other: DiffSide): ColumnComparator[] {
  const traits = { refEmptyTextIsNull: emptyTextIsNull(snapshot.reference.dialect), otherEmptyTextIsNull: emptyTextIsNull(other.dialect) };
  return snapshot.reference.columns.map((c, i) => columnComparator(c, other.columns[i], traits));
}

/**
 * Streams the segment's rows from the reference and each other connection and compares them
 * row by row with the exact normalisation (row-compare.ts). Rows are matched by their key's
 * comparison text, not by position, so each side may return them in its own order (text keys
 * under different collations): memory holds one segment's rows, which bisection keeps at most
 * `bisectionThreshold` per side ('ranges'; a 'lookup' table that small; a 'whole' one entirely).
 */
export async function compareSegment(snapshot: DiffSnapshot, segment: DiffSegment, ports: DiffPorts): Promise<SegmentComparison[]> {
  const range = rangeOf(segment);
  const refRows = await readAll(ports.reference, snapshot.reference, snapshot.keyCount, range, ports.signal);
  const out: SegmentComparison[] = [];
  for (const id of segment.others) {
    const side = sideById(snapshot, id);
    const comparators = comparatorsFor(snapshot, side);
    const keyComparators = comparators.slice(0, snapshot.keyCount);
    const otherRows = await readAll(planeOf(ports, id), side, snapshot.keyCount, range, ports.signal);
    const byKey = new Map<string, NeutralValue[]>();
    for (const row of otherRows) byKey.set(keyText(keyComparators, row.slice(0, snapshot.keyCount), 'other'), row);
    const result: SegmentComparison = { connectionId: id, rowsCompared: refRows.length, missing: [], extra: [], different: [] };
    for (const row of refRows) {
      const key = row.slice(0, snapshot.keyCount);
      const text = keyText(keyComparators, key, 'ref');
      const match = byKey.get(text);
      if (!match) {
        result.missing.push(key.map(encodeValue));
        continue;
      }
      byKey.delete(text);
      const columns = differingColumns(comparators, row, match);
      if (columns.length) result.different.push({ key: key.map(encodeValue), columns });
    }
    for (const row of byKey.values()) result.extra.push(row.slice(0, snapshot.keyCount).map(encodeValue));
    out.push(result);
  }
  return out;
}

export interface TableDiffResult {
  rowsCompared: number;
  /** Per other connection. */
  byConnection: Record<string, { missing: EncodedValue[][]; extra: EncodedValue[][]; different: RowDifference[] }>;
  notes: DiffColumnNote[];
  /** Segments diffed (checksummed), all depths. */
  segments: number;
}

export interface DiffTableOptions {
  /** Segments diffed at once (default DEFAULT_DIFF_CONCURRENCY); 1 diffs them one after another. */
  concurrency?: number;
}

/** Orders results as a one-at-a-time, first-in-first-out drive would: by depth, then by the path of sub-segment positions. */
const comparePaths = (a: number[], b: number[]): number => {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
};

/**
 * Drives a whole table's diff in this process: what a worker fleet does with `diffSegment` jobs,
 * for a single worker, a verify step or a test. Up to `concurrency` segments are diffed at once
 * (each database checksums its ranges in parallel sessions where its data plane has them); the
 * result lists rows in the order a one-at-a-time drive finds them, whatever the timing.
 */
export async function diffTable(snapshot: DiffSnapshot, ports: DiffPorts, options: DiffTableOptions = {}): Promise<TableDiffResult> {
  const limit = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_DIFF_CONCURRENCY));
  const queue: { segment: DiffSegment; path: number[] }[] = [{ segment: initialSegment(snapshot), path: [] }];
  const done: { path: number[]; compared: SegmentComparison[] }[] = [];
  let rowsCompared = 0;
  let segments = 0;
  await new Promise<void>((resolve, reject) => {
    let active = 0;
    let failed = false;
    const fail = (error: unknown) => {
      failed = true;
      reject(error);
    };
    const pump = () => {
      if (failed) return;
      if (ports.signal?.aborted) return fail(ports.signal.reason ?? new Error('aborted'));
      if (!queue.length && active === 0) return resolve();
      while (active < limit && queue.length) {
        const { segment, path } = queue.shift() as { segment: DiffSegment; path: number[] };
        active++;
        diffSegment(snapshot, segment, ports).then((outcome) => {
          active--;
          segments++;
          rowsCompared += outcome.rowsCompared;
          if (outcome.kind === 'split') outcome.segments.forEach((s, i) => queue.push({ segment: s, path: [...path, i] }));
          else done.push({ path, compared: outcome.compared });
          pump();
        }, fail);
      }
    };
    pump();
  });
  const byConnection: TableDiffResult['byConnection'] = Object.fromEntries(snapshot.others.map((o) => [o.connectionId, { missing: [], extra: [], different: [] }]));
  done.sort((a, b) => comparePaths(a.path, b.path));
  for (const { compared } of done) {
    for (const c of compared) {
      const into = byConnection[c.connectionId];
      // A lookup segment of another side reports extras only; its rows are the reference's elsewhere.
      into.missing.push(...c.missing);
      into.extra.push(...c.extra);
      into.different.push(...c.different);
    }
  }
  return { rowsCompared, byConnection, notes: snapshot.notes, segments };
}
