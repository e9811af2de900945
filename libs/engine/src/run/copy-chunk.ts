import { type DataPlane, DbError, type KeyRange, type NeutralColumn, type NeutralType, type NeutralValue, type ReadColumn, type RowBatch, type ValueLoss } from '@dbferry/dialects-core';
import { copyKeyless } from '../copy/copy-keyless';
import { copyRange, type RejectedRow } from '../copy/copy-range';
import { deleteMissingInRange } from '../incremental/delete-missing';
import { laterWatermark, type Watermark } from '../incremental/watermark';
import { decodeValue, type EncodedValue, encodeKey, encodeValue } from '../plan/key-codec';
import { rowTransformer, TransformError } from '../transform/column-transforms';
import { keyColumnsOf, type TableSnapshot } from './table-snapshot';
import { dialectFor } from '@dbferry/dialects';

/** Bad rows isolated beyond the job's maxRejects, so a run failed for them still lists some. */
export const REJECTS_SHOWN_BEYOND_LIMIT = 10;

/** What a chunk needs besides its snapshot and range: the two open databases and the run's live state. */
export interface ChunkPorts {
  source: DataPlane;
  target: DataPlane;
  /** Rows the run's other chunks have already had rejected (counted against the snapshot's maxRejects). */
  rejectsElsewhere?: number;
  /** Progress: rows read so far, after each batch handed to the writer. */
  onProgress?: (rowsRead: number) => void;
  signal?: AbortSignal;
  /** The job's hash salt, opened (snapshot.transform.salt): required when the table's transforms hash. */
  salt?: Buffer;
  /**
   * This is the chunk's first lease ever (no earlier attempt, no other holder): nothing of its
   * range can be in the target. With the snapshot's deferredKey, the range is then inserted
   * without a delete and proven by the database's own count instead of a scan of the keyless table.
   */
  firstAttempt?: boolean;
}

/** A watermark as stored: the values in the lossless codec, each with the neutral type that orders it. */
export interface TypedWatermark {
  value: EncodedValue;
  key: EncodedValue[];
  type: NeutralType;
  keyTypes: NeutralType[];
}

export interface ChunkResult {
  rowsRead: number;
  rowsWritten: number;
  rowsDeleted: number;
  warnings: ValueLoss[];
  rejects: RejectedRow[];
  probes: number;
  /** The largest (incremental value, key) the chunk committed; null when not incremental or no row. */
  watermark: TypedWatermark | null;
}

const typed = (type: NeutralType): NeutralColumn => ({ name: '', nativeType: '', nullable: true, type });

/** A stored typed watermark, decoded. */
export function decodeWatermark(stored: TypedWatermark): Watermark {
  return { value: decodeValue(stored.value), key: stored.key.map(decodeValue) };
}

/** The later of two stored watermarks, ordered by their own stored types (never by the shape of a value). */
export function laterTypedWatermark(a: TypedWatermark | null, b: TypedWatermark | null): TypedWatermark | null {
  if (!a || !b) return a ?? b;
  const first = decodeWatermark(a);
  return laterWatermark(typed(a.type), a.keyTypes.map(typed), first, decodeWatermark(b)) === first ? a : b;
}

/**
 * Copies one key range of a snapshotted table (one target transaction: replace-range or
 * upsert, so a retry or a duplicate delivery rewrites the same rows), then, where the snapshot
 * says so, removes the range's target rows the source no longer has. Reads nothing but the
 * snapshot, the range and the ports: no introspection, no filter parsing, no job.
 */
export async function copyChunk(snapshot: TableSnapshot, range: KeyRange, ports: ChunkPorts): Promise<ChunkResult> {
  const { target, signal } = ports;
  const source = withExpressionErrors(ports.source, snapshot);
  const common = {
    source,
    target,
    from: snapshot.source.table,
    to: snapshot.target.table,
    columns: snapshot.columns,
    where: snapshot.where,
    batchSize: snapshot.batchSize,
    nul: snapshot.nul,
    signal,
    onBatch: ports.onProgress,
    ...(snapshot.transform && {
      transform: { columns: snapshot.transform.columns, keyColumns: snapshot.transform.keyColumns, rows: rowTransformer(snapshot.transform, ports.salt) },
    }),
  };
  if (!snapshot.resumable) {
    const result = await copyKeyless({ ...common, targetDialect: snapshot.target.dialect, stagingTag: snapshot.stagingTag });
    return { ...result, rowsDeleted: 0, watermark: null };
  }
  const keys = keyColumnsOf(snapshot);
  const track = watermarkTracker(snapshot, keys);
  let mark: Watermark | null = null;
  const { verify } = snapshot.write;
  // A keyless table (key deferred) on a first attempt: its range is empty, so insert and let the
  // database count what it stored; a retry deletes and counts its range by scanning (rare).
  const fresh = snapshot.deferredKey !== undefined && ports.firstAttempt === true && snapshot.write.mode === 'replace-range';
  const result = await copyRange({
    ...common,
    keyColumns: snapshot.keyColumns,
    range,
    mode: fresh ? 'insert' : snapshot.write.mode,
    // A heap target (PostgreSQL) takes rows in any order: the source may then skip the key-order index scan.
    unordered: dialectFor(snapshot.target.dialect).capabilities.unorderedWrites === true,
    verify: fresh ? 'stored' : verify === 'range' ? 'range' : verify === 'keys' ? { keys: { dialect: snapshot.target.dialect, keyColumns: snapshot.targetKeyColumns } } : undefined,
    // The budget other chunks have not used yet; finish-run settles the run against maxRejects.
    rejectLimit: Math.max(0, snapshot.maxRejects - (ports.rejectsElsewhere ?? 0)) + REJECTS_SHOWN_BEYOND_LIMIT,
    onRows: track ? (batch) => (mark = track(mark, batch.rows)) : undefined,
  });
  const rowsDeleted = snapshot.write.deleteMissing
    ? await deleteMissingInRange({
        source: { dialect: snapshot.source.dialect, data: source, table: snapshot.source.table, keyColumns: keys, where: snapshot.filter },
        target: { dialect: snapshot.target.dialect, data: target, table: snapshot.target.table, keyColumns: snapshot.targetKeyColumns },
        range,
        batchSize: snapshot.batchSize,
        signal,
      })
    : 0;
  const best = mark as Watermark | null;
  const watermark =
    best && snapshot.incremental
      ? { value: encodeValue(best.value), key: encodeKey(best.key) ?? [], type: snapshot.incremental.column.type, keyTypes: keys.map((k) => k.type) }
      : null;
  return { ...result, rowsDeleted, watermark };
}

/** Folds each written batch into the largest (incremental value, key) seen, for an incremental table. */
function watermarkTracker(snapshot: TableSnapshot, keys: NeutralColumn[]) {
  const incremental = snapshot.incremental;
  if (!incremental) return undefined;
  const at = snapshot.columns.findIndex((c) => c.name === incremental.column.name);
  if (at < 0) return undefined;
  const keyAt = keys.map((k) => snapshot.columns.findIndex((c) => c.name === k.name));
  return (current: Watermark | null, rows: NeutralValue[][]): Watermark | null => {
    let best = current;
    for (const row of rows) {
      if (row[at] === null) continue;
      best = laterWatermark(incremental.column, keys, best, { value: row[at], key: keyAt.map((i) => row[i]) });
    }
    return best;
  };
}

/**
 * The source with its reads failing, when the table reads transform expressions and the source
 * refuses a read for good (division by zero, a value it cannot cast…), as a terminal
 * TransformError naming the expression column: a retry would evaluate it the same way. With
 * several expressions, each is read again alone over the same range until one fails, to name it.
 */
function withExpressionErrors(source: DataPlane, snapshot: TableSnapshot): DataPlane {
  const columns = snapshot.columns as ReadColumn[];
  const targetName = new Map(columns.map((c, i) => [c.name, snapshot.transform?.columns[i]?.name ?? c.name]));
  const computed = columns.filter((c) => c.expression !== undefined);
  if (!computed.length) return source;
  const read = source.reader.read.bind(source.reader);
  const failure = (names: string[], error: DbError) =>
    new TransformError('transforms', `${names.length === 1 ? `column ${names[0]}` : `one of the columns ${names.join(', ')}`}: the source failed to evaluate its expression: ${error.message}`);
  const culprit = async (request: Parameters<DataPlane['reader']['read']>[0]): Promise<ReadColumn | undefined> => {
    const keys = request.columns.filter((c) => request.keyColumns.includes(c.name));
    for (const column of computed) {
      try {
        // Without the request's signal: the failed copy may have aborted it already.
        for await (const batch of read({ ...request, columns: [...keys, column], signal: undefined })) void batch;
      } catch (error) {
        if (error instanceof DbError && !error.transient) return column;
        return undefined;
      }
    }
    return undefined;
  };
  async function* guarded(request: Parameters<DataPlane['reader']['read']>[0]): AsyncGenerator<RowBatch> {
    try {
      yield* read(request);
    } catch (error) {
      if (!(error instanceof DbError) || error.transient) throw error;
      const found = computed.length > 1 ? await culprit(request).catch(() => undefined) : computed[0];
      throw failure((found ? [found] : computed).map((c) => targetName.get(c.name) ?? c.name), error);
    }
  }
  return { ...source, reader: { ...source.reader, read: guarded, keyBounds: source.reader.keyBounds.bind(source.reader), splitRanges: source.reader.splitRanges.bind(source.reader) } };
}
