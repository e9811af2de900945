import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Client } from 'pg';
import { batchRowCount, checkReplacedRangeCount, RowCountMismatchError, NEUTRAL_TEXT_ROWS, type NeutralKind, SMALL_WRITE_ROWS, takeSmallWrite, type NeutralValue, type RowBatch, type WriteRequest, type WriteResult, type Writer } from '@dbferry/dialects-core';
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, type BinaryEncoder, BinaryCopyBuffer, type TargetColumnType } from './postgres.binary-frame';
import { binaryPassThrough, planBinaryCopy, writeBinaryRow } from './postgres.binary';
import { NeutralTextTranscoder } from './postgres.binary-text';
import { inTransaction, type PostgresClients } from './postgres.clients';
import { loadPgCopyStreams } from './postgres.load-driver';
import { NATIVE_FORMAT } from './postgres.copy-out';
import {
  buildCopySql,
  buildCountRangeSql,
  buildDeleteRangeSql,
  buildStageSql,
  buildUpsertSql,
  buildValuesUpsertSql,
  ident,
  POSTGRES_COPY_TARGET_TYPES_SQL,
  POSTGRES_MAX_BIND_PARAMS,
  POSTGRES_RANGE_COUNT_PLAN_SQL,
  qualifyTable,
} from './postgres.sql';
import { copyLine, encodeText, ValueWarnings } from './postgres.values';

/** Bytes (or characters) of COPY data gathered before one stream write: fewer, larger writes are faster. */
const CHUNK_SIZE = 64 * 1024;

/** How the rows are put on the wire: text lines, or the binary format with one encoder per column. */
interface CopyEncoding {
  format: 'text' | 'binary';
  /** Appends one row. */
  add(row: NeutralValue[]): void;
  /** Size gathered since the last take(). */
  pending(): number;
  take(): string | Buffer;
  header?: Buffer;
  trailer?: Buffer;
  /** The batch's rows as this COPY takes them unchanged (PostgreSQL binary from a like-typed source), if it can. */
  native?(batch: RowBatch): Buffer | undefined;
  /** Appends the batch's NEUTRAL_TEXT_ROWS as rows of this COPY when it can; the rows appended, else undefined. */
  transcode?(batch: RowBatch): number | undefined;
}

function textEncoding(request: WriteRequest, warnings: ValueWarnings): CopyEncoding {
  const types = request.columns.map((c) => c.type);
  const names = request.columns.map((c) => c.name);
  let chunk = '';
  return {
    format: 'text',
    add: (row) => {
      chunk += copyLine(types, names, row, warnings);
    },
    pending: () => chunk.length,
    take: () => {
      const out = chunk;
      chunk = '';
      return out;
    },
  };
}

function binaryEncoding(request: WriteRequest, encoders: BinaryEncoder[], targets: TargetColumnType[], warnings: ValueWarnings): CopyEncoding {
  const names = request.columns.map((c) => c.name);
  const out = new BinaryCopyBuffer();
  // One answer per reader: its batches share one `types` array.
  let checked: string[] | undefined;
  let usable = false;
  const kinds = request.columns.map((c) => c.type.kind);
  let textKinds: string[] | undefined;
  let transcoder: NeutralTextTranscoder | undefined;
  return {
    format: 'binary',
    add: (row) => writeBinaryRow(out, encoders, names, row, warnings),
    pending: () => out.length,
    take: () => out.take(),
    header: BINARY_COPY_HEADER,
    trailer: BINARY_COPY_TRAILER,
    native: (batch) => {
      const native = batch.native;
      if (!native || native.format !== NATIVE_FORMAT) return undefined;
      if (native.types !== checked) {
        checked = native.types;
        usable = binaryPassThrough(native.types, targets);
      }
      return usable ? native.data : undefined;
    },
    transcode: (batch) => {
      const native = batch.native;
      if (!native || native.format !== NEUTRAL_TEXT_ROWS) return undefined;
      if (native.types !== textKinds) {
        textKinds = native.types;
        transcoder = NeutralTextTranscoder.for(native.types, kinds, encoders, names);
      }
      if (!transcoder) return undefined;
      const rows = transcoder.write(out, native.data, warnings);
      if (batch.rowCount !== undefined && rows !== batch.rowCount) throw new Error(`a batch of ${batch.rowCount} row(s) carried ${rows} in its neutral text rows`);
      return rows;
    },
  };
}

/**
 * Binary when every column has an encoder for its neutral kind and the target column's actual
 * type (read from the catalogue once per write), text otherwise. `copyFormat` 'binary' insists
 * (and throws naming the column that cannot), 'text' forces text.
 */
async function chooseEncoding(client: Client, request: PostgresWriteRequest, warnings: ValueWarnings): Promise<CopyEncoding> {
  const format = request.copyFormat ?? 'auto';
  if (format === 'text') return textEncoding(request, warnings);
  const result = await client.query<{ name: string; typname: string; typtype: string }>(POSTGRES_COPY_TARGET_TYPES_SQL, [qualifyTable(request.table)]);
  const targets = new Map<string, TargetColumnType>(result.rows.map((r) => [r.name, { typname: r.typname, typtype: r.typtype }]));
  const plan = planBinaryCopy(request.columns, targets);
  if ('encoders' in plan) return binaryEncoding(request, plan.encoders, request.columns.map((c) => targets.get(c.name) as TargetColumnType), warnings);
  if (format === 'binary') throw new Error(`binary COPY into ${qualifyTable(request.table)} is not possible: ${plan.textBecause}`);
  return textEncoding(request, warnings);
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('the write was aborted');
}

/**
 * Streams the batches into `COPY … FROM STDIN` without holding more than one batch: a
 * full socket buffer (write() → false) waits for 'drain' before the next pull.
 */
async function copyBatches(
  client: Client,
  table: string,
  request: WriteRequest,
  batches: AsyncIterable<RowBatch>,
  encoding: CopyEncoding,
): Promise<{ given: number; stored: number }> {
  const stream = client.query(loadPgCopyStreams().from(buildCopySql(table, request.columns.map((c) => c.name), encoding.format)));
  let failure: Error | undefined;
  stream.on('error', (error: Error) => {
    failure ??= error;
  });
  const write = async (chunk: string | Buffer): Promise<void> => {
    if (failure) throw failure;
    // events.once rejects if the stream errors while we wait.
    if (!stream.write(chunk)) await once(stream, 'drain');
  };
  let rows = 0;
  try {
    if (encoding.header) await write(encoding.header);
    for await (const batch of batches) {
      if (request.signal?.aborted) throw abortError(request.signal);
      const native = encoding.native?.(batch);
      if (native) {
        await write(native);
        rows += batchRowCount(batch);
        continue;
      }
      const transcoded = encoding.transcode?.(batch);
      if (transcoded !== undefined) {
        rows += transcoded;
        if (encoding.pending() > 0) await write(encoding.take());
        continue;
      }
      for (const row of batch.rows) {
        encoding.add(row);
        rows++;
        if (encoding.pending() >= CHUNK_SIZE) await write(encoding.take());
      }
      if (encoding.pending() > 0) await write(encoding.take());
    }
    if (request.signal?.aborted) throw abortError(request.signal);
    if (encoding.trailer) await write(encoding.trailer);
    if (failure) throw failure;
    const done = once(stream, 'finish');
    stream.end();
    await done;
    if (failure) throw failure;
    // The server's own count, from COPY's command tag: the rows it stored (a BEFORE trigger may drop some).
    return { given: rows, stored: stream.rowCount };
  } catch (error) {
    // A failure on our side (source, abort, a rejected value) ends the COPY with a CopyFail so
    // the connection is ready for the ROLLBACK; after a server error it already is.
    if (!failure && !stream.destroyed) {
      const closed = once(stream, 'close').catch(() => undefined);
      stream.destroy(error instanceof Error ? error : new Error(String(error)));
      await closed;
    }
    throw error;
  }
}

/** WriteRequest plus the COPY format, for tests and measurements: 'auto' (the default) picks binary when it can. */
export interface PostgresWriteRequest extends WriteRequest {
  copyFormat?: 'auto' | 'text' | 'binary';
}

/**
 * Key kinds PostgreSQL orders as the engine does (DataPlane.orderedKeyKinds): integers and
 * numeric by value, uuid and bytea by their bytes, date and timestamps by time. Text follows a
 * collation, so it is not one of them.
 */
export const POSTGRES_ORDERED_KEY_KINDS: readonly NeutralKind[] = [
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'decimal',
  'uuid', 'binary', 'blob', 'date', 'timestamp', 'timestamptz',
];


/**
 * The rows the request's range holds inside the write's transaction (WriteRequest.verify),
 * counted through the key's index: a freshly created table has no statistics, and its one-sided
 * first and last ranges were otherwise planned as a parallel scan of every row written so far.
 * (`COPY … WHERE <range>` with COPY's own count was tried instead: it cost the COPY 13.6% more
 * server CPU, against 4.4% for this count; docs/benchmarks.md.)
 */
async function rowsInRange(client: Client, request: WriteRequest): Promise<number> {
  if (request.range && (request.range.lower || request.range.upper)) await client.query(POSTGRES_RANGE_COUNT_PLAN_SQL);
  const count = buildCountRangeSql(request.table, request.keyColumns, request.columns, request.range);
  const counted = await client.query<{ n: string }>(count.sql, count.params);
  return Number(counted.rows[0]?.n ?? 0);
}

/** Rows a write may have to take the one-statement path: SMALL_WRITE_ROWS, fewer when its columns would pass the bind limit. */
function smallWriteRows(request: WriteRequest): number {
  return Math.min(SMALL_WRITE_ROWS, Math.floor(POSTGRES_MAX_BIND_PARAMS / Math.max(1, request.columns.length)));
}

/**
 * A small upsert as one `INSERT … VALUES … ON CONFLICT DO UPDATE` with every value bound as the
 * text the COPY text format would carry (encodeText: the same NUL policy, microsecond cut and
 * warnings), so it stores exactly what the bulk path stores. No rows: nothing is sent.
 */
async function upsertValues(client: Client, request: WriteRequest, rows: NeutralValue[][], warnings: ValueWarnings): Promise<number> {
  if (request.signal?.aborted) throw abortError(request.signal);
  if (rows.length === 0) return 0;
  const names = request.columns.map((c) => c.name);
  const params: (string | null)[] = [];
  for (const row of rows) {
    if (row.length !== names.length) throw new Error(`a batch row has ${row.length} values, the writer was given ${names.length} columns`);
    for (let i = 0; i < names.length; i++) params.push(encodeText(request.columns[i].type, row[i] ?? null, names[i], warnings));
  }
  const result = await client.query(buildValuesUpsertSql(request.table, names, request.keyColumns, rows.length), params);
  return result.rowCount ?? 0;
}

export class PostgresWriter implements Writer {
  readonly nativeFormats: readonly string[] = [NATIVE_FORMAT, NEUTRAL_TEXT_ROWS];

  constructor(
    private readonly clients: PostgresClients,
    private readonly wrap: <T>(work: () => Promise<T>) => Promise<T>,
  ) {}

  write(request: PostgresWriteRequest, batches: AsyncIterable<RowBatch>): Promise<WriteResult> {
    const target = qualifyTable(request.table);
    const names = request.columns.map((c) => c.name);
    if (request.mode !== 'insert' && request.keyColumns.length === 0) {
      return Promise.reject(new Error(`write mode ${request.mode} needs key columns`));
    }
    return this.wrap(() =>
      this.clients.with((client) =>
        inTransaction(client, 'BEGIN', async () => {
          const warnings = new ValueWarnings(request.nul ?? 'strip', target);
          const verify = request.verify === true && !request.rollback;
          let rowsWritten: number;
          const probe = request.mode === 'upsert' && request.copyFormat === undefined ? await takeSmallWrite(batches, smallWriteRows(request)) : undefined;
          if (probe?.small) {
            rowsWritten = await upsertValues(client, request, probe.rows, warnings);
          } else if (request.mode === 'upsert') {
            const stage = `dbferry_stage_${randomBytes(6).toString('hex')}`;
            await client.query(buildStageSql(stage, request.table));
            await copyBatches(client, ident(stage), request, probe?.batches ?? batches, await chooseEncoding(client, request, warnings));
            const result = await client.query(buildUpsertSql(stage, request.table, names, request.keyColumns));
            rowsWritten = result.rowCount ?? 0;
          } else {
            if (request.mode === 'replace-range') {
              const { sql, params } = buildDeleteRangeSql(request.table, request.keyColumns, request.columns, request.range);
              await client.query(sql, params);
            }
            const copied = await copyBatches(client, target, request, batches, await chooseEncoding(client, request, warnings));
            rowsWritten = copied.given;
            // An insert into rows known to be absent, proven by COPY's own count instead of reading the table back.
            if (request.verifyStored && !request.rollback && copied.stored !== copied.given) {
              throw new RowCountMismatchError(
                copied.given,
                copied.stored,
                `${target} stored ${copied.stored} of the ${copied.given} row(s) written into it, by COPY's own count, in the same transaction (rolled back)`,
              );
            }
          }
          if (!verify) return { rowsWritten, warnings: warnings.list() };
          const rangeRows = await rowsInRange(client, request);
          checkReplacedRangeCount(request, rowsWritten, rangeRows);
          return { rowsWritten, warnings: warnings.list(), rangeRows };
        }, request.rollback ? 'ROLLBACK' : 'COMMIT'),
      ),
    );
  }
}
