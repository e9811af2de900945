import type { DataPlane } from '@dbferry/dialects-core';
import { type DiffColumnNote, type DiffSnapshot, diffTable, planDiff } from '../diff/diff-segment';
import type { EncodedValue } from '../plan/key-codec';
import type { TableSnapshot } from './table-snapshot';

/** Keys of each kind a verify result keeps (the counts are always whole). */
export const VERIFY_SAMPLE_KEYS = 10;

export interface VerifyPorts {
  source: DataPlane;
  target: DataPlane;
  signal?: AbortSignal;
}

export interface DriftSample {
  kind: 'missing' | 'extra' | 'different';
  key: EncodedValue[];
  /** For `different`: the columns that differ. */
  columns?: string[];
}

export interface TableVerifyResult {
  /** Source rows (under the table's filter) compared. */
  rowsCompared: number;
  /** Source rows the target lacks. */
  missing: number;
  /** Target rows the source (under its filter) does not have. */
  extra: number;
  /** Rows on both sides whose copied columns differ. */
  different: number;
  total: number;
  /** Up to VERIFY_SAMPLE_KEYS keys of each kind, in the lossless key codec. */
  samples: DriftSample[];
  /** Columns that could not be compared exactly, and the rule used (row-compare.ts). */
  notes: DiffColumnNote[];
  /** The diff as planned, for a caller that stores it as a diff record. */
  diff: DiffSnapshot;
  /** Every differing key, when the caller asked for them (`keepKeys`). */
  keys?: { missing: EncodedValue[][]; extra: EncodedValue[][]; different: { key: EncodedValue[]; columns: string[] }[] };
}

/** A table a verify cannot diff (no usable key): retrying never helps. */
export class VerifyError extends Error {
  readonly transient = false;
  constructor(message: string) {
    super(message);
    this.name = 'VerifyError';
  }
}

/** The connection ids the diff names each end by: the stored ones the run was planned on (the reference is apart from the others, so both may be one connection). */
export const verifySides = (snapshot: TableSnapshot) => ({ source: snapshot.source.connectionId ?? 'source', target: snapshot.target.connectionId ?? 'target' });

/**
 * Verified sync (issue 12, item 4): diffs one table a run copied, from its snapshot alone. The
 * source is the reference, read under the job's filter only (`snapshot.filter`, never the
 * incremental window: an incremental run verifies the whole filtered table); the target is read
 * whole, so a target row the filter excludes is `extra`. The columns copied and the key used are
 * compared with the diff core's exact normalisation (planDiff, diffTable in-process).
 */
export async function verifyTable(snapshot: TableSnapshot, ports: VerifyPorts, options: { keepKeys?: boolean } = {}): Promise<TableVerifyResult> {
  if (!snapshot.resumable || !snapshot.keyColumns.length) {
    throw new VerifyError('no usable key: a table copied whole cannot be diffed row by row (give it keyColumns to verify it)');
  }
  const ids = verifySides(snapshot);
  const transform = snapshot.transform;
  // Masked or set columns hold other values on the target by design: only the columns copied as they are (renamed or not) are compared.
  const compared = transform ? snapshot.columns.filter((c) => transform.unchanged[c.name] !== undefined) : snapshot.columns;
  const diff = await planDiff({
    reference: { connectionId: ids.source, dialect: snapshot.source.dialect, data: ports.source, table: snapshot.source.table, ...(snapshot.filter !== undefined && { where: snapshot.filter }) },
    others: [{ connectionId: ids.target, dialect: snapshot.target.dialect, data: ports.target, table: snapshot.target.table, ...(transform && { renamed: transform.unchanged }) }],
    keyColumns: snapshot.keyColumns,
    columns: compared.map((c) => c.name),
  });
  const result = await diffTable(diff, { reference: ports.source, others: { [ids.target]: ports.target }, ...(ports.signal && { signal: ports.signal }) });
  const found = result.byConnection[ids.target];
  const samples: DriftSample[] = [
    ...found.missing.slice(0, VERIFY_SAMPLE_KEYS).map((key): DriftSample => ({ kind: 'missing', key })),
    ...found.extra.slice(0, VERIFY_SAMPLE_KEYS).map((key): DriftSample => ({ kind: 'extra', key })),
    ...found.different.slice(0, VERIFY_SAMPLE_KEYS).map((d): DriftSample => ({ kind: 'different', key: d.key, columns: d.columns })),
  ];
  const counts = { missing: found.missing.length, extra: found.extra.length, different: found.different.length };
  return {
    rowsCompared: result.rowsCompared,
    ...counts,
    total: counts.missing + counts.extra + counts.different,
    samples,
    notes: result.notes,
    diff,
    ...(options.keepKeys && { keys: found }),
  };
}
