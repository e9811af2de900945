import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { LogLevel, RunChunkEntity, RunEntity, RunTableEntity, SyncJobEntity } from '@dbferry/control-plane';
import { describeValueLoss, type NeutralType, errorDetail, type NeutralValue, sumValueLosses, type ValueLoss } from '@dbferry/dialects-core';
import { decodeKey, decodeValue, decodeWatermark, EncodedValue, encodeKey, laterTypedWatermark, RejectedRow, TypedWatermark, Watermark } from '@dbferry/engine';

/** A chunk's watermark as stored: the incremental value and key in the lossless JSON encoding. */
export interface EncodedWatermark {
  value: EncodedValue;
  key: EncodedValue[];
}

/** A repeated retry line of one chunk (or of the plan) is written at most once per this many seconds. */
export const RETRY_LOG_WINDOW_SECONDS = 60;

/** The jsonb detail of a log line about `error` (null without one). */
function detailOf(error: unknown): string | null {
  return error === undefined ? null : JSON.stringify(errorDetail(error));
}

/** A driver's message is kept whole up to here; longer ones (a huge value quoted back) are cut. */
const MAX_REJECT_ERROR = 2000;

export interface ChunkLease {
  chunk: RunChunkEntity;
  table: RunTableEntity;
  token: string;
}

/**
 * The worker's reads and writes of run state. Every checkpoint is conditional on the lease
 * token, so a worker that stalled and lost its job can never overwrite the newer state.
 */
@Injectable()
export class RunStore {
  constructor(private readonly dataSource: DataSource) {}

  run(id: string): Promise<RunEntity | null> {
    return this.dataSource.getRepository(RunEntity).findOneBy({ id });
  }

  job(id: string): Promise<SyncJobEntity | null> {
    return this.dataSource.getRepository(SyncJobEntity).findOneBy({ id });
  }

  tables(runId: string): Promise<RunTableEntity[]> {
    return this.dataSource.getRepository(RunTableEntity).find({ where: { runId }, order: { ordinal: 'ASC' } });
  }

  chunks(runTableIds: string[]): Promise<RunChunkEntity[]> {
    if (!runTableIds.length) return Promise.resolve([]);
    return this.dataSource
      .getRepository(RunChunkEntity)
      .createQueryBuilder('c')
      .where('c.runTableId IN (:...ids)', { ids: runTableIds })
      .orderBy('c.ordinal')
      .getMany();
  }

  /**
   * Appends to the run's log while the run is queued or running: a run's log is closed when it
   * ends, so a worker that wakes up late (a pause, a lost lease) adds nothing to a finished run.
   */
  async log(runId: string, level: LogLevel, message: string, tableName?: string, error?: unknown): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO run_log (run_id, level, table_name, message, detail)
       SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM run WHERE id = $1 AND status IN ('queued', 'running'))`,
      [runId, level, tableName ?? null, message, detailOf(error)],
    );
  }

  /**
   * The lines that close a run's log, written by whoever just ended it (the outcome, its alert).
   * With `error`, the line keeps its class, code and stack (scrubbed) in `detail`.
   */
  async logEnd(runId: string, level: LogLevel, message: string, tableName?: string, error?: unknown): Promise<void> {
    await this.dataSource.query('INSERT INTO run_log (run_id, level, table_name, message, detail) VALUES ($1, $2, $3, $4, $5)', [
      runId,
      level,
      tableName ?? null,
      message,
      detailOf(error),
    ]);
  }

  /**
   * A retry line, coalesced: at most one per `subject` (e.g. "chunk 3 will retry") and table per
   * RETRY_LOG_WINDOW_SECONDS, so a flapping database writes a line a minute, each saying which
   * attempt it is, instead of one per attempt. Returns whether it was written.
   */
  async logRetry(runId: string, subject: string, message: string, tableName?: string, error?: unknown): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO run_log (run_id, level, table_name, message, detail)
       SELECT $1, 'warn', $2, $3, $6
        WHERE EXISTS (SELECT 1 FROM run WHERE id = $1 AND status IN ('queued', 'running'))
          AND NOT EXISTS (SELECT 1 FROM run_log WHERE run_id = $1 AND table_name IS NOT DISTINCT FROM $2 AND left(message, length($4)) = $4
                             AND at > now() - make_interval(secs => $5))
       RETURNING id`,
      [runId, tableName ?? null, message, subject, RETRY_LOG_WINDOW_SECONDS, detailOf(error)],
    );
    return rows.length > 0;
  }

  /** How many of the run's log lines start with `prefix`. */
  async countLog(runId: string, prefix: string): Promise<number> {
    const [row] = await this.dataSource.query('SELECT count(*)::int AS n FROM run_log WHERE run_id = $1 AND left(message, length($2)) = $2', [runId, prefix]);
    return row.n as number;
  }

  /** queued | running → an end state, with its reason; false when the run had already ended. */
  async endRun(runId: string, status: 'failed' | 'cancelled', error: string): Promise<boolean> {
    const [rows] = await this.dataSource.query(
      `UPDATE run SET status = $2, error = $3, finished_at = now() WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [runId, status, error],
    );
    return rows.length > 0;
  }

  /** The job's stored watermark of a table, if it was taken on `column` (a changed column starts over). */
  async watermark(jobId: string, sourceTable: string, column: string): Promise<{ value: NeutralValue; key: NeutralValue[] } | null> {
    const [row] = await this.dataSource.query('SELECT column_value, key_value FROM sync_watermark WHERE job_id = $1 AND source_table = $2', [jobId, sourceTable]);
    if (!row || row.column_value?.column !== column) return null;
    return { value: decodeValue(row.column_value.value as EncodedValue), key: decodeKey(row.key_value as EncodedValue[]) ?? [] };
  }

  /**
   * Advances a table's watermark to the largest (value, key) its chunks committed, inside the
   * transaction that settles the run. Never moves it back: rows whose value went down at the
   * source are re-read only within the lookback. Every value is ordered by `order`, the neutral
   * types of the run's snapshot (watermarkOrder), and stored with its type.
   */
  async commitWatermark(
    tx: EntityManager,
    jobId: string,
    table: RunTableEntity,
    chunks: RunChunkEntity[],
    order: { type: NeutralType; keyTypes: NeutralType[] },
  ): Promise<Watermark | null> {
    const typed = (w: { value: EncodedValue; key: EncodedValue[] }): TypedWatermark => ({ value: w.value, key: w.key, ...order });
    let best: TypedWatermark | null = null;
    for (const chunk of chunks) if (chunk.watermark) best = laterTypedWatermark(best, typed(chunk.watermark as EncodedWatermark));
    const [row] = await tx.query('SELECT column_value, key_value FROM sync_watermark WHERE job_id = $1 AND source_table = $2 FOR UPDATE', [jobId, table.sourceTable]);
    if (row && row.column_value?.column === table.incrementalColumn) best = laterTypedWatermark(best, typed({ value: row.column_value.value, key: row.key_value }));
    if (!best) return null;
    await tx.query(
      `INSERT INTO sync_watermark (job_id, source_table, column_value, key_value) VALUES ($1, $2, $3, $4)
       ON CONFLICT (job_id, source_table) DO UPDATE SET column_value = EXCLUDED.column_value, key_value = EXCLUDED.key_value, updated_at = now()`,
      [jobId, table.sourceTable, JSON.stringify({ column: table.incrementalColumn, value: best.value, type: order.type, keyTypes: order.keyTypes }), JSON.stringify(best.key)],
    );
    return decodeWatermark(best);
  }

  /** Each connection's own cap on parallel chunks, where it has one. */
  async connectionLimits(ids: string[]): Promise<Map<string, number>> {
    const rows: { id: string; max_parallel_chunks: number | null }[] = await this.dataSource.query('SELECT id, max_parallel_chunks FROM connection WHERE id = ANY($1)', [ids]);
    return new Map(rows.filter((r) => r.max_parallel_chunks !== null).map((r) => [r.id, r.max_parallel_chunks as number]));
  }

  /** queued → running; false when the run is no longer queued or running (cancelled, done). */
  async start(runId: string): Promise<boolean> {
    const rows = await this.dataSource.query(
      `UPDATE run SET status = 'running', started_at = coalesce(started_at, now())
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [runId],
    );
    return rows[0].length > 0;
  }

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Takes (or takes over) a chunk; null when it is already done. */
  async lease(chunkId: string, leaseMs: number): Promise<ChunkLease | null> {
    const token = randomUUID();
    const [rows] = await this.dataSource.query(
      `UPDATE run_chunk SET status = 'running', lease_token = $2, leased_until = now() + make_interval(secs => $3),
              attempts = attempts + 1, started_at = now(), error = NULL
        WHERE id = $1 AND status <> 'done' RETURNING run_table_id`,
      [chunkId, token, leaseMs / 1000],
    );
    if (!rows.length) return null;
    const chunk = await this.dataSource.getRepository(RunChunkEntity).findOneByOrFail({ id: chunkId });
    const table = await this.dataSource.getRepository(RunTableEntity).findOneByOrFail({ id: chunk.runTableId });
    return { chunk, table, token };
  }

  /**
   * Records a chunk the target has committed, with its counts rolled up into its table and
   * run, all only if this worker still holds the lease. Returns false when the lease was lost.
   * The chunk keeps its own value-level losses; the table's warnings are made from their sum
   * over its chunks (sumWarnings), so counts add up across chunks and never twice for one.
   */
  async complete(
    lease: ChunkLease,
    counts: { rowsRead: number; rowsWritten: number; warnings: ValueLoss[]; rowsDeleted?: number; watermark?: EncodedWatermark | null; rejects?: RejectedRow[] },
  ): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const [updated] = await tx.query(
        `UPDATE run_chunk SET status = 'done', rows_read = $3, rows_written = $4, finished_at = now(), lease_token = NULL,
                rows_deleted = $5, watermark = $6, warnings = $7
          WHERE id = $1 AND lease_token = $2 AND status = 'running' RETURNING id`,
        [
          lease.chunk.id,
          lease.token,
          counts.rowsRead,
          counts.rowsWritten,
          counts.rowsDeleted ?? 0,
          counts.watermark ? JSON.stringify(counts.watermark) : null,
          JSON.stringify(sumValueLosses(counts.warnings)),
        ],
      );
      if (!updated.length) return false;
      await tx.query(
        `UPDATE run_table SET chunks_done = chunks_done + 1, rows_read = rows_read + $2, rows_written = rows_written + $3,
                status = CASE WHEN status = 'pending' THEN 'running' ELSE status END
          WHERE id = $1`,
        [lease.table.id, counts.rowsRead, counts.rowsWritten],
      );
      if (counts.warnings.length || lease.chunk.warnings?.length) await this.sumWarnings(tx, lease.table);
      await tx.query('UPDATE run SET rows_read = rows_read + $2, rows_written = rows_written + $3, rows_deleted = rows_deleted + $4 WHERE id = $1', [
        lease.table.runId,
        counts.rowsRead,
        counts.rowsWritten,
        counts.rowsDeleted ?? 0,
      ]);
      if (counts.rowsDeleted) await tx.query('UPDATE run_table SET rows_deleted = rows_deleted + $2 WHERE id = $1', [lease.table.id, counts.rowsDeleted]);
      await this.storeRejects(tx, lease, counts.rejects ?? []);
      return true;
    });
  }

  /**
   * The table's warnings, one sentence per (column, kind) from the counts summed over its
   * chunks. Runs after this transaction updated the run_table row: holding that row's lock, a
   * chunk completing beside this one waits, then sums with this chunk's counts committed.
   */
  private async sumWarnings(tx: EntityManager, table: RunTableEntity): Promise<void> {
    const rows: { warnings: ValueLoss[] }[] = await tx.query('SELECT warnings FROM run_chunk WHERE run_table_id = $1 ORDER BY ordinal', [table.id]);
    const sentences = sumValueLosses(...rows.map((r) => r.warnings)).map((w) => describeValueLoss(w, table.sourceName));
    await tx.query('UPDATE run_table SET warnings = $2 WHERE id = $1', [table.id, JSON.stringify(sentences)]);
  }

  /** Fails a chunk for good, keeping the rows the target refused when that is why (a reject limit passed). */
  async fail(lease: ChunkLease, error: string, rejects: RejectedRow[] = []): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const [updated] = await tx.query(
        `UPDATE run_chunk SET status = 'failed', error = $3, finished_at = now(), lease_token = NULL WHERE id = $1 AND lease_token = $2 RETURNING id`,
        [lease.chunk.id, lease.token, error],
      );
      if (updated.length) await this.storeRejects(tx, lease, rejects);
    });
  }

  /**
   * Replaces the chunk's stored rejects (a chunk stored again never counts a row twice) and
   * moves the table's and the run's counts by the difference. Called under the chunk's lease.
   */
  private async storeRejects(tx: EntityManager, lease: ChunkLease, rejects: RejectedRow[]): Promise<void> {
    if (!rejects.length && !lease.chunk.rejects) return;
    const [dropped] = await tx.query('DELETE FROM run_reject WHERE run_chunk_id = $1 RETURNING id', [lease.chunk.id]);
    const rows = rejects.map((r) => ({ key: encodeKey(r.key), column_name: r.column ?? null, error: r.error.slice(0, MAX_REJECT_ERROR) }));
    if (rows.length) {
      await tx.query(
        `INSERT INTO run_reject (run_id, run_table_id, run_chunk_id, key, column_name, error)
         SELECT $1, $2, $3, r.key, r.column_name, r.error FROM jsonb_to_recordset($4::jsonb) AS r(key jsonb, column_name text, error text)`,
        [lease.table.runId, lease.table.id, lease.chunk.id, JSON.stringify(rows)],
      );
    }
    const delta = rows.length - dropped.length;
    await tx.query('UPDATE run_chunk SET rejects = $2 WHERE id = $1', [lease.chunk.id, rows.length]);
    if (delta) {
      await tx.query('UPDATE run_table SET rejects = rejects + $2 WHERE id = $1', [lease.table.id, delta]);
      await tx.query('UPDATE run SET rejects = rejects + $2 WHERE id = $1', [lease.table.runId, delta]);
    }
  }

  /** Leaves a chunk for a retry: pending again, its error kept for the log. */
  async release(lease: ChunkLease, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE run_chunk SET status = 'pending', error = $3, lease_token = NULL WHERE id = $1 AND lease_token = $2`,
      [lease.chunk.id, lease.token, error],
    );
  }
}
