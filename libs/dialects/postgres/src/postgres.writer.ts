import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { RowBatch, WriteRequest, WriteResult, Writer } from '@dbferry/dialects-core';
import { inTransaction, type PostgresClients } from './postgres.clients';
import { buildCopySql, buildDeleteRangeSql, buildStageSql, buildUpsertSql, ident, qualifyTable } from './postgres.sql';
import { copyLine, ValueWarnings } from './postgres.values';

/** Characters of COPY text gathered before one stream write: fewer, larger writes are faster. */
const CHUNK_CHARS = 64 * 1024;

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('the write was aborted');
}

/**
 * Streams the batches into `COPY … FROM STDIN` (text format) without holding more than one
 * batch: a full socket buffer (write() → false) waits for 'drain' before the next pull.
 */
async function copyBatches(
  client: Client,
  sql: string,
  request: WriteRequest,
  batches: AsyncIterable<RowBatch>,
  warnings: ValueWarnings,
): Promise<number> {
  const stream = client.query(copyFrom(sql));
  const types = request.columns.map((c) => c.type);
  const names = request.columns.map((c) => c.name);
  let failure: Error | undefined;
  stream.on('error', (error: Error) => {
    failure ??= error;
  });
  const write = async (chunk: string): Promise<void> => {
    if (failure) throw failure;
    // events.once rejects if the stream errors while we wait.
    if (!stream.write(chunk)) await once(stream, 'drain');
  };
  let rows = 0;
  try {
    for await (const batch of batches) {
      if (request.signal?.aborted) throw abortError(request.signal);
      let chunk = '';
      for (const row of batch.rows) {
        chunk += copyLine(types, names, row, warnings);
        rows++;
        if (chunk.length >= CHUNK_CHARS) {
          await write(chunk);
          chunk = '';
        }
      }
      if (chunk) await write(chunk);
    }
    if (request.signal?.aborted) throw abortError(request.signal);
    if (failure) throw failure;
    const done = once(stream, 'finish');
    stream.end();
    await done;
    if (failure) throw failure;
    return rows;
  } catch (error) {
    // A failure on our side (source, abort) ends the COPY with a CopyFail so the connection is
    // ready for the ROLLBACK; after a server error it already is.
    if (!failure && !stream.destroyed) {
      const closed = once(stream, 'close').catch(() => undefined);
      stream.destroy(error instanceof Error ? error : new Error(String(error)));
      await closed;
    }
    throw error;
  }
}

export class PostgresWriter implements Writer {
  constructor(
    private readonly clients: PostgresClients,
    private readonly wrap: <T>(work: () => Promise<T>) => Promise<T>,
  ) {}

  write(request: WriteRequest, batches: AsyncIterable<RowBatch>): Promise<WriteResult> {
    const target = qualifyTable(request.table);
    const names = request.columns.map((c) => c.name);
    if (request.mode !== 'insert' && request.keyColumns.length === 0) {
      return Promise.reject(new Error(`write mode ${request.mode} needs key columns`));
    }
    return this.wrap(() =>
      this.clients.with((client) =>
        inTransaction(client, 'BEGIN', async () => {
          const warnings = new ValueWarnings();
          let rowsWritten: number;
          if (request.mode === 'upsert') {
            const stage = `dbferry_stage_${randomBytes(6).toString('hex')}`;
            await client.query(buildStageSql(stage, request.table));
            await copyBatches(client, buildCopySql(ident(stage), names), request, batches, warnings);
            const result = await client.query(buildUpsertSql(stage, request.table, names, request.keyColumns));
            rowsWritten = result.rowCount ?? 0;
          } else {
            if (request.mode === 'replace-range') {
              const { sql, params } = buildDeleteRangeSql(request.table, request.keyColumns, request.columns, request.range);
              await client.query(sql, params);
            }
            rowsWritten = await copyBatches(client, buildCopySql(target, names), request, batches, warnings);
          }
          return { rowsWritten, warnings: warnings.list() };
        }),
      ),
    );
  }
}
