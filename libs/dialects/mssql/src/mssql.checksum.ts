import type { ConnectionPool } from 'mssql';
import {
  ChecksumAccumulator,
  type ChecksumRequest,
  type ChecksumResult,
  type Checksummer,
  type Reader,
} from '@dbferry/dialects-core';
import { boundRequest } from './mssql.reader';
import { mssqlChecksumSql, signedSumToHash } from './mssql.sql';

/** UTF-8 collations, which the in-database row text needs, came with SQL Server 2019 (15.x). */
export const MSSQL_UTF8_MIN_MAJOR_VERSION = 15;

/**
 * Checksums inside SQL Server where every column has an exact SQL rendering of the reference
 * row text and the server has UTF-8 collations; otherwise reads the rows and feeds the
 * reference ChecksumAccumulator in the worker (floats, json, arrays, sets, xml, bit strings,
 * or a server older than 2019).
 */
export class MssqlChecksummer implements Checksummer {
  constructor(
    private readonly pool: ConnectionPool,
    private readonly reader: Reader,
    private readonly majorVersion: number,
  ) {}

  async checksum(request: ChecksumRequest): Promise<ChecksumResult> {
    const bound =
      this.majorVersion >= MSSQL_UTF8_MIN_MAJOR_VERSION
        ? mssqlChecksumSql(request.table, request.columns, request.keyColumns, request.range, request.where)
        : null;
    if (!bound) return this.inWorker(request);
    const result = await boundRequest(this.pool.request(), bound).query<{ rows: string | number; hash_sum: string | null }>(bound.sql);
    const row = result.recordset[0];
    return { rows: Number(row?.rows ?? 0), hash: signedSumToHash(row?.hash_sum ?? null) };
  }

  private async inWorker(request: ChecksumRequest): Promise<ChecksumResult> {
    const acc = new ChecksumAccumulator(request.columns.map((c) => c.type));
    const batches = this.reader.read({ ...request, batchSize: 1000 });
    for await (const batch of batches) for (const row of batch.rows) acc.add(row);
    return { rows: acc.rows, hash: acc.hash };
  }
}
