import { checkReplacedRangeCount, type NeutralColumn, type NeutralKind, type RowBatch, ValueLossCounter, type WriteRequest, type WriteResult, type Writer } from '@dbferry/dialects-core';
import type { Database, Statement } from 'sqlite3';
import { all, exec, finalize, prepare, run, type SqliteParam, statementRun } from './sqlite.driver';
import { throwIfAborted } from './sqlite.reader';
import { type SqliteNaming, SqliteSql } from './sqlite.sql';
import { encodeValue } from './sqlite.values';

/**
 * Key kinds SQLite orders as the engine does (DataPlane.orderedKeyKinds): integers up to 64-bit
 * signed (INTEGER affinity, bound through CAST) and byte strings (BLOB, memcmp). Not uint64 or
 * decimals kept as TEXT (compared as text: '10' < '9'), uuid, dates or timestamps (text).
 */
export const SQLITE_ORDERED_KEY_KINDS: readonly NeutralKind[] = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'binary', 'blob'];

/** Rows of one statement are also capped by size, so 1 MB values do not pile up thousands deep. */
const MAX_STATEMENT_BYTES = 16 * 1024 * 1024;
/** Distinct short statement sizes kept prepared (the last rows of a write, size-capped ones). */
const MAX_CACHED_STATEMENTS = 4;

function approximateBytes(param: SqliteParam): number {
  if (param === null) return 1;
  if (typeof param === 'number') return 8;
  return param.length;
}

/**
 * Writes every batch inside one `BEGIN IMMEDIATE` transaction with prepared multi-row INSERTs of
 * as many rows as the bind limit allows; upsert adds ON CONFLICT … DO UPDATE, replace-range
 * deletes the range first. Any error rolls the whole write back.
 */
export class SqliteWriter implements Writer {
  private readonly sql: SqliteSql;

  constructor(
    private readonly db: Database,
    naming: SqliteNaming,
    /** The bind limit of the linked SQLite library (see bindLimit in sqlite.data-plane.ts). */
    private readonly maxBindParams: () => Promise<number>,
  ) {
    this.sql = new SqliteSql(naming);
  }

  async write(request: WriteRequest, batches: AsyncIterable<RowBatch>): Promise<WriteResult> {
    const { table, columns, keyColumns, mode, range, signal } = request;
    if (columns.length === 0) throw new Error('a write needs at least one column');
    const keys = keyColumns.map((name) => {
      const column = columns.find((c) => c.name === name);
      if (!column) throw new Error(`key column ${name} is not among the columns written`);
      return { name, type: column.type };
    });
    if (mode === 'upsert' && keys.length === 0) throw new Error('upsert needs key columns');
    const upsertKey = mode === 'upsert' ? keyColumns : undefined;
    // Built before the transaction so a bad identifier fails before any SQL runs.
    const fullRows = Math.max(1, Math.floor((await this.maxBindParams()) / columns.length));
    const insertText = (rows: number) => this.sql.insert(table, columns, rows, upsertKey);
    const deletion = mode === 'replace-range' ? this.sql.deleteRange(table, keys, range) : undefined;
    const counting = request.verify && !request.rollback ? this.sql.countRange(table, keys, range) : undefined;
    insertText(1);

    const warnings = new ValueLossCounter();
    const statements = new Map<number, Statement>();
    const statementFor = async (rows: number): Promise<Statement> => {
      const cached = statements.get(rows);
      if (cached) return cached;
      if (rows !== fullRows && statements.size >= MAX_CACHED_STATEMENTS) {
        for (const [size, statement] of statements) {
          if (size === fullRows) continue;
          statements.delete(size);
          await finalize(statement);
          break;
        }
      }
      const statement = await prepare(this.db, insertText(rows));
      statements.set(rows, statement);
      return statement;
    };

    let pending: SqliteParam[] = [];
    let pendingRows = 0;
    let pendingBytes = 0;
    let written = 0;
    let rangeRows: number | undefined;
    const flush = async () => {
      if (pendingRows === 0) return;
      await statementRun(await statementFor(pendingRows), pending);
      written += pendingRows;
      pending = [];
      pendingRows = 0;
      pendingBytes = 0;
    };

    await exec(this.db, 'BEGIN IMMEDIATE');
    try {
      if (deletion) await run(this.db, deletion.sql, deletion.params);
      for await (const batch of batches) {
        throwIfAborted(signal);
        this.checkShape(batch, columns);
        for (const row of batch.rows) {
          for (let j = 0; j < columns.length; j += 1) {
            const param = encodeValue(columns[j].type, row[j] ?? null, (kind) => warnings.add(columns[j].name, kind));
            pending.push(param);
            pendingBytes += approximateBytes(param);
          }
          pendingRows += 1;
          if (pendingRows >= fullRows || pendingBytes >= MAX_STATEMENT_BYTES) await flush();
        }
      }
      await flush();
      throwIfAborted(signal);
      if (counting) {
        const [row] = await all<{ n: number }>(this.db, counting.sql, counting.params);
        rangeRows = Number(row?.n ?? 0);
        checkReplacedRangeCount(request, written, rangeRows);
      }
      await exec(this.db, request.rollback ? 'ROLLBACK' : 'COMMIT');
    } catch (error) {
      await exec(this.db, 'ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      for (const statement of statements.values()) await finalize(statement);
    }
    return { rowsWritten: written, warnings: warnings.list(), ...(rangeRows !== undefined && { rangeRows }) };
  }

  private checkShape(batch: RowBatch, columns: NeutralColumn[]): void {
    if (batch.columns.length !== columns.length) {
      throw new Error(`a batch has ${batch.columns.length} columns; the write expects ${columns.length}`);
    }
  }
}
