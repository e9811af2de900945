import { ChecksumAccumulator, type ChecksumRequest, type ChecksumResult, type Checksummer } from '@dbferry/dialects-core';
import type { SqliteReader } from './sqlite.reader';

const CHECKSUM_BATCH = 2000;

/**
 * SQLite has no md5 (nor sha) function, so the checksum is computed here in the worker: the
 * range is read like a copy would read it and every row is fed to the reference accumulator.
 */
export class SqliteChecksummer implements Checksummer {
  constructor(private readonly reader: SqliteReader) {}

  async checksum(request: ChecksumRequest): Promise<ChecksumResult> {
    const accumulator = new ChecksumAccumulator(request.columns.map((c) => c.type));
    const batches = this.reader.read({
      table: request.table,
      columns: request.columns,
      keyColumns: request.keyColumns,
      range: request.range,
      where: request.where,
      batchSize: CHECKSUM_BATCH,
    });
    for await (const batch of batches) for (const row of batch.rows) accumulator.add(row);
    return { rows: accumulator.rows, hash: accumulator.hash };
  }
}
