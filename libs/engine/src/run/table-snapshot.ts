import type { DataPlane, DialectName, NeutralColumn, NeutralType, NeutralValue, TableRef, WriteMode } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { chunkWriteMode, type JobWriteMode } from '../copy/copy-range';
import { keyOrderAgrees } from '../copy/key-order';
import { decodeValue, type EncodedValue, encodeValue } from '../plan/key-codec';
import type { TablePlan } from '../plan/plan-tables';
import { LOOKUP_KEY_KINDS } from '../incremental/sql-literal';
import { sincePredicate } from '../incremental/watermark';
import type { TransformOp } from '../transform/column-transforms';

/**
 * A table's column transforms as a run executes them: `columns` (what the snapshot reads) become
 * these target columns, named and typed as transformed. `salt` is the job's hash salt as the
 * control store keeps it (sealed, opaque here); the copy is given it opened.
 */
export interface SnapshotTransform {
  columns: NeutralColumn[];
  keyColumns: string[];
  ops?: TransformOp[];
  hashes: boolean;
  /** Source column name → target name for the columns copied unchanged (a verify compares those). */
  unchanged: Record<string, string>;
  salt?: unknown;
}

const LOOKUP_KINDS = new Set<string>(LOOKUP_KEY_KINDS);

/**
 * Everything one table of a run needs to copy a chunk, resolved once by plan-run and stored
 * with the run (run_table.snapshot): chunks and finish-run execute from it alone, so editing
 * or deleting the job while the run goes on changes nothing of that run. Plain JSON; values
 * in the lossless key/value codec (encodeValue).
 */
export interface TableSnapshot {
  v: 1;
  /** Each end's database, and the stored connection it was planned on (the worker opens that one, not the job's current one). */
  source: { dialect: DialectName; table: TableRef; connectionId?: string };
  target: {
    dialect: DialectName;
    table: TableRef;
    connectionId?: string;
    /** How many chunks may load the table at once (Dialect.tableLoadWriters for the server planned on); absent: no cap of its own. */
    loadWriters?: number;
  };
  /** The columns copied, typed as the source holds them, in copy order. */
  columns: NeutralColumn[];
  /** Key column names, in key order (empty for a keyless table). */
  keyColumns: string[];
  /** The key columns as the target holds them (a column of another type sorts as its own type). */
  targetKeyColumns: NeutralColumn[];
  /** False without a usable key: copied whole through a staging table, never resumed part-way. */
  resumable: boolean;
  /** The job's filter rendered in the source's SQL (without the incremental window). */
  filter?: string;
  /** The final read predicate of every chunk: the filter AND the incremental window. */
  where?: string;
  /** An incremental table: the column whose watermark the chunks track, and this run's inclusive lower bound. */
  incremental?: { column: NeutralColumn; since?: EncodedValue };
  write: {
    /** As executed: replace-range only when both ends order every key column alike (keyOrderAgrees). */
    mode: WriteMode;
    /** The check that the target holds what was written (CopyRangeInput.verify). */
    verify: 'range' | 'keys' | 'none';
    /** After an upsert, remove the range's target rows whose keys the source no longer has. */
    deleteMissing: boolean;
  };
  batchSize: number;
  nul: 'strip' | 'reject';
  /** The job's reject budget for the whole run. */
  maxRejects: number;
  /** Names the staging table of a keyless copy, so a retry finds and drops its own leftover. */
  stagingTag: string;
  /** The DDL plan-run applied to the target for this table. */
  ddl: string[];
  /**
   * The table was created by this run without its primary key and indexes, to be built after the
   * load (finish-run, buildDeferredKey): these statements build them. While it is set, a chunk's
   * first attempt inserts without deleting its range and proves its rows by the database's own
   * count (the range is known empty); a retried chunk deletes and counts its range by a scan.
   */
  deferredKey?: { statements: string[] };
  /**
   * The job's `verify` option as planned: once every chunk is copied, finish-run diffs the table
   * (source with `filter` against the whole target, see verifyTable). Absent in older snapshots: off.
   */
  diffAfterCopy?: boolean;
  /** The table's column transforms (absent: none; the target gets `columns` as read). */
  transform?: SnapshotTransform;
}

/** The job settings a snapshot freezes (read from the job at plan time only). */
export interface SnapshotJobSettings {
  mode: 'full' | 'incremental';
  writeMode: JobWriteMode;
  deleteMissing: boolean;
  batchSize: number;
  nul: 'strip' | 'reject';
  maxRejects: number;
  /** Diff the table once the run copied it (verified sync); default off. */
  verify?: boolean;
}

export interface SnapshotTableInput {
  plan: TablePlan;
  source: { dialect: DialectName; data: DataPlane; connectionId?: string };
  target: { dialect: DialectName; data: DataPlane; connectionId?: string; serverVersion?: string };
  job: SnapshotJobSettings;
  /** An incremental run's inclusive lower bound (the watermark less the lookback); absent: read everything. */
  since?: NeutralValue;
  stagingTag: string;
  /** The job's hash salt, sealed as the control store keeps it: frozen with a table whose transforms hash. */
  sealedSalt?: unknown;
}

/**
 * The one place the incremental read predicate is built: the job's filter AND the column at or
 * after `since` (inclusive, so rows tied with the watermark are read again and upserted).
 */
export function readPredicate(dialect: DialectName, filter: string | undefined, incremental?: { column: NeutralColumn; since?: NeutralValue }): string | undefined {
  if (!incremental || incremental.since === undefined) return filter;
  const window = sincePredicate(dialect, incremental.column, incremental.since);
  return filter ? `(${filter}) AND ${window}` : window;
}

/** The neutral key columns of a plan (or snapshot), in key order. */
export function keyColumnsOf(table: { columns: NeutralColumn[]; keyColumns: string[] }): NeutralColumn[] {
  return table.keyColumns.map((k) => {
    const column = table.columns.find((c) => c.name === k);
    if (!column) throw new Error(`key column ${k} is not among the columns copied`);
    return column;
  });
}

/**
 * Freezes one planned table into its snapshot: reads the target's own key columns once (after
 * the DDL ran), and decides the write mode as chunks will execute it.
 */
export async function snapshotTable(input: SnapshotTableInput): Promise<TableSnapshot> {
  const { plan, job } = input;
  const keys = plan.resumable ? keyColumnsOf(plan) : [];
  let targetKeys = keys;
  if (plan.resumable) {
    const described = await input.target.data.introspector.describeTable(plan.target);
    const named = (k: NeutralColumn, i: number) => plan.transform?.keyColumns[i] ?? k.name;
    targetKeys = keys.map((k, i) => described?.columns.find((c) => c.name === named(k, i)) ?? { ...k, name: named(k, i) });
  }
  const incremental = job.mode === 'incremental';
  const ordered = plan.resumable && keyOrderAgrees(input.source.data, input.target.data, keys, targetKeys);
  const lookups = [...keys, ...targetKeys].every((c) => LOOKUP_KINDS.has(c.type.kind));
  const mode: WriteMode = !plan.resumable ? 'replace-range' : incremental || !ordered ? 'upsert' : chunkWriteMode(job.writeMode);
  // A replaced range already lost the keys the source no longer has; an upserted one did not.
  const sweep = job.deleteMissing || (!ordered && !incremental && job.writeMode !== 'upsert');
  const deleteMissing = sweep && lookups && plan.resumable && mode === 'upsert';
  // The key's build waits for the load only where no chunk needs it: a full copy replacing key
  // ranges. Otherwise it is built now, on the empty table.
  const defer = !!plan.deferredKey?.length && mode === 'replace-range' && !incremental && !deleteMissing;
  if (plan.deferredKey?.length && !defer) await input.target.data.execute(plan.deferredKey);
  if (mode === 'upsert' && plan.resumable) await requireUniqueKey(input.target.data, plan.target, targetKeys.map((k) => k.name));
  const column = incremental && plan.incrementalColumn ? plan.columns.find((c) => c.name === plan.incrementalColumn) : undefined;
  const window = column ? { column, ...(input.since !== undefined && { since: input.since }) } : undefined;
  const loadWriters = input.target.serverVersion === undefined ? undefined : dialectFor(input.target.dialect).tableLoadWriters?.(input.target.serverVersion);
  return {
    v: 1,
    source: { dialect: input.source.dialect, table: plan.source, ...(input.source.connectionId && { connectionId: input.source.connectionId }) },
    target: {
      dialect: input.target.dialect,
      table: plan.target,
      ...(input.target.connectionId && { connectionId: input.target.connectionId }),
      ...(loadWriters !== undefined && { loadWriters }),
    },
    columns: plan.columns,
    keyColumns: plan.resumable ? plan.keyColumns : [],
    targetKeyColumns: targetKeys,
    resumable: plan.resumable,
    ...(plan.where !== undefined && { filter: plan.where }),
    ...(readPredicate(input.source.dialect, plan.where, window) !== undefined && { where: readPredicate(input.source.dialect, plan.where, window) }),
    ...(column && { incremental: { column, ...(input.since !== undefined && { since: encodeValue(input.since) }) } }),
    write: {
      mode,
      verify: ordered ? 'range' : lookups ? 'keys' : 'none',
      deleteMissing,
    },
    batchSize: job.batchSize,
    nul: job.nul,
    maxRejects: job.maxRejects,
    stagingTag: input.stagingTag,
    ddl: plan.ddl,
    ...(defer && { deferredKey: { statements: plan.deferredKey as string[] } }),
    diffAfterCopy: job.verify ?? false,
    ...(plan.transform && {
      transform: {
        columns: plan.transform.columns,
        keyColumns: plan.transform.keyColumns,
        ...(plan.transform.ops && { ops: plan.transform.ops }),
        hashes: plan.transform.hashes,
        unchanged: plan.transform.unchanged,
        ...(plan.transform.hashes && input.sealedSalt !== undefined && { salt: input.sealedSalt }),
      },
    }),
  };
}

/**
 * An upsert matches rows by the key, so the target must enforce it: without a primary key or a
 * unique index on exactly the key columns, PostgreSQL and SQLite refuse ON CONFLICT and MySQL's
 * ON DUPLICATE KEY inserts duplicates. Refused before any chunk, naming the table (a run that
 * created it without its key and failed before building it leaves it so: docs/sync-jobs.md).
 */
async function requireUniqueKey(target: DataPlane, table: TableRef, keyColumns: string[]): Promise<void> {
  const described = await target.introspector.describeTable(table);
  if (!described) return;
  const same = (columns: string[]) => columns.length === keyColumns.length && keyColumns.every((k) => columns.includes(k));
  if (same(described.primaryKey) || described.indexes.some((i) => i.unique && same(i.columns))) return;
  throw new SnapshotError(
    `${table.schema}.${table.name} has no primary key or unique index on (${keyColumns.join(', ')}), which an upsert needs to match rows; ` +
      `add one (a run that created the table and failed before building its key leaves it without), or copy with writeMode insert`,
  );
}

/** A stored snapshot, checked for the version this engine executes. */
export function readSnapshot(stored: unknown): TableSnapshot {
  const snapshot = stored as TableSnapshot | null;
  if (!snapshot || snapshot.v !== 1) throw new SnapshotError(`the run's table snapshot is ${snapshot ? `version ${String(snapshot.v)}` : 'missing'}; this engine executes version 1`);
  return snapshot;
}

/**
 * The neutral types that order an incremental table's watermarks (its column's, then its key
 * columns'): finish-run compares the chunks' and the stored watermark by these, never by the
 * shape of a value. Undefined for a table that is not incremental.
 */
export function watermarkOrder(snapshot: TableSnapshot): { type: NeutralType; keyTypes: NeutralType[] } | undefined {
  if (!snapshot.incremental) return undefined;
  return { type: snapshot.incremental.column.type, keyTypes: keyColumnsOf(snapshot).map((k) => k.type) };
}

/** The snapshot's incremental lower bound, decoded. */
export function snapshotSince(snapshot: TableSnapshot): NeutralValue | undefined {
  return snapshot.incremental?.since === undefined ? undefined : decodeValue(snapshot.incremental.since);
}

/** A snapshot this engine cannot execute: retrying never helps. */
export class SnapshotError extends Error {
  readonly transient = false;
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}
