import type { DataPlane, KeyRange, NeutralColumn, RowBatch, TableRef, WriteMode } from '@dbferry/dialects-core';

export type JobWriteMode = 'insert' | 'upsert' | 'replace';

/**
 * How a keyed chunk is written so that a retried or duplicated chunk never duplicates rows:
 * `insert` and `replace` both replace the chunk's key range in one target transaction,
 * `upsert` upserts by key (and leaves target rows outside the source alone).
 */
export function chunkWriteMode(mode: JobWriteMode): WriteMode {
  return mode === 'upsert' ? 'upsert' : 'replace-range';
}

export interface CopyRangeInput {
  source: DataPlane;
  target: DataPlane;
  from: TableRef;
  to: TableRef;
  columns: NeutralColumn[];
  keyColumns: string[];
  where?: string;
  range?: KeyRange;
  mode: WriteMode;
  batchSize: number;
  signal?: AbortSignal;
  /** Called after each batch is handed to the writer, with the rows read so far. */
  onBatch?: (rowsRead: number) => void;
}

export interface CopyRangeResult {
  rowsRead: number;
  rowsWritten: number;
  warnings: string[];
}

/**
 * Streams one key range from source to target: the reader's batches go straight into the
 * writer's single transaction, so memory holds about one batch and a failure leaves the
 * target range as it was.
 */
export async function copyRange(input: CopyRangeInput): Promise<CopyRangeResult> {
  let rowsRead = 0;
  const readerWarnings: string[] = [];
  const batches = input.source.reader.read({
    table: input.from,
    columns: input.columns,
    keyColumns: input.keyColumns,
    range: input.range,
    where: input.where,
    batchSize: input.batchSize,
    signal: input.signal,
  });
  async function* counted(): AsyncGenerator<RowBatch> {
    for await (const batch of batches) {
      rowsRead += batch.rows.length;
      if (batch.warnings?.length) readerWarnings.push(...batch.warnings);
      yield batch;
      input.onBatch?.(rowsRead);
    }
  }
  const result = await input.target.writer.write(
    { table: input.to, columns: input.columns, keyColumns: input.keyColumns, mode: input.mode, range: input.range, signal: input.signal },
    counted(),
  );
  return { rowsRead, rowsWritten: result.rowsWritten, warnings: [...new Set([...readerWarnings, ...result.warnings])] };
}
