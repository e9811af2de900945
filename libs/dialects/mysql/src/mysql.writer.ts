import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { Connection as CoreConnection } from 'mysql2';
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { checkReplacedRangeCount, type NeutralColumn, type NeutralKind, type NeutralValue, type RowBatch, type TableRef, ValueLossCounter, type WriteRequest, type WriteResult, type Writer } from '@dbferry/dialects-core';
import type { MysqlFlavor } from './mysql.sql';
import { type ErrorMapper, guarded, type MysqlConnector } from './mysql.reader';
import { keyColumnsOf, qualify, quoteId, whereClause } from './mysql.sql';
import { loadDataSql, loadDataWarningError } from './mysql.load-data';
import { LoadDataEncoder } from './mysql.load-data-encoder';
import { sqlLiteral } from './mysql.values';

/** Share of max_allowed_packet one statement may use: headroom for the protocol and the server's own copy. */
export const PACKET_SHARE = 0.5;
const UPSERT_ALIAS = '_dbferry_new';

export interface MysqlServerInfo {
  flavor: MysqlFlavor;
  /** VERSION() as the server reports it. */
  rawVersion: string;
}

/** MySQL 8.0.19 added `INSERT … AS alias`; 8.0.20 deprecated VALUES(col). MariaDB only has VALUES(col). */
export function supportsRowAlias(server: MysqlServerInfo): boolean {
  if (server.flavor !== 'mysql') return false;
  const [major = 0, minor = 0, patch = 0] = (/^(\d+)\.(\d+)\.(\d+)/.exec(server.rawVersion) ?? []).slice(1).map(Number);
  return major > 8 || (major === 8 && (minor > 0 || patch >= 19));
}

/** The statement up to VALUES, and what follows the rows for the mode. */
export function insertStatementParts(
  table: TableRef,
  columns: string[],
  keyColumns: string[],
  mode: 'insert' | 'upsert',
  server: MysqlServerInfo,
): { head: string; tail: string } {
  const head = `INSERT INTO ${qualify(table)} (${columns.map(quoteId).join(', ')}) VALUES `;
  if (mode === 'insert') return { head, tail: '' };
  if (keyColumns.length === 0) throw new Error('upsert needs key columns');
  const keys = new Set(keyColumns);
  const nonKey = columns.filter((c) => !keys.has(c));
  // A table of key columns only: a no-op update keeps the statement an upsert.
  const updated = nonKey.length ? nonKey : keyColumns;
  if (supportsRowAlias(server)) {
    const alias = quoteId(UPSERT_ALIAS);
    return { head, tail: ` AS ${alias} ON DUPLICATE KEY UPDATE ${updated.map((c) => `${quoteId(c)} = ${alias}.${quoteId(c)}`).join(', ')}` };
  }
  return { head, tail: ` ON DUPLICATE KEY UPDATE ${updated.map((c) => `${quoteId(c)} = VALUES(${quoteId(c)})`).join(', ')}` };
}

/**
 * Packs row tuples into multi-row INSERTs limited both by rows (the bind-parameter limit over
 * the column count, so a statement never carries more values than a prepared one could) and
 * by bytes (a share of max_allowed_packet).
 */
export class InsertPacker {
  readonly maxRows: number;
  private rows: string[] = [];
  private bytes = 0;
  private readonly fixedBytes: number;

  constructor(
    private readonly head: string,
    private readonly tail: string,
    columnCount: number,
    maxBindParams: number,
    readonly maxBytes: number,
  ) {
    this.maxRows = Math.max(1, Math.floor(maxBindParams / Math.max(1, columnCount)));
    this.fixedBytes = Buffer.byteLength(head) + Buffer.byteLength(tail);
  }

  /** Adds one tuple; returns a full statement to run first when the tuple does not fit beside the others. */
  add(tuple: string): string | null {
    const size = Buffer.byteLength(tuple) + 1;
    let flushed: string | null = null;
    if (this.rows.length > 0 && (this.rows.length >= this.maxRows || this.fixedBytes + this.bytes + size > this.maxBytes)) {
      flushed = this.flush();
    }
    this.rows.push(tuple);
    this.bytes += size;
    return flushed;
  }

  /** The statement of the tuples held, or null when none. */
  flush(): string | null {
    if (this.rows.length === 0) return null;
    const sql = `${this.head}${this.rows.join(',')}${this.tail}`;
    this.rows = [];
    this.bytes = 0;
    return sql;
  }
}

export function rowTuple(columns: NeutralColumn[], row: NeutralValue[], losses?: ValueLossCounter): string {
  let out = '(';
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i] as NeutralColumn;
    if (i > 0) out += ',';
    out += sqlLiteral(column.type, row[i] ?? null, column.name, losses);
  }
  return `${out})`;
}

export function deleteRangeSql(request: Pick<WriteRequest, 'table' | 'columns' | 'keyColumns' | 'range'>): string {
  const keys = keyColumnsOf(request.columns, request.keyColumns);
  return `DELETE FROM ${qualify(request.table)}${whereClause(keys, request.range, undefined)}`;
}

/** The rows of a key range, counted in the writer's transaction (WriteRequest.verify). */
export function countRangeSql(request: Pick<WriteRequest, 'table' | 'columns' | 'keyColumns' | 'range'>): string {
  const keys = keyColumnsOf(request.columns, request.keyColumns);
  return `SELECT COUNT(*) AS n FROM ${qualify(request.table)}${whereClause(keys, request.range, undefined)}`;
}

/**
 * Key kinds MySQL/MariaDB order as the engine does (DataPlane.orderedKeyKinds): integers and
 * DECIMAL by value, binary by bytes, DATE and DATETIME by time, uuid as lower-case char(36) (hex
 * digits sort alike in every collation). Text follows a collation (case- and accent-insensitive
 * by default), so it is not one of them.
 */
export const MYSQL_ORDERED_KEY_KINDS: readonly NeutralKind[] = [
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'decimal',
  'uuid', 'binary', 'date', 'timestamp', 'timestamptz',
];

/** MysqlWriter's own request options, for tests and measurements. */
export interface MysqlWriteRequest extends WriteRequest {
  /** 'auto' (the default): LOAD DATA LOCAL when the server allows it and the mode is not upsert; 'insert': multi-row INSERTs. */
  via?: 'auto' | 'insert';
}

/** Bytes of LOAD DATA lines gathered before one stream write. */
const LOAD_CHUNK = 64 * 1024;

export class MysqlWriter implements Writer {
  constructor(
    private readonly connect: MysqlConnector,
    private readonly server: MysqlServerInfo,
    private readonly maxBindParams: number,
    private readonly maxPacket: () => Promise<number>,
    private readonly mapError: ErrorMapper,
    /** Whether the server takes LOAD DATA LOCAL (@@local_infile). */
    private readonly localInfile: () => Promise<boolean> = () => Promise.resolve(false),
  ) {}

  /**
   * One transaction on a dedicated connection; any failure rolls all of it back. Inserts (and
   * replace-range) stream through LOAD DATA LOCAL where the server allows it, about twice as
   * fast for the server as parsing multi-row INSERTs; upserts and servers with local_infile off
   * use INSERTs sized to max_allowed_packet.
   */
  async write(request: MysqlWriteRequest, batches: AsyncIterable<RowBatch>): Promise<WriteResult> {
    const load = request.mode !== 'upsert' && request.via !== 'insert' && (await guarded(this.mapError, this.localInfile));
    const deleteSql = request.mode === 'replace-range' ? deleteRangeSql(request) : null;
    const countSql = request.verify && !request.rollback ? countRangeSql(request) : null;
    let rangeRows: number | undefined;
    const insert = load ? undefined : await this.insertPacker(request);
    const core = await guarded(this.mapError, this.connect);
    const connection = core.promise();
    let rowsWritten = 0;
    const losses = new ValueLossCounter();
    const run = (sql: string) => guarded(this.mapError, () => connection.query(sql));
    try {
      // READ COMMITTED: InnoDB then locks only the rows a range delete removes, not the gaps
      // around them, so chunks of one table written in parallel do not deadlock each other.
      await run('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await run('START TRANSACTION');
      if (deleteSql) await run(deleteSql);
      if (insert) {
        for await (const batch of batches) {
          request.signal?.throwIfAborted();
          checkWidth(batch, request);
          for (const row of batch.rows) {
            const ready = insert.add(rowTuple(request.columns, row, losses));
            if (ready) await run(ready);
          }
          const rest = insert.flush();
          if (rest) await run(rest);
          rowsWritten += batch.rows.length;
        }
      } else {
        rowsWritten = await this.loadRows(core, request, batches, losses);
      }
      request.signal?.throwIfAborted();
      if (countSql) {
        const [counted] = await guarded(this.mapError, () => connection.query<RowDataPacket[]>(countSql));
        rangeRows = Number(counted[0]?.['n'] ?? 0);
        checkReplacedRangeCount(request, rowsWritten, rangeRows);
      }
      await run(request.rollback ? 'ROLLBACK' : 'COMMIT');
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => undefined);
      connection.destroy();
      throw error;
    }
    await connection.end().catch(() => connection.destroy());
    return { rowsWritten, warnings: losses.list(), ...(rangeRows !== undefined && { rangeRows }) };
  }

  private async insertPacker(request: WriteRequest): Promise<InsertPacker> {
    const mode = request.mode === 'upsert' ? 'upsert' : 'insert';
    const { head, tail } = insertStatementParts(request.table, request.columns.map((c) => c.name), request.keyColumns, mode, this.server);
    const maxBytes = Math.floor((await guarded(this.mapError, this.maxPacket)) * PACKET_SHARE);
    return new InsertPacker(head, tail, request.columns.length, this.maxBindParams, maxBytes);
  }

  /**
   * One LOAD DATA LOCAL statement fed from the batches. The stream is paused while the socket's
   * buffer is full (mysql2 pauses it), and the next batch is pulled only when the stream takes
   * more, so memory holds about one batch. Our own failure (the source, an abort) ends the
   * connection at once: the server rolls the transaction back.
   */
  private async loadRows(core: CoreConnection, request: WriteRequest, batches: AsyncIterable<RowBatch>, losses: ValueLossCounter): Promise<number> {
    const lines = new LoadDataEncoder(request.columns, losses, LOAD_CHUNK);
    const body = new PassThrough({ highWaterMark: LOAD_CHUNK * 4 });
    let failure: unknown;
    const load = new Promise<ResultSetHeader>((resolve, reject) => {
      core.query<ResultSetHeader>({ sql: loadDataSql(request.table, request.columns), infileStreamFactory: () => body }, (error, result) =>
        error ? reject(error) : resolve(result),
      );
    });
    load.catch((error: unknown) => {
      failure ??= error;
    });
    const send = async (bytes: Buffer): Promise<void> => {
      if (failure === undefined && !body.write(bytes)) await Promise.race([once(body, 'drain'), load]);
      if (failure !== undefined) throw failure;
    };
    let rows = 0;
    try {
      for await (const batch of batches) {
        request.signal?.throwIfAborted();
        checkWidth(batch, request);
        for (const row of batch.rows) {
          lines.add(row);
          if (lines.pending() >= LOAD_CHUNK) await send(lines.take());
        }
        rows += batch.rows.length;
      }
      request.signal?.throwIfAborted();
      if (lines.pending() > 0) await send(lines.take());
    } catch (error) {
      core.destroy();
      throw failure === undefined ? error : this.mapError(failure);
    }
    body.end();
    const result = await guarded(this.mapError, () => load);
    if (result.warningStatus > 0) {
      const [shown] = await guarded(this.mapError, () => core.promise().query<RowDataPacket[]>('SHOW WARNINGS'));
      const warning = loadDataWarningError(
        shown.map((w) => ({ level: String(w['Level']), code: Number(w['Code']), message: String(w['Message']) })),
        request.columns,
      );
      if (warning) throw this.mapError(warning);
    }
    if (result.affectedRows !== rows) throw new Error(`LOAD DATA stored ${result.affectedRows} of ${rows} rows`);
    return rows;
  }
}

function checkWidth(batch: RowBatch, request: WriteRequest): void {
  if (batch.columns.length !== request.columns.length) {
    throw new Error(`a batch has ${batch.columns.length} columns, the writer was given ${request.columns.length}`);
  }
}

export const LOCAL_INFILE_SQL = 'SELECT @@local_infile AS local_infile';

export async function readLocalInfile(connection: Connection): Promise<boolean> {
  const [rows] = await connection.query<RowDataPacket[]>(LOCAL_INFILE_SQL);
  return Number(rows[0]?.['local_infile'] ?? 0) === 1;
}

export const MAX_ALLOWED_PACKET_SQL = 'SELECT @@max_allowed_packet AS max_allowed_packet';

export async function readMaxAllowedPacket(connection: Connection): Promise<number> {
  const [rows] = await connection.query<RowDataPacket[]>(MAX_ALLOWED_PACKET_SQL);
  return Number(rows[0]?.['max_allowed_packet'] ?? 4 * 1024 * 1024);
}
