import type { BindDefinition, Connection } from 'oracledb';
import { checkReplacedRangeCount, type NeutralColumn, type NeutralKind, type NeutralValue, type RowBatch, type ValueLoss, type WriteRequest, type WriteResult, type Writer } from '@dbferry/dialects-core';
import { loadOracleDb } from './oracle.load-driver';
import { type BindPlan, oracleBindPlan, oracleCountRangeSql, oracleDeleteRangeSql, oracleWriteSql } from './oracle.sql';

/**
 * Key kinds Oracle orders as the engine does (DataPlane.orderedKeyKinds): NUMBER by value, DATE
 * and TIMESTAMP by time (WITH TIME ZONE by instant). Not RAW (its '' is NULL), uuid text or text.
 */
export const ORACLE_ORDERED_KEY_KINDS: readonly NeutralKind[] = [
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'decimal',
  'date', 'timestamp', 'timestamptz',
];

/** Rows per executeMany round trip. */
export const ORACLE_BATCH_ROWS = 1000;
/** About this many bytes of bound values per round trip. */
export const ORACLE_BATCH_BYTES = 16 * 1024 * 1024;

/** Rows per executeMany for a row width: fewer for wide rows, never below one. */
export function oracleBatchRows(approxRowBytes: number): number {
  return Math.max(1, Math.min(ORACLE_BATCH_ROWS, Math.floor(ORACLE_BATCH_BYTES / Math.max(1, approxRowBytes))));
}

function byteSize(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (Buffer.isBuffer(v)) return v.length;
  return 16;
}

/** Binds and bind definitions for some rows; VARCHAR and RAW sizes are measured from the rows. */
export function encodeRows(plan: BindPlan[], rows: NeutralValue[][], emptied: number[]): { binds: unknown[][]; bindDefs: BindDefinition[] } {
  const maxSizes = plan.map(() => 1);
  const binds = rows.map((row) =>
    plan.map((p, i) => {
      const value = row[i] ?? null;
      if (value !== null && p.bind.emptied(value)) emptied[i] += 1;
      const encoded = p.bind.encode(value);
      if (p.bind.measured && encoded !== null) maxSizes[i] = Math.max(maxSizes[i], byteSize(encoded));
      return encoded;
    }),
  );
  const bindDefs = plan.map((p, i): BindDefinition => {
    if (p.bind.maxSize !== undefined) return { type: p.bind.type, maxSize: p.bind.maxSize };
    return p.bind.measured ? { type: p.bind.type, maxSize: maxSizes[i] } : { type: p.bind.type };
  });
  return { binds, bindDefs };
}

/** Warnings for the run report: Oracle keeps no '' apart from NULL. */
export function emptiedWarnings(columns: NeutralColumn[], emptied: number[]): ValueLoss[] {
  return columns.flatMap((c, i): ValueLoss[] => (emptied[i] > 0 ? [{ column: c.name, kind: 'empty-as-null', count: emptied[i] }] : []));
}

/**
 * Array DML (executeMany) of an INSERT or a MERGE from dual, in one transaction that commits
 * at the end; replace-range deletes the range first in the same transaction.
 */
export class OracleWriter implements Writer {
  constructor(private readonly connection: Connection) {}

  async write(request: WriteRequest, batches: AsyncIterable<RowBatch>): Promise<WriteResult> {
    const plan = oracleBindPlan(request.columns);
    const sql = oracleWriteSql(request.table, plan, request.mode, request.keyColumns);
    const keys = request.keyColumns.map((k) => {
      const col = request.columns.find((c) => c.name === k);
      if (!col) throw new Error(`key column ${k} is not among the written columns`);
      return col;
    });
    const del = request.mode === 'replace-range' ? oracleDeleteRangeSql(request.table, keys, request.range) : undefined;
    const emptied = plan.map(() => 0);
    let rowsWritten = 0;
    let rangeRows: number | undefined;
    try {
      if (del) await this.connection.execute(del.sql, del.binds, { autoCommit: false });
      for await (const batch of batches) {
        if (request.signal?.aborted) throw Object.assign(new Error('the write was aborted'), { name: 'AbortError' });
        if (batch.rows.length === 0) continue;
        const sample = batch.rows.slice(0, 50);
        const rowBytes = sample.reduce((n, row) => n + row.reduce<number>((m, v) => m + byteSize(v), 0), 0) / sample.length;
        const perCall = oracleBatchRows(rowBytes);
        for (let start = 0; start < batch.rows.length; start += perCall) {
          const { binds, bindDefs } = encodeRows(plan, batch.rows.slice(start, start + perCall), emptied);
          await this.connection.executeMany(sql, binds, { autoCommit: false, bindDefs });
          rowsWritten += binds.length;
        }
      }
      if (request.verify && !request.rollback) {
        const count = oracleCountRangeSql(request.table, keys, request.range);
        const counted = await this.connection.execute<{ N: number }>(count.sql, count.binds, { outFormat: loadOracleDb().OUT_FORMAT_OBJECT });
        rangeRows = Number(counted.rows?.[0]?.N ?? 0);
        checkReplacedRangeCount(request, rowsWritten, rangeRows);
      }
      await (request.rollback ? this.connection.rollback() : this.connection.commit());
    } catch (error) {
      await this.connection.rollback().catch(() => undefined);
      throw error;
    }
    return { rowsWritten, warnings: emptiedWarnings(request.columns, emptied), ...(rangeRows !== undefined && { rangeRows }) };
  }
}
