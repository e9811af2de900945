import type * as mssql from 'mssql';
import type {
  KeyBounds,
  KeyRange,
  NeutralColumn,
  NeutralValue,
  ReadRequest,
  Reader,
  RowBatch,
  TableRef,
} from '@dbferry/dialects-core';
import { type BoundSql, mssqlCountSql, mssqlKeyBoundSql, mssqlReadSql, mssqlSplitSql } from './mssql.sql';
import { loadMssql } from './mssql.load-driver';
import { decodeMssqlValue, type StageDriverType } from './mssql.values';

const DRIVER_TYPES: Record<StageDriverType, (driver: typeof mssql, length?: number) => mssql.ISqlType> = {
  bit: (d) => d.Bit(),
  smallint: (d) => d.SmallInt(),
  int: (d) => d.Int(),
  bigint: (d) => d.BigInt(),
  real: (d) => d.Real(),
  float: (d) => d.Float(),
  uniqueidentifier: (d) => d.UniqueIdentifier(),
  nvarchar: (d) => d.NVarChar(d.MAX),
  varchar: (d, length) => d.VarChar(length ?? d.MAX),
  varbinary: (d) => d.VarBinary(d.MAX),
};

export function driverType(type: StageDriverType, length?: number): mssql.ISqlType {
  return DRIVER_TYPES[type](loadMssql(), length);
}

/** A request with the bound parameters of `bound` applied. */
export function boundRequest(request: mssql.Request, bound: BoundSql): mssql.Request {
  for (const { name, param } of bound.params) request.input(name, driverType(param.driverType, param.length), param.value);
  return request;
}

export function decodeRow(columns: NeutralColumn[], raw: unknown[]): NeutralValue[] {
  return columns.map((c, i) => decodeMssqlValue(c.type, raw[i]));
}

function abortError(): Error {
  return Object.assign(new Error('the read was aborted'), { name: 'AbortError' });
}

/**
 * Streams a request's rows as batches. The request is paused while a full batch waits for its
 * consumer (tedious then stops reading the socket), so memory holds about one batch.
 */
export async function* streamBatches(
  request: mssql.Request,
  sql: string,
  columns: NeutralColumn[],
  batchSize: number,
  signal?: AbortSignal,
): AsyncGenerator<RowBatch> {
  request.stream = true;
  request.arrayRowMode = true;
  let rows: NeutralValue[][] = [];
  let done = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  request.on('row', (raw) => {
    try {
      rows.push(decodeRow(columns, raw));
    } catch (error) {
      failure ??= error instanceof Error ? error : new Error(String(error));
      request.cancel();
    }
    if (rows.length >= batchSize) {
      request.pause();
      notify();
    }
  });
  request.on('error', (error) => {
    failure ??= error;
    notify();
  });
  request.on('done', () => {
    done = true;
    notify();
  });
  const onAbort = () => {
    failure ??= abortError();
    request.cancel();
    notify();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  void request.query(sql).catch((error: unknown) => {
    failure ??= error instanceof Error ? error : new Error(String(error));
    notify();
  });
  try {
    for (;;) {
      if (failure) throw failure;
      if (rows.length >= batchSize || (done && rows.length > 0)) {
        const batch = rows.slice(0, batchSize);
        rows = rows.slice(batch.length);
        if (!done && rows.length < batchSize) request.resume();
        yield { columns, rows: batch };
        continue;
      }
      if (done) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!done) {
      // The consumer stopped early: cancel, and let the paused request run to its end.
      request.cancel();
      request.resume();
    }
  }
}

export class MssqlReader implements Reader {
  constructor(private readonly pool: mssql.ConnectionPool) {}

  read(request: ReadRequest): AsyncIterable<RowBatch> {
    const bound = mssqlReadSql(request.table, request.columns, request.keyColumns, request.range, request.where);
    const batchSize = Math.max(1, request.batchSize);
    return streamBatches(boundRequest(this.pool.request(), bound), bound.sql, request.columns, batchSize, request.signal);
  }

  private async firstKey(table: TableRef, keys: NeutralColumn[], direction: 'ASC' | 'DESC', where?: string): Promise<NeutralValue[] | null> {
    const result = await this.pool.request().query<Record<string, unknown>>(mssqlKeyBoundSql(table, keys, direction, where));
    const row = result.recordset[0];
    return row ? decodeRow(keys, keys.map((k) => row[k.name])) : null;
  }

  async keyBounds(table: TableRef, keyColumns: NeutralColumn[], where?: string): Promise<KeyBounds | null> {
    const min = await this.firstKey(table, keyColumns, 'ASC', where);
    const max = await this.firstKey(table, keyColumns, 'DESC', where);
    return min && max ? { min, max } : null;
  }

  async splitRanges(table: TableRef, keyColumns: NeutralColumn[], parts: number, where?: string): Promise<KeyRange[]> {
    const counted = await this.pool.request().query<{ rows: string | number }>(mssqlCountSql(table, where));
    const total = Number(counted.recordset[0]?.rows ?? 0);
    const step = Math.ceil(total / Math.max(1, parts));
    if (parts <= 1 || total === 0 || step >= total) return [{}];
    const request = this.pool.request().input('step', driverType('bigint'), BigInt(step)).input('total', driverType('bigint'), BigInt(total));
    const result = await request.query<Record<string, unknown>>(mssqlSplitSql(table, keyColumns, where));
    const bounds = result.recordset.map((row) => decodeRow(keyColumns, keyColumns.map((k) => row[k.name])));
    return rangesFromBounds(bounds);
  }
}

/** Upper bounds b1 < b2 < … → (-∞, b1], (b1, b2], …, (bn, +∞). */
export function rangesFromBounds(bounds: NeutralValue[][]): KeyRange[] {
  const ranges: KeyRange[] = [];
  let lower: NeutralValue[] | undefined;
  for (const upper of bounds) {
    ranges.push(lower ? { lower, upper } : { upper });
    lower = upper;
  }
  ranges.push(lower ? { lower } : {});
  return ranges;
}
