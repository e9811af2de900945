import type { Connection as CoreConnection } from 'mysql2';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { EventEmitter } from 'node:events';
import {
  type KeyBounds,
  type KeyRange,
  NEUTRAL_TEXT_ROWS,
  type NeutralColumn,
  type NeutralValue,
  READ_BATCH_BYTES,
  type ReadColumn,
  type ReadRequest,
  type Reader,
  type RowBatch,
  selectItem,
  type TableRef,
} from '@dbferry/dialects-core';
import { keyColumnsOf, orderBy, qualify, quoteId, tableLabel, whereClause } from './mysql.sql';
import { MysqlTextBatch, TextRowsCollector, type TextRowsRun, decodeTextRows } from './mysql.text-rows';
import { type RawValue, type ResultField, RowDecoder, type TextRowPacket } from './mysql.values';

/**
 * Opens a dedicated connection with the data session settings (mysql.data-plane.ts). The core
 * (callback) connection is what can stream a query; `.promise()` wraps it for the rest.
 */
export type MysqlConnector = () => Promise<CoreConnection>;
/** Turns a driver error into a DbError (the dialect's classifyError, redacted). */
export type ErrorMapper = (error: unknown) => Error;

export async function guarded<T>(mapError: ErrorMapper, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw mapError(error);
  }
}

/** Raw rows: every value as the bytes the server printed (see mysql.values.ts). */
export const RAW_ROWS = { rowsAsArray: true, typeCast: false } as const;

/** Runs a query whose rows come back as arrays of raw values. */
export async function rawQuery(connection: Connection, sql: string): Promise<RawValue[][]> {
  const [rows] = await connection.query<RowDataPacket[][]>({ sql, ...RAW_ROWS });
  return rows as unknown as RawValue[][];
}

/**
 * A column in the select list. The text protocol prints a FLOAT with 6 significant digits
 * (3.40282e38 for FLT_MAX), so a float32 is selected as a double, which prints it exactly.
 */
export function selectExpression(column: Pick<ReadColumn, 'name' | 'type' | 'expression'>): string {
  const quoted = quoteId(column.name);
  if (column.expression !== undefined) return selectItem(column as ReadColumn, quoted);
  return column.type.kind === 'float32' ? `${quoted} + 0e0 AS ${quoted}` : quoted;
}

export function selectSql(request: Pick<ReadRequest, 'table' | 'columns' | 'keyColumns' | 'range' | 'where'>): string {
  const list = request.columns.map(selectExpression).join(', ');
  const keys = keyColumnsOf(request.columns, request.keyColumns);
  return `SELECT ${list} FROM ${qualify(request.table)}${whereClause(keys, request.range, request.where)}${orderBy(request.keyColumns)}`;
}

/**
 * Makes a mysql2 query read its rows with `parse` (RowDecoder.textRowParser) instead of the parser
 * mysql2 compiles for the result: mysql2 keeps that parser in the query's `_rowParser` and calls
 * its `next(packet, fields)` for each row packet. Should a mysql2 version stop doing so, its own
 * parser runs with the query's `typeCast`, which gives the same values, slower. Returns how many
 * rows `parse` has read (for tests).
 */
export function parseRowsWith(query: object, parse: (packet: TextRowPacket, fields: readonly ResultField[]) => NeutralValue[]): () => number {
  let rows = 0;
  let current: { next(packet: TextRowPacket, fields: readonly ResultField[]): NeutralValue[] } | null = null;
  const own = {
    next(packet: TextRowPacket, fields: readonly ResultField[]): NeutralValue[] {
      rows++;
      return parse(packet, fields);
    },
  };
  Object.defineProperty(query, '_rowParser', {
    configurable: true,
    enumerable: false,
    get: () => current,
    // mysql2 stores its compiled parser once the result's fields are known; ours takes its place.
    set: (theirs: unknown) => {
      current = theirs ? own : null;
    },
  });
  return () => rows;
}

class AbortError extends Error {
  constructor() {
    super('read aborted');
    this.name = 'AbortError';
  }
}

export class MysqlReader implements Reader {
  constructor(
    private readonly main: Connection,
    private readonly connect: MysqlConnector,
    private readonly mapError: ErrorMapper,
  ) {}

  private guard<T>(work: () => Promise<T>): Promise<T> {
    return guarded(this.mapError, work);
  }

  /**
   * Reads on a dedicated connection inside a consistent read-only snapshot; the rows are cut into
   * batches as they are parsed and the socket is paused while batches wait for the consumer
   * (ResultBatches), so memory stays at a few batches. Stopping early (abort, a consumer's break
   * or error) destroys that connection: the rest of the result is never pulled.
   */
  async *read(request: ReadRequest): AsyncIterable<RowBatch> {
    const sql = selectSql(request);
    const decoder = new RowDecoder(request.columns, tableLabel(request.table));
    const batchSize = Math.max(1, request.batchSize);
    const signal = request.signal;
    if (signal?.aborted) throw new AbortError();
    const core = await this.guard(() => this.connect());
    const connection = core.promise();
    let finished = false;
    let result: ResultBatches | undefined;
    const onAbort = () => {
      result?.fail(new AbortError());
      connection.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.guard(() => connection.query('START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT'));
      if (signal?.aborted) throw new AbortError();
      const read = { bytes: 0 };
      const query = core.query({ sql, rowsAsArray: true, typeCast: decoder.typeCast(read) });
      const maxBytes = READ_BATCH_BYTES;
      const checks = request.nativeFormats?.includes(NEUTRAL_TEXT_ROWS) ? decoder.neutralTextChecks() : undefined;
      if (checks) {
        // The consumer takes the rows as the server's bytes (mysql.text-rows.ts).
        const collector = new TextRowsCollector(decoder, checks);
        const kinds = request.columns.map((c) => c.type.kind);
        parseRowsWith(query, collector.parser);
        result = new ResultBatches(
          core,
          query,
          (rows) => rows.length >= batchSize || collector.bytes >= maxBytes,
          () => this.textBatch(request.columns, kinds, collector.take(), decoder),
        );
      } else {
        parseRowsWith(query, decoder.textRowParser(read));
        result = new ResultBatches(
          core,
          query,
          (rows) => rows.length >= batchSize || read.bytes >= maxBytes,
          (rows) => {
            read.bytes = 0;
            return this.batch(request.columns, rows, decoder);
          },
        );
      }
      try {
        for await (const batch of result.batches()) {
          yield batch;
          if (signal?.aborted) throw new AbortError();
        }
      } catch (error) {
        if (signal?.aborted) throw new AbortError();
        throw this.mapError(error);
      }
      if (signal?.aborted) throw new AbortError();
      await this.guard(() => connection.query('COMMIT'));
      finished = true;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (finished) await connection.end().catch(() => connection.destroy());
      else connection.destroy();
    }
  }

  /** InnoDB's estimate (information_schema TABLE_ROWS), 0 when unknown. */
  private async rowEstimate(table: TableRef): Promise<number> {
    const [rows] = await this.main.query<RowDataPacket[]>(
      'SELECT TABLE_ROWS AS table_rows FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [table.schema, table.name],
    );
    return Number(rows[0]?.['table_rows'] ?? 0);
  }

  /** Rows collected as bytes: lazy, unless a value is not its neutral form (decoded now, with its warnings). */
  private textBatch(columns: NeutralColumn[], kinds: string[], run: TextRowsRun, decoder: RowDecoder): RowBatch {
    if (run.canonical) return new MysqlTextBatch(columns, kinds, run, decoder);
    return this.batch(columns, decodeTextRows(decoder, run), decoder);
  }

  private batch(columns: NeutralColumn[], rows: NeutralValue[][], decoder: RowDecoder): RowBatch {
    const warnings = decoder.takeWarnings();
    return warnings.length ? { columns, rows, warnings } : { columns, rows };
  }

  keyBounds(table: TableRef, keyColumns: NeutralColumn[], where?: string): Promise<KeyBounds | null> {
    return this.guard(async () => {
      const names = keyColumns.map((k) => k.name);
      const list = names.map(quoteId).join(', ');
      const from = `FROM ${qualify(table)}${whereClause(keyColumns, undefined, where)}`;
      const decoder = new RowDecoder(keyColumns, tableLabel(table), { zeroDatesAsText: true });
      const one = async (direction: '' | ' DESC') => {
        const rows = await rawQuery(this.main, `SELECT ${list} ${from}${orderBy(names, direction)} LIMIT 1`);
        const row = rows[0];
        return row ? decoder.decode(row) : null;
      };
      const min = await one('');
      if (!min) return null;
      const max = await one(' DESC');
      return max ? { min, max } : null;
    });
  }

  /**
   * A table estimated at QUANTILES_FROM rows or more with a single integer key is cut at
   * approximate row quantiles read off key histograms (keyQuantiles): grouped counts over an
   * index range scan, never a sort of the table, so gappy or skewed keys still give ranges of
   * about equal row counts. Other keys and smaller tables are numbered exactly (splitSql), which
   * reads and sorts every key: seconds on millions of rows.
   */
  splitRanges(table: TableRef, keyColumns: NeutralColumn[], parts: number, where?: string): Promise<KeyRange[]> {
    return this.guard(async () => {
      if (parts <= 1 || keyColumns.length === 0) return [{}];
      const key = keyColumns[0] as NeutralColumn;
      const estimate = keyColumns.length === 1 && INTEGER_KEY_KINDS.has(key.type.kind) ? await this.rowEstimate(table) : 0;
      if (estimate >= QUANTILES_FROM) {
        const bounds = await this.keyBounds(table, keyColumns, where);
        if (!bounds) return [{}];
        const asBigint = typeof bounds.min[0] === 'bigint';
        const min = BigInt(bounds.min[0] as number | bigint);
        const max = BigInt(bounds.max[0] as number | bigint);
        if (!where && isDenseKey(estimate, min, max)) {
          // Keys fill [min, max] (nearly): equal key intervals hold about equal rows, and
          // cost two index lookups where the histogram costs a scan of the key index.
          return rangesBetween(equalIntervalCuts(min, max, parts).map((c) => [asBigint ? c : Number(c)]));
        }
        const histogram: KeyHistogram = async (low, high, buckets) => {
          const rows = await rawQuery(this.main, histogramSql(table, key.name, low, high, buckets, where));
          return rows.map((r) => ({
            rows: Number(r[1]?.toString('latin1') ?? '0'),
            min: BigInt(r[2]?.toString('latin1') ?? '0'),
            max: BigInt(r[3]?.toString('latin1') ?? '0'),
          }));
        };
        const cuts = await keyQuantiles(histogram, min, max, parts);
        return rangesBetween(cuts.map((c) => [asBigint ? c : Number(c)]));
      }
      const names = keyColumns.map((k) => k.name);
      const filter = whereClause(keyColumns, undefined, where);
      const countRows = await rawQuery(this.main, `SELECT COUNT(*) FROM ${qualify(table)}${filter}`);
      const total = Number(countRows[0]?.[0]?.toString('latin1') ?? '0');
      const step = Math.ceil(total / parts);
      if (total === 0 || step === 0 || total <= step) return [{}];
      const rows = await rawQuery(this.main, splitSql(table, names, filter, step, total));
      const decoder = new RowDecoder(keyColumns, tableLabel(table), { zeroDatesAsText: true });
      return rangesBetween(rows.map((r) => decoder.decode(r)));
    });
  }
}

const INTEGER_KEY_KINDS = new Set<NeutralColumn['type']['kind']>(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);
/** Tables estimated smaller than this are split by numbering every key. */
const QUANTILES_FROM = 100_000;

/**
 * True when InnoDB's row estimate says the keys fill at least 90% of [min, max]. The estimate
 * can be off; if it wrongly says dense, ranges are uneven (slower), never wrong.
 */
export function isDenseKey(estimate: number, min: bigint, max: bigint): boolean {
  return BigInt(Math.round(estimate)) * 10n >= (max - min + 1n) * 9n;
}

/** Cut points of `parts` equal key intervals over [min, max] (fewer when there are fewer keys). */
export function equalIntervalCuts(min: bigint, max: bigint, parts: number): bigint[] {
  const span = max - min + 1n;
  const cuts: bigint[] = [];
  for (let i = 1n; i < BigInt(parts); i++) {
    const cut = min + (span * i) / BigInt(parts) - 1n;
    if (cut >= min && cut < max && cut !== cuts[cuts.length - 1]) cuts.push(cut);
  }
  return cuts;
}

/** Ranges between ascending cut points: the first open below, the last open above. */
export function rangesBetween(cuts: NeutralValue[][]): KeyRange[] {
  const ranges: KeyRange[] = [];
  let lower: NeutralValue[] | undefined;
  for (const upper of cuts) {
    ranges.push(lower ? { lower, upper } : { upper });
    lower = upper;
  }
  ranges.push(lower ? { lower } : {});
  return ranges;
}

/** The rows of one histogram bucket and its smallest and largest key. */
export interface KeyBucket {
  rows: number;
  min: bigint;
  max: bigint;
}

/**
 * Counts the rows with `low <= key <= high` in `buckets` key intervals of equal width; returns
 * the non-empty ones in key order.
 */
export type KeyHistogram = (low: bigint, high: bigint, buckets: number) => Promise<KeyBucket[]>;

/**
 * Cut points (largest key of each range but the last) that split the keys in [min, max] into
 * `parts` ranges of about equal row counts, however the keys are spread: a histogram of
 * equal-width buckets over [min, max], then, for each wanted row rank, the bucket holding it is
 * histogrammed again (between its own smallest and largest key) until it holds at most an
 * eighth of a range's rows; the cut is that bucket's largest key, so every range is within an
 * eighth of the mean of its share. Dense keys take one grouped count over the key index; each
 * refinement reads only the rows of the buckets refined. Fewer ranges when there are fewer keys.
 */
export async function keyQuantiles(histogram: KeyHistogram, min: bigint, max: bigint, parts: number): Promise<bigint[]> {
  const buckets = Math.min(4096, Math.max(64, parts * 16));
  const top = await histogram(min, max, buckets);
  const total = top.reduce((sum, b) => sum + b.rows, 0);
  if (total === 0 || parts <= 1) return [];
  const share = total / parts;
  const tolerance = Math.max(1, share / 8);
  const ranks = Array.from({ length: parts - 1 }, (_, i) => Math.round((i + 1) * share));
  const cuts = new Set<bigint>();
  const place = async (level: KeyBucket[], before: number, wanted: number[]): Promise<void> => {
    let seen = before;
    let next = 0;
    for (const bucket of level) {
      const inside: number[] = [];
      while (next < wanted.length && (wanted[next] as number) <= seen + bucket.rows) inside.push(wanted[next++] as number);
      if (inside.length > 0) {
        if (bucket.rows <= tolerance || bucket.min === bucket.max) cuts.add(bucket.max);
        else await place(await histogram(bucket.min, bucket.max, buckets), seen, inside);
      }
      seen += bucket.rows;
    }
  };
  await place(top, 0, ranks);
  return [...cuts].filter((c) => c < max).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * One histogram level: rows, smallest and largest key per equal-width key interval of
 * [low, high], an index range scan grouped into at most `buckets` groups (no sort of the rows):
 * about the cost of a COUNT(*) over the range. A span of 2^63 or more is computed in DECIMAL
 * (twice as slow), where a key minus `low` would overflow a BIGINT.
 */
export function histogramSql(table: TableRef, keyName: string, low: bigint, high: bigint, buckets: number, where?: string): string {
  const key = quoteId(keyName);
  const width = (high - low) / BigInt(buckets) + 1n;
  const value = high - low < 2n ** 63n ? key : `CAST(${key} AS DECIMAL(20,0))`;
  const bucket = `(${value} - (${low})) DIV ${width}`;
  const filter = [`${key} >= ${low}`, `${key} <= ${high}`, ...(where ? [`(${where})`] : [])].join(' AND ');
  return `SELECT ${bucket} AS ${quoteId('_dbferry_bucket')}, COUNT(*), MIN(${key}), MAX(${key}) FROM ${qualify(table)} WHERE ${filter} GROUP BY 1 ORDER BY 1`;
}

/** Batches a read holds parsed before it pauses the socket until the consumer takes one. */
const READY_BATCHES = 2;

/**
 * A mysql2 query's rows, cut into batches as they are parsed (no object-mode stream and no await
 * per row between the parser and the batch). While READY_BATCHES batches wait for the consumer
 * the connection is paused: mysql2 then holds the packets already received unparsed, and reads
 * no more from the socket.
 */
export class ResultBatches {
  private ready: RowBatch[] = [];
  private rows: NeutralValue[][] = [];
  private ended = false;
  private failure: unknown;
  private paused = false;
  private wake: () => void = () => undefined;

  constructor(
    private readonly connection: Pick<CoreConnection, 'pause' | 'resume'> & Pick<EventEmitter, 'on'>,
    query: Pick<EventEmitter, 'on'>,
    /** Whether the rows parsed so far make a batch. */
    private readonly full: (rows: NeutralValue[][]) => boolean,
    private readonly cut: (rows: NeutralValue[][]) => RowBatch,
  ) {
    query.on('result', (row: NeutralValue[]) => {
      this.rows.push(row);
      if (this.full(this.rows)) this.flush();
    });
    query.on('end', () => {
      this.flush();
      this.ended = true;
      this.wake();
    });
    query.on('error', (error: unknown) => this.fail(error));
    // A connection lost mid-result (killed, server gone) is emitted on the connection only: mysql2
    // hands it to a streaming query, which has no callback, never. Unheard, the read waited forever.
    connection.on('error', (error: unknown) => {
      if (!this.ended) this.fail(error);
    });
  }

  /** Ends the batches with `error` (the first one given wins). */
  fail(error: unknown): void {
    this.failure ??= error;
    this.wake();
  }

  private flush(): void {
    if (this.rows.length === 0) return;
    this.ready.push(this.cut(this.rows));
    this.rows = [];
    if (this.ready.length >= READY_BATCHES && !this.paused) {
      this.paused = true;
      this.connection.pause();
    }
    this.wake();
  }

  async *batches(): AsyncGenerator<RowBatch> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const batch = this.ready.shift();
      if (batch) {
        if (this.paused && this.ready.length < READY_BATCHES) {
          this.paused = false;
          // Parses the packets held meanwhile, which may pause it again.
          this.connection.resume();
        }
        yield batch;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/** Every `step`-th key in key order (window functions: MySQL 8, MariaDB 10.2+), the last range's end excluded. */
export function splitSql(table: TableRef, keyNames: string[], filter: string, step: number, total: number): string {
  const list = keyNames.map(quoteId).join(', ');
  const rn = quoteId('_dbferry_rn');
  return (
    `SELECT ${list} FROM (SELECT ${list}, ROW_NUMBER() OVER (${orderBy(keyNames).trim()}) AS ${rn} FROM ${qualify(table)}${filter}) AS ${quoteId('_dbferry_keys')}` +
    ` WHERE MOD(${rn}, ${step}) = 0 AND ${rn} < ${total} ORDER BY ${rn}`
  );
}
