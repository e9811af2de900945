import type * as mssql from 'mssql';
import {
  checkReplacedRangeCount,
  type NeutralColumn,
  type NeutralKind,
  type NeutralValue,
  type RowBatch,
  takeSmallWrite,
  truncateFraction,
  ValueLossCounter,
  type WriteRequest,
  type WriteResult,
  type Writer,
} from '@dbferry/dialects-core';
import { loadMssql } from './mssql.load-driver';
import { boundRequest, driverType } from './mssql.reader';
import {
  MSSQL_STAGE_TABLE,
  mssqlCountRangeSql,
  mssqlCreateStageSql,
  mssqlDeleteRangeSql,
  mssqlDropStageSql,
  mssqlInsertSelectSql,
  mssqlMergeSql,
  mssqlSmallWriteRows,
  mssqlStagePlan,
  mssqlTruncateStageSql,
  mssqlValueParam,
  mssqlValuesSource,
  type StagePlan,
} from './mssql.sql';

/**
 * Rows per bulk load. Bulk load binds no parameters (the 2100 limit does not apply); the cap
 * keeps the staged rows, and the MERGE that reads them, a bounded size.
 */
export const MSSQL_BULK_ROWS = 5000;

/** Rows per staged bulk load for a row width: fewer rows for wide ones (about 32 MB of values). */
export function mssqlBulkRows(columns: NeutralColumn[], approxRowBytes?: number): number {
  const bytes = approxRowBytes ?? columns.length * 64;
  return Math.max(1, Math.min(MSSQL_BULK_ROWS, Math.floor((32 * 1024 * 1024) / Math.max(1, bytes))));
}

function approxBytes(batch: RowBatch): number {
  let total = 0;
  for (const row of batch.rows.slice(0, 50)) {
    for (const v of row) total += typeof v === 'string' ? v.length * 2 : Buffer.isBuffer(v) ? v.length : 16;
  }
  return Math.ceil(total / Math.max(1, Math.min(50, batch.rows.length)));
}

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw Object.assign(new Error('the write was aborted'), { name: 'AbortError' });
}

/**
 * Key kinds SQL Server orders as the engine does (DataPlane.orderedKeyKinds): integers and
 * decimal by value, date, datetime2 and datetimeoffset (by instant) by time. Not
 * uniqueidentifier (it sorts its last byte groups first), binary (compared as if padded with
 * zeros) or text (collations).
 */
export const MSSQL_ORDERED_KEY_KINDS: readonly NeutralKind[] = [
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'decimal',
  'date', 'timestamp', 'timestamptz',
];

/**
 * Bulk loads each batch into a session temp table typed for lossless transfer (mssql.values
 * `stageColumn`), then MERGEs (upsert) or INSERT … SELECTs it into the target; replace-range
 * first deletes the range. All of it in one transaction.
 */
export class MssqlWriter implements Writer {
  constructor(private readonly pool: mssql.ConnectionPool) {}

  async write(request: WriteRequest, input: AsyncIterable<RowBatch>): Promise<WriteResult> {
    const plan = mssqlStagePlan(request.columns);
    const keys = request.keyColumns.map((k) => {
      const col = request.columns.find((c) => c.name === k);
      if (!col) throw new Error(`key column ${k} is not among the written columns`);
      return col;
    });
    const dml = request.mode === 'upsert' ? mssqlMergeSql(request.table, plan, request.keyColumns) : mssqlInsertSelectSql(request.table, plan);
    // Built first (above), so a bad identifier is refused before any row is read or any SQL runs, small write or not.
    let batches = input;
    const smallLimit = mssqlSmallWriteRows(request.columns.length);
    if (request.mode === 'upsert' && !request.rollback && !request.verify && smallLimit > 0) {
      const probe = await takeSmallWrite(batches, smallLimit);
      if (probe.small) return this.smallUpsert(request, plan, probe.rows);
      batches = probe.batches;
    }
    const transaction = new (loadMssql().Transaction)(this.pool);
    await transaction.begin();
    let rowsWritten = 0;
    let rangeRows: number | undefined;
    const losses = new ValueLossCounter();
    try {
      await transaction.request().query(mssqlCreateStageSql(plan));
      if (request.mode === 'replace-range') {
        const del = mssqlDeleteRangeSql(request.table, keys, request.range);
        await boundRequest(transaction.request(), del).query(del.sql);
      }
      for await (const batch of batches) {
        checkAborted(request.signal);
        if (batch.rows.length === 0) continue;
        const perLoad = mssqlBulkRows(request.columns, approxBytes(batch));
        for (let start = 0; start < batch.rows.length; start += perLoad) {
          const rows = batch.rows.slice(start, start + perLoad);
          await transaction.request().bulk(stageTable(plan, rows, losses));
          await transaction.request().query(dml);
          await transaction.request().query(mssqlTruncateStageSql());
          rowsWritten += rows.length;
        }
      }
      await transaction.request().query(mssqlDropStageSql());
      if (request.verify && !request.rollback) {
        const count = mssqlCountRangeSql(request.table, keys, request.range);
        const counted = await boundRequest(transaction.request(), count).query<{ n: string | number }>(count.sql);
        rangeRows = Number(counted.recordset[0]?.n ?? 0);
        checkReplacedRangeCount(request, rowsWritten, rangeRows);
      }
      await (request.rollback ? transaction.rollback() : transaction.commit());
    } catch (error) {
      await transaction.rollback().catch(() => undefined);
      throw error;
    }
    return { rowsWritten, warnings: losses.list(), ...(rangeRows !== undefined && { rangeRows }) };
  }

  /**
   * A small upsert (a replica-group write, an event): one MERGE from a VALUES list of bound
   * parameters, which is atomic by itself — no transaction, temp table or bulk load around it.
   */
  private async smallUpsert(request: WriteRequest, plan: StagePlan[], rows: NeutralValue[][]): Promise<WriteResult> {
    const losses = new ValueLossCounter();
    if (rows.length === 0) return { rowsWritten: 0, warnings: [] };
    checkAborted(request.signal);
    const sql = mssqlMergeSql(request.table, plan, request.keyColumns, mssqlValuesSource(plan, rows.length));
    const bound = this.pool.request();
    rows.forEach((row, r) => plan.forEach((p, c) => bound.input(mssqlValueParam(r, c), driverType(p.stage.driverType, p.stage.length), p.stage.encode(row[c] ?? null))));
    countTruncatedFractions(plan, rows, losses);
    await bound.query(sql);
    return { rowsWritten: rows.length, warnings: losses.list() };
  }
}

/** SQL Server keeps 100 ns ticks: 7 fractional digits at most. */
const MAX_FRACTION_DIGITS = 7;
const TEMPORAL = new Set(['time', 'timestamp', 'timestamptz']);

export function stageTable(plan: StagePlan[], rows: RowBatch['rows'], losses?: ValueLossCounter): mssql.Table {
  const table = new (loadMssql().Table)(MSSQL_STAGE_TABLE);
  table.create = false;
  for (const p of plan) table.columns.add(p.stageName, driverType(p.stage.driverType, p.stage.length), { nullable: true });
  for (const row of rows) table.rows.add(...plan.map((p, i) => p.stage.encode(row[i] ?? null)));
  if (losses) countTruncatedFractions(plan, rows, losses);
  return table;
}

/** The stage encoders truncate fractions beyond ticks (temporalText); the values cut are counted here. */
function countTruncatedFractions(plan: StagePlan[], rows: RowBatch['rows'], losses: ValueLossCounter): void {
  plan.forEach((p, i) => {
    if (!TEMPORAL.has(p.target.type.kind)) return;
    for (const row of rows) {
      const value = row[i];
      if (value !== null && value !== undefined && truncateFraction(String(value), MAX_FRACTION_DIGITS).changed) losses.add(p.target.name, 'fractional-seconds-truncated');
    }
  });
}
