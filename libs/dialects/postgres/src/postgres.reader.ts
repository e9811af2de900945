import Cursor from 'pg-cursor';
import type { Client } from 'pg';
import type { KeyBounds, KeyRange, NeutralColumn, NeutralValue, ReadRequest, Reader, RowBatch, TableRef } from '@dbferry/dialects-core';
import type { PostgresClients } from './postgres.clients';
import { buildKeyBoundSql, buildSelectSql, buildSplitPointsSql } from './postgres.sql';
import { decodeValue, POSTGRES_RAW_TYPES } from './postgres.values';

export const READ_TRANSACTION = 'BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY';

type TextRow = (string | null)[];

function decodeRow(columns: NeutralColumn[], row: TextRow): NeutralValue[] {
  return columns.map((c, i) => decodeValue(c.type, row[i] ?? null));
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('the read was aborted');
}

async function queryRows(client: Client, sql: string, params: unknown[]): Promise<TextRow[]> {
  const result = await client.query<TextRow>({ text: sql, values: params, rowMode: 'array', types: POSTGRES_RAW_TYPES });
  return result.rows;
}

export class PostgresReader implements Reader {
  constructor(
    private readonly clients: PostgresClients,
    private readonly wrap: <T>(work: () => Promise<T>) => Promise<T>,
  ) {}

  /** A server-side cursor in one read-only snapshot; the next batch is fetched only when the consumer asks. */
  async *read(request: ReadRequest): AsyncIterable<RowBatch> {
    const { sql, params } = buildSelectSql(request);
    const batchSize = Math.max(1, Math.floor(request.batchSize));
    const signal = request.signal;
    if (signal?.aborted) throw abortError(signal);
    const lease = await this.wrap(() => this.clients.lease());
    const client = lease.client;
    let cursor: Cursor<TextRow> | undefined;
    let open = false;
    try {
      await this.wrap(() => client.query(READ_TRANSACTION));
      open = true;
      cursor = client.query(new Cursor<TextRow>(sql, params, { rowMode: 'array', types: POSTGRES_RAW_TYPES }));
      const active = cursor;
      for (;;) {
        if (signal?.aborted) throw abortError(signal);
        const rows = await this.wrap(() => active.read(batchSize));
        if (rows.length === 0) break;
        yield { columns: request.columns, rows: rows.map((r) => decodeRow(request.columns, r)) };
        if (rows.length < batchSize) break;
      }
      await this.wrap(() => active.close());
      cursor = undefined;
      await this.wrap(() => client.query('COMMIT'));
      open = false;
    } finally {
      // Reached on error, abort, or a consumer that stopped early (break / return).
      if (cursor) await cursor.close().catch(() => undefined);
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      await lease.release();
    }
  }

  keyBounds(table: TableRef, keyColumns: NeutralColumn[], where?: string): Promise<KeyBounds | null> {
    return this.wrap(() =>
      this.clients.with(async (client) => {
        const [first] = await queryRows(client, buildKeyBoundSql(table, keyColumns, 'ASC', where), []);
        if (!first) return null;
        const [last] = await queryRows(client, buildKeyBoundSql(table, keyColumns, 'DESC', where), []);
        return { min: decodeRow(keyColumns, first), max: decodeRow(keyColumns, last ?? first) };
      }),
    );
  }

  splitRanges(table: TableRef, keyColumns: NeutralColumn[], parts: number, where?: string): Promise<KeyRange[]> {
    const wanted = Math.max(1, Math.floor(parts));
    if (wanted === 1 || keyColumns.length === 0) return Promise.resolve([{}]);
    return this.wrap(() =>
      this.clients.with(async (client) => {
        const rows = await queryRows(client, buildSplitPointsSql(table, keyColumns, where), [wanted]);
        const points = rows.map((r) => decodeRow(keyColumns, r));
        const ranges: KeyRange[] = [];
        let lower: NeutralValue[] | undefined;
        for (const upper of points.slice(0, wanted - 1)) {
          ranges.push(lower ? { lower, upper } : { upper });
          lower = upper;
        }
        ranges.push(lower ? { lower } : {});
        return ranges;
      }),
    );
  }
}
