import type { Client, Submittable } from 'pg';
import { type KeyBounds, type KeyRange, type NeutralColumn, type NeutralValue, READ_BATCH_BYTES, type ReadRequest, type Reader, type RowBatch, type TableRef } from '@dbferry/dialects-core';
import type { PostgresClients } from './postgres.clients';
import { type BinaryDecoder, planBinaryRead, type SourceColumnType } from './postgres.binary-decoders';
import { BinaryCopySplitter, PostgresCopyBatch } from './postgres.copy-out';
import { CopyOutQuery } from './postgres.copy-out-query';
import {
  buildCopyOutSql,
  buildCountRowsSql,
  buildKeyBoundSql,
  buildResultTypesSql,
  buildSampleKeysSql,
  buildSelectSql,
  buildSplitPointsSql,
  POSTGRES_ROW_ESTIMATE_SQL,
  POSTGRES_TYPES_BY_OID_SQL,
  qualifyTable,
} from './postgres.sql';
import { loadPgCursor } from './postgres.load-driver';
import { decodeValue, POSTGRES_RAW_TYPES } from './postgres.values';

export const READ_TRANSACTION = 'BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY';

/**
 * An unordered read (ReadRequest.unordered) without index scans: a key range is then read by a
 * bitmap heap scan, heap pages in physical order and each page's rows at once, instead of one
 * index-scan fetch per row; the whole table by a sequential scan. Measured alone, 1.13–1.62 s of
 * backend CPU for 1M orders rows in four ranges against 1.57–1.91 s by index scan; end to end the
 * saving was within the noise (docs/benchmarks.md, "H7").
 */
export const UNORDERED_READ_TRANSACTION = `${READ_TRANSACTION}; SET LOCAL enable_indexscan = off`;

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

/** ReadRequest plus the read path, for tests and measurements. */
export interface PostgresReadRequest extends ReadRequest {
  /** 'auto' (the default): COPY binary when every column has a binary decoder, else the text cursor. */
  via?: 'auto' | 'cursor';
}

export class PostgresReader implements Reader {
  /** pg_type facts by OID, per session: built-in OIDs never change, user types rarely. */
  private readonly typeCache = new Map<number, SourceColumnType>();
  private readonly backendPids = new WeakMap<Client, number>();

  constructor(
    private readonly clients: PostgresClients,
    private readonly wrap: <T>(work: () => Promise<T>) => Promise<T>,
  ) {}

  /**
   * One read-only snapshot. Rows come from `COPY (SELECT …) TO STDOUT (FORMAT binary)` when every
   * column can be decoded from it (batches then also carry the raw rows, see postgres.copy-out.ts),
   * otherwise from a server-side cursor in text; either way the next batch is fetched only when
   * the consumer asks.
   */
  async *read(request: PostgresReadRequest): AsyncIterable<RowBatch> {
    const batchSize = Math.max(1, Math.floor(request.batchSize));
    const signal = request.signal;
    if (signal?.aborted) throw abortError(signal);
    const lease = await this.wrap(() => this.clients.lease());
    const client = lease.client;
    let open = false;
    try {
      await this.wrap(() => client.query(request.unordered ? UNORDERED_READ_TRANSACTION : READ_TRANSACTION));
      open = true;
      const plan = request.via === 'cursor' ? undefined : await this.wrap(() => this.binaryPlan(client, request));
      if (plan && 'decoders' in plan) yield* this.copyRows(client, request, plan.decoders, plan.names, batchSize);
      else yield* this.cursorRows(client, request, batchSize);
      await this.wrap(() => client.query('COMMIT'));
      open = false;
    } finally {
      // Reached on error, abort, or a consumer that stopped early (break / return).
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      await lease.release();
    }
  }

  private async binaryPlan(client: Client, request: ReadRequest): Promise<ReturnType<typeof planBinaryRead>> {
    const probe = await client.query({ text: buildResultTypesSql(request), rowMode: 'array', types: POSTGRES_RAW_TYPES });
    const oids = probe.fields.map((f) => f.dataTypeID);
    const unknown = [...new Set(oids.filter((oid) => !this.typeCache.has(oid)))];
    if (unknown.length) {
      const found = await client.query<{ oid: number; typname: string; typtype: string }>(POSTGRES_TYPES_BY_OID_SQL, [unknown]);
      for (const row of found.rows) this.typeCache.set(row.oid, { typname: row.typname, typtype: row.typtype });
    }
    if (!this.backendPids.has(client)) {
      const pid = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      this.backendPids.set(client, pid.rows[0]?.pid ?? 0);
    }
    return planBinaryRead(
      request.columns,
      oids.map((oid) => this.typeCache.get(oid) ?? { typname: `oid ${oid}`, typtype: '?' }),
    );
  }

  private async *copyRows(client: Client, request: ReadRequest, decoders: BinaryDecoder[], types: string[], batchSize: number): AsyncGenerator<RowBatch> {
    const signal = request.signal;
    const query = new CopyOutQuery(buildCopyOutSql(request), new BinaryCopySplitter(request.columns.length, batchSize));
    client.query(query as unknown as Submittable);
    let reading = true;
    try {
      for (;;) {
        if (signal?.aborted) throw abortError(signal);
        const run = await this.wrap(() => query.next());
        if (!run) break;
        yield new PostgresCopyBatch(request.columns, run.rows, run.data, types, decoders);
      }
      reading = false;
    } finally {
      if (reading) await this.stopCopy(client, query);
    }
  }

  /**
   * A COPY TO cannot be closed from the client side: the session's backend is asked to cancel it
   * (from another connection), and what it still sends is read and dropped until the COPY ends.
   */
  private async stopCopy(client: Client, query: CopyOutQuery): Promise<void> {
    const pid = this.backendPids.get(client);
    if (pid && query.copying) await this.clients.with((other) => other.query('SELECT pg_cancel_backend($1)', [pid])).catch(() => undefined);
    await query.discard();
  }

  private async *cursorRows(client: Client, request: ReadRequest, batchSize: number): AsyncGenerator<RowBatch> {
    const { sql, params } = buildSelectSql(request);
    const signal = request.signal;
    const cursor = client.query(new (loadPgCursor())<TextRow>(sql, params, { rowMode: 'array', types: POSTGRES_RAW_TYPES }));
    let closed = false;
    // A first small fetch measures the rows; later fetches hold about READ_BATCH_BYTES.
    let fetch = Math.min(batchSize, FIRST_FETCH);
    try {
      for (;;) {
        if (signal?.aborted) throw abortError(signal);
        const rows = await this.wrap(() => cursor.read(fetch));
        if (rows.length === 0) break;
        yield { columns: request.columns, rows: rows.map((r) => decodeRow(request.columns, r)) };
        if (rows.length < fetch) break;
        fetch = Math.max(1, Math.min(batchSize, Math.floor(READ_BATCH_BYTES / Math.max(1, textBytes(rows) / rows.length))));
      }
      closed = true;
      await this.wrap(() => cursor.close());
    } finally {
      if (!closed) await cursor.close().catch(() => undefined);
    }
  }

  /** The table's exact row count (Reader.countRows). */
  countRows(table: TableRef): Promise<number> {
    return this.wrap(() => this.clients.with(async (client) => Number((await queryRows(client, buildCountRowsSql(table), []))[0]?.[0] ?? 0)));
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

  /**
   * Upper bounds at every (n/parts)-th key. A table estimated at SAMPLE_FROM rows or more takes
   * them from a page sample (TABLESAMPLE SYSTEM, a few thousand keys sorted), so the split costs
   * milliseconds instead of numbering every key; smaller tables, filters that leave too few
   * sampled rows, and relations that cannot be sampled number all keys exactly.
   */
  splitRanges(table: TableRef, keyColumns: NeutralColumn[], parts: number, where?: string): Promise<KeyRange[]> {
    const wanted = Math.max(1, Math.floor(parts));
    if (wanted === 1 || keyColumns.length === 0) return Promise.resolve([{}]);
    return this.wrap(() =>
      this.clients.with(async (client) => {
        const sampled = await this.sampledSplitPoints(client, table, keyColumns, wanted, where);
        const points = sampled ?? (await queryRows(client, buildSplitPointsSql(table, keyColumns, where), [wanted])).slice(0, wanted - 1);
        return rangesFromPoints(points.map((r) => decodeRow(keyColumns, r)));
      }),
    );
  }

  private async sampledSplitPoints(client: Client, table: TableRef, keyColumns: NeutralColumn[], wanted: number, where?: string): Promise<TextRow[] | null> {
    const [estimate] = await queryRows(client, POSTGRES_ROW_ESTIMATE_SQL, [qualifyTable(table)]);
    const rows = Number(estimate?.[0] ?? 0);
    const pages = Number(estimate?.[1] ?? 0);
    if (!(rows >= SAMPLE_FROM) || !(pages > 0)) return null;
    // Whole pages are sampled, and neighbouring rows of a page often have neighbouring keys:
    // the split is as good as the number of pages per range, not rows.
    const percent = Math.min(100, (100 * Math.max(SAMPLE_PAGES, SAMPLE_PAGES_PER_PART * wanted)) / pages);
    let sample: TextRow[];
    try {
      sample = await queryRows(client, buildSampleKeysSql(table, keyColumns, percent, where), []);
    } catch {
      return null; // e.g. a relation kind TABLESAMPLE does not take
    }
    if (sample.length < MIN_SAMPLE_PER_PART * wanted) return null;
    const points: TextRow[] = [];
    for (let i = 1; i < wanted; i++) {
      const point = sample[Math.floor((i * sample.length) / wanted)] as TextRow;
      // A key that is not unique can repeat in the sample: an empty range is no use.
      if (points.length && sameRow(points[points.length - 1] as TextRow, point)) continue;
      points.push(point);
    }
    return points;
  }
}

/** Tables estimated smaller than this are split by numbering every key. */
const SAMPLE_FROM = 100_000;
/** Pages sampled for a split (at least), and per range: a range's size is off by about 1/√(its pages). */
const SAMPLE_PAGES = 640;
const SAMPLE_PAGES_PER_PART = 64;
/** Fewer sampled keys than this per range (a selective filter): number every key instead. */
const MIN_SAMPLE_PER_PART = 20;

/** Rows fetched first by the text cursor, before their size is known. */
const FIRST_FETCH = 100;

/** About the bytes of text rows as the server sent them (characters, close enough). */
function textBytes(rows: TextRow[]): number {
  let bytes = 0;
  for (const row of rows) for (const value of row) bytes += value === null ? 1 : value.length + 1;
  return bytes;
}

function sameRow(a: TextRow, b: TextRow): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Consecutive ranges with the points as upper bounds; the first has no lower bound, the last no upper. */
function rangesFromPoints(points: NeutralValue[][]): KeyRange[] {
  const ranges: KeyRange[] = [];
  let lower: NeutralValue[] | undefined;
  for (const upper of points) {
    ranges.push(lower ? { lower, upper } : { upper });
    lower = upper;
  }
  ranges.push(lower ? { lower } : {});
  return ranges;
}
