import type { Connection } from 'oracledb';
import {
  ChecksumAccumulator,
  type ChecksumRequest,
  type ChecksumResult,
  type Checksummer,
  type Reader,
} from '@dbferry/dialects-core';
import { loadOracleDb } from './oracle.load-driver';
import { ORACLE_CHARSET_SQL, oracleChecksumSql, sumToHash } from './oracle.sql';

/**
 * Checksums inside Oracle where every column has an exact VARCHAR2 rendering of the reference
 * row text and the database character set is AL32UTF8 (STANDARD_HASH hashes the bytes of that
 * set); otherwise reads the rows and feeds the reference ChecksumAccumulator in the worker.
 */
export class OracleChecksummer implements Checksummer {
  private utf8?: Promise<boolean>;

  constructor(
    private readonly connection: Connection,
    private readonly reader: Reader,
  ) {}

  private isUtf8(): Promise<boolean> {
    this.utf8 ??= this.connection
      .execute<{ value: string }>(ORACLE_CHARSET_SQL, {}, { outFormat: loadOracleDb().OUT_FORMAT_OBJECT })
      .then((r) => r.rows?.[0]?.value === 'AL32UTF8');
    return this.utf8;
  }

  async checksum(request: ChecksumRequest): Promise<ChecksumResult> {
    const bound = oracleChecksumSql(request.table, request.columns, request.keyColumns, request.range, request.where);
    if (!bound || !(await this.isUtf8())) return this.inWorker(request);
    const result = await this.connection.execute<{ rows: number | string; hash_sum: string | null }>(bound.sql, bound.binds, {
      outFormat: loadOracleDb().OUT_FORMAT_OBJECT,
    });
    const row = result.rows?.[0];
    return { rows: Number(row?.rows ?? 0), hash: sumToHash(row?.hash_sum ?? null) };
  }

  private async inWorker(request: ChecksumRequest): Promise<ChecksumResult> {
    const acc = new ChecksumAccumulator(request.columns.map((c) => c.type));
    for await (const batch of this.reader.read({ ...request, batchSize: 1000 })) for (const row of batch.rows) acc.add(row);
    return { rows: acc.rows, hash: acc.hash };
  }
}
