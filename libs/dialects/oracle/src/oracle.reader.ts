import type { Connection } from 'oracledb';
import type { KeyBounds, KeyRange, NeutralColumn, NeutralValue, ReadRequest, Reader, RowBatch, TableRef } from '@dbferry/dialects-core';
import { loadOracleDb } from './oracle.load-driver';
import { oracleCountSql, oracleKeyBoundSql, oracleReadSql, oracleSplitSql } from './oracle.sql';
import { decodeOracleValue, oracleFetchTypeHandler } from './oracle.values';

export function decodeRow(columns: NeutralColumn[], raw: unknown[]): NeutralValue[] {
  return columns.map((c, i) => decodeOracleValue(c.type, raw[i]));
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

/** A server-side cursor read with getRows(batchSize): one batch in memory at a time. */
export class OracleReader implements Reader {
  constructor(private readonly connection: Connection) {}

  async *read(request: ReadRequest): AsyncGenerator<RowBatch> {
    const bound = oracleReadSql(request.table, request.columns, request.keyColumns, request.range, request.where);
    const batchSize = Math.max(1, request.batchSize);
    const result = await this.connection.execute<unknown[]>(bound.sql, bound.binds, {
      resultSet: true,
      outFormat: loadOracleDb().OUT_FORMAT_ARRAY,
      fetchArraySize: Math.min(batchSize, 1000),
      fetchTypeHandler: oracleFetchTypeHandler,
    });
    const rs = result.resultSet;
    if (!rs) throw new Error('Oracle returned no result set for a query');
    try {
      for (;;) {
        if (request.signal?.aborted) throw Object.assign(new Error('the read was aborted'), { name: 'AbortError' });
        const rows = await rs.getRows(batchSize);
        if (rows.length === 0) return;
        yield { columns: request.columns, rows: rows.map((r) => decodeRow(request.columns, r)) };
        if (rows.length < batchSize) return;
      }
    } finally {
      await rs.close().catch(() => undefined);
    }
  }

  private async firstKey(table: TableRef, keys: NeutralColumn[], direction: 'ASC' | 'DESC', where?: string): Promise<NeutralValue[] | null> {
    const result = await this.connection.execute<unknown[]>(oracleKeyBoundSql(table, keys, direction, where), {}, {
      outFormat: loadOracleDb().OUT_FORMAT_ARRAY,
      fetchTypeHandler: oracleFetchTypeHandler,
    });
    const row = result.rows?.[0];
    return row ? decodeRow(keys, row) : null;
  }

  async keyBounds(table: TableRef, keyColumns: NeutralColumn[], where?: string): Promise<KeyBounds | null> {
    const min = await this.firstKey(table, keyColumns, 'ASC', where);
    const max = await this.firstKey(table, keyColumns, 'DESC', where);
    return min && max ? { min, max } : null;
  }

  async splitRanges(table: TableRef, keyColumns: NeutralColumn[], parts: number, where?: string): Promise<KeyRange[]> {
    const counted = await this.connection.execute<{ rows: string }>(oracleCountSql(table, where), {}, {
      outFormat: loadOracleDb().OUT_FORMAT_OBJECT,
      fetchTypeHandler: oracleFetchTypeHandler,
    });
    const total = Number(counted.rows?.[0]?.rows ?? 0);
    const step = Math.ceil(total / Math.max(1, parts));
    if (parts <= 1 || total === 0 || step >= total) return [{}];
    const result = await this.connection.execute<unknown[]>(oracleSplitSql(table, keyColumns, where), { step, total }, {
      outFormat: loadOracleDb().OUT_FORMAT_ARRAY,
      fetchTypeHandler: oracleFetchTypeHandler,
    });
    return rangesFromBounds((result.rows ?? []).map((r) => decodeRow(keyColumns, r)));
  }
}
