import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { describeValueLoss, errorDetail, sumValueLosses, type ValueLoss } from '@dbferry/dialects-core';
import { LogLevel, RunChunkEntity, RunEntity, RunTableEntity, type TableDrift } from '../entities/run.entity';
import { SyncJobEntity } from '../entities/sync-job.entity';
import { DiffRepository, type FinishedDiffTable, type NewDiff } from '../diffs/diff.repository';
import { insertQueuedRun } from '../run-start';

/**
 * The legal moves of a run, a table and a chunk: target state → the states it may come from.
 * Every transition is one conditional UPDATE (`WHERE status IN (from-states)`) that reports
 * whether it happened; anything else is refused, never applied.
 */
export const RUN_MOVES = {
  running: ['queued'],
  succeeded: ['queued', 'running'],
  failed: ['queued', 'running'],
  cancelled: ['queued', 'running'],
} as const;
export const TABLE_MOVES = {
  succeeded: ['pending', 'running'],
  failed: ['pending', 'running'],
  cancelled: ['pending', 'running'],
} as const;
/**
 * A chunk is leased (→ running) from pending, from running (a stalled holder's lease is taken
 * over; its token no longer matches) or from failed (the reconciler re-enqueues a lost flow's
 * unfinished chunks); only its lease holder moves it on, to done, failed or back to pending.
 */
export const CHUNK_MOVES = {
  running: ['pending', 'running', 'failed'],
  done: ['running'],
  failed: ['running'],
  pending: ['running'],
} as const;

export type RunEnd = 'succeeded' | 'failed' | 'cancelled';

/** A repeated retry line of one chunk (or of the plan) is written at most once per this many seconds. */
export const RETRY_LOG_WINDOW_SECONDS = 60;

/** A driver's message is kept whole up to here; longer ones (a huge value quoted back) are cut. */
const MAX_REJECT_ERROR = 2000;

/** A chunk held by one worker: only the holder of `token` may move it on. */
export interface ChunkLease {
  chunk: RunChunkEntity;
  table: RunTableEntity;
  token: string;
}

/** A refused row as stored: its key already in the engine's lossless JSON. */
export interface StoredReject {
  key: unknown;
  column: string | null;
  error: string;
}

/** A sync_watermark row: the column it was taken on with its encoded value (and types), and the key. */
export interface StoredWatermark {
  columnValue: { column: string; value: unknown } & Record<string, unknown>;
  key: unknown[];
}

/** Where a planned (or unplannable) table of a run reads and writes. */
export interface RunTableRef {
  ordinal: number;
  specIndex: number;
  source: { schema: string; name: string };
  target: { schema: string; name: string };
}

/** A table plan-run stored with its chunks; values already encoded (JSON) by the engine. */
export interface PlannedRunTable extends RunTableRef {
  keyColumns: string[];
  resumable: boolean;
  ddl: string[];
  losses: unknown[];
  incrementalColumn: string | null;
  sinceValue: unknown;
  snapshot: unknown;
  /** Each chunk's key range, lower and upper as encoded keys (null: unbounded). */
  chunks: { lower: unknown; upper: unknown }[];
}

export interface ChunkCounts {
  rowsRead: number;
  rowsWritten: number;
  rowsDeleted?: number;
  warnings: ValueLoss[];
  /** The chunk's watermark, already encoded (JSON). */
  watermark?: unknown;
  rejects?: StoredReject[];
}

/** The jsonb detail of a log line about `error` (null without one). */
function detailOf(error: unknown): string | null {
  return error === undefined ? null : JSON.stringify(errorDetail(error));
}

/**
 * The one owner of run state in the control store (run, run_table, run_chunk, run_log,
 * run_reject, sync_watermark): every status change is a method here with its allowed
 * from-states. A repository made by `transaction` runs its statements in that transaction.
 *
 * LOCK ORDER: a transaction that changes more than one of a run's rows takes them chunk, then run,
 * then table (complete, fail, cancel, the plan's store, finish-run's settlement). A chunk's
 * completion once took its table before its run while a cancel took the run before its tables:
 * the two deadlocked, and PostgreSQL aborted one (a cancel answered 500, or a chunk whose rows
 * had committed was never marked done).
 */
export class RunRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  /** Runs `work` in one transaction, with a repository bound to it. */
  transaction<T>(work: (tx: RunRepository) => Promise<T>): Promise<T> {
    const bound = (tx: EntityManager) => work(new RunRepository(tx));
    // Inside a transaction already (an EntityManager of one), TypeORM nests it as a savepoint.
    return 'createQueryRunner' in this.db ? (this.db as DataSource).transaction(bound) : (this.db as EntityManager).transaction(bound);
  }

  // ---- reads ----

  run(id: string): Promise<RunEntity | null> {
    return this.db.getRepository(RunEntity).findOneBy({ id });
  }

  job(id: string): Promise<SyncJobEntity | null> {
    return this.db.getRepository(SyncJobEntity).findOneBy({ id });
  }

  tables(runId: string): Promise<RunTableEntity[]> {
    return this.db.getRepository(RunTableEntity).find({ where: { runId }, order: { ordinal: 'ASC' } });
  }

  chunks(runTableIds: string[]): Promise<RunChunkEntity[]> {
    if (!runTableIds.length) return Promise.resolve([]);
    return this.db.getRepository(RunChunkEntity).createQueryBuilder('c').where('c.runTableId IN (:...ids)', { ids: runTableIds }).orderBy('c.ordinal').getMany();
  }

  /** The job's last run that succeeded or failed before `runId` ended (by finished_at), if any. */
  async previousSettled(jobId: string, runId: string): Promise<{ id: string; status: RunEntity['status'] } | null> {
    const [row] = await this.db.query(
      `SELECT id, status FROM run
        WHERE job_id = $1 AND id <> $2 AND status IN ('succeeded', 'failed')
          AND finished_at <= (SELECT finished_at FROM run WHERE id = $2)
        ORDER BY finished_at DESC LIMIT 1`,
      [jobId, runId],
    );
    return row ?? null;
  }

  /** Each of these jobs' newest run (by queued_at), keyed by job id; a job without runs is absent. */
  async lastRuns(jobIds: string[]): Promise<Map<string, { id: string; status: RunEntity['status']; queuedAt: Date; finishedAt: Date | null }>> {
    if (!jobIds.length) return new Map();
    // One index probe of run_job_queued_idx per job, however many runs each has.
    const rows: { jobId: string; id: string; status: RunEntity['status']; queuedAt: Date; finishedAt: Date | null }[] = await this.db.query(
      `SELECT j.id AS "jobId", r.id, r.status, r.queued_at AS "queuedAt", r.finished_at AS "finishedAt"
         FROM unnest($1::uuid[]) AS j(id)
         CROSS JOIN LATERAL (SELECT id, status, queued_at, finished_at FROM run WHERE job_id = j.id ORDER BY queued_at DESC LIMIT 1) r`,
      [jobIds],
    );
    return new Map(rows.map(({ jobId, ...run }) => [jobId, run]));
  }

  /** The first `perTable` refused rows of each of these tables of a run, in the order they were stored. */
  async firstRejects(runId: string, tableIds: string[], perTable: number): Promise<{ runTableId: string; key: unknown; columnName: string | null; error: string }[]> {
    if (!tableIds.length) return [];
    return this.db.query(
      `SELECT run_table_id AS "runTableId", key, column_name AS "columnName", error FROM (
         SELECT r.*, row_number() OVER (PARTITION BY run_table_id ORDER BY id) AS n FROM run_reject r
          WHERE run_id = $1 AND run_table_id = ANY($2::uuid[])) first WHERE n <= $3`,
      [runId, tableIds, perTable],
    );
  }

  /** Queued or running runs queued more than `graceSeconds` ago, oldest first. */
  async activeOlderThan(graceSeconds: number): Promise<{ id: string; status: 'queued' | 'running' }[]> {
    return this.db.query(
      `SELECT id, status FROM run WHERE status IN ('queued', 'running') AND queued_at < now() - make_interval(secs => $1) ORDER BY queued_at`,
      [graceSeconds],
    );
  }

  /**
   * Runs `work` while holding the session-level advisory lock named `key`, if no other process
   * holds it; `locked: false` (and `work` not run) otherwise.
   */
  async exclusively<T>(key: string, work: () => Promise<T>): Promise<{ locked: false } | { locked: true; value: T }> {
    if (!('createQueryRunner' in this.db)) throw new Error('exclusively: needs the repository of the DataSource, not of a transaction');
    const runner = (this.db as DataSource).createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [key])) as { locked: boolean }[];
      if (!locked) return { locked: false };
      try {
        return { locked: true, value: await work() };
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
      }
    } finally {
      await runner.release();
    }
  }

  /** How many runs are in each status (statuses without a run are absent). */
  async countByStatus(): Promise<Map<string, number>> {
    const rows: { status: string; n: string }[] = await this.db.query('SELECT status, count(*) AS n FROM run GROUP BY status');
    return new Map(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Each connection's own cap on parallel chunks, where it has one. */
  async connectionLimits(ids: string[]): Promise<Map<string, number>> {
    const rows: { id: string; max_parallel_chunks: number | null }[] = await this.db.query('SELECT id, max_parallel_chunks FROM connection WHERE id = ANY($1)', [ids]);
    return new Map(rows.filter((r) => r.max_parallel_chunks !== null).map((r) => [r.id, r.max_parallel_chunks as number]));
  }

  // ---- run transitions ----

  /** A new `queued` run of the job; null when the job already has an active run. */
  queue(run: Parameters<typeof insertQueuedRun>[1]): Promise<string | null> {
    return insertQueuedRun(this.db, run);
  }

  /** queued → running; false when the run was not queued. */
  async start(runId: string): Promise<boolean> {
    const [rows] = await this.db.query(
      `UPDATE run SET status = 'running', started_at = coalesce(started_at, now()) WHERE id = $1 AND status = ANY($2) RETURNING id`,
      [runId, RUN_MOVES.running],
    );
    return rows.length > 0;
  }

  /** queued | running → an end state, with its reason; false when the run had already ended. */
  async end(runId: string, status: RunEnd, error: string | null): Promise<boolean> {
    const [rows] = await this.db.query(`UPDATE run SET status = $2, error = $3, finished_at = now() WHERE id = $1 AND status = ANY($4) RETURNING id`, [
      runId,
      status,
      error,
      RUN_MOVES[status],
    ]);
    return rows.length > 0;
  }

  /**
   * queued | running → cancelled at a user's request, with its unfinished tables and the log
   * line saying who, in one transaction; false when the run had already ended.
   */
  cancel(runId: string, by: string): Promise<boolean> {
    return this.transaction(async (tx) => {
      const [rows] = await tx.db.query(
        `UPDATE run SET cancel_requested = true, status = 'cancelled', finished_at = now() WHERE id = $1 AND status = ANY($2) RETURNING id`,
        [runId, RUN_MOVES.cancelled],
      );
      if (!rows.length) return false;
      await tx.cancelOpenTables(runId);
      await tx.logEnd(runId, 'warn', `run cancelled by ${by}`);
      return true;
    });
  }

  /**
   * The run's pending and running tables → cancelled: at the cancel, and by a plan that stores its
   * tables after a cancel came while it planned (it holds the run's row, lockRun, while it stores them).
   */
  async cancelOpenTables(runId: string): Promise<void> {
    await this.db.query(`UPDATE run_table SET status = 'cancelled' WHERE run_id = $1 AND status = ANY($2)`, [runId, TABLE_MOVES.cancelled]);
  }

  /**
   * What the run's closing verify found, stored while the run is still queued or running (in the
   * transaction that settles it): per table its drift or why it could not be verified, the run's
   * total (null when no table could be verified) and, with `diff`, the verify as a finished diff
   * whose id the run keeps, all or nothing. False when the run had already ended.
   */
  async recordVerify(
    runId: string,
    tables: { id: string; drift: TableDrift | null; verifyError: string | null }[],
    verifyError: string | null,
    diff?: { diff: NewDiff; tables: FinishedDiffTable[] },
  ): Promise<boolean> {
    const verified = tables.filter((t) => t.drift);
    const total = verified.length ? verified.reduce((sum, t) => sum + (t.drift as TableDrift).total, 0) : null;
    return this.transaction(async (tx) => {
      const status = await tx.lockRun(runId);
      if (status !== 'running' && status !== 'queued') return false;
      const diffId = diff?.tables.length ? await new DiffRepository(tx.db).createFinishedDiff(diff.diff, diff.tables) : null;
      await tx.db.query('UPDATE run SET drift = $2, verify_error = $3, diff_id = $4 WHERE id = $1', [runId, total, verifyError, diffId]);
      for (const t of tables) {
        await tx.db.query('UPDATE run_table SET drift = $3, verify_error = $4 WHERE id = $2 AND run_id = $1', [runId, t.id, t.drift === null ? null : JSON.stringify(t.drift), t.verifyError]);
      }
      return true;
    });
  }

  /** Holds the run's row until the transaction ends and returns its status (null: no such run). */
  async lockRun(runId: string): Promise<RunEntity['status'] | null> {
    const [row] = await this.db.query('SELECT status FROM run WHERE id = $1 FOR UPDATE', [runId]);
    return row ? (row.status as RunEntity['status']) : null;
  }

  // ---- planned tables ----

  /** Stores a planned table (pending) and its chunks (pending); returns the chunks' ids in order. */
  async addTable(runId: string, t: PlannedRunTable): Promise<string[]> {
    const [table] = await this.db.query(
      `INSERT INTO run_table (run_id, ordinal, spec_index, source_schema, source_name, target_schema, target_name,
                              source_table, target_table, key_columns, resumable, chunks_total, ddl, losses,
                              incremental_column, since_value, snapshot)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
      [
        runId, t.ordinal, t.specIndex, t.source.schema, t.source.name, t.target.schema, t.target.name,
        `${t.source.schema}.${t.source.name}`, `${t.target.schema}.${t.target.name}`, t.keyColumns, t.resumable, t.chunks.length, t.ddl,
        JSON.stringify(t.losses), t.incrementalColumn, t.sinceValue === undefined || t.sinceValue === null ? null : JSON.stringify(t.sinceValue),
        JSON.stringify(t.snapshot),
      ],
    );
    const ids: string[] = [];
    for (const [i, range] of t.chunks.entries()) {
      const [chunk] = await this.db.query('INSERT INTO run_chunk (run_table_id, ordinal, lower_key, upper_key) VALUES ($1, $2, $3, $4) RETURNING id', [
        table.id,
        i,
        JSON.stringify(range.lower),
        JSON.stringify(range.upper),
      ]);
      ids.push(chunk.id);
    }
    return ids;
  }

  /** Stores a table that could not be planned: failed with its reason, no chunks (finish-run keeps it so). */
  async addFailedTable(runId: string, t: RunTableRef, reason: string): Promise<void> {
    await this.db.query(
      `INSERT INTO run_table (run_id, ordinal, spec_index, source_schema, source_name, target_schema, target_name,
                              source_table, target_table, key_columns, resumable, chunks_total, ddl, losses, status, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '{}', false, 0, '{}', '[]', 'failed', $10)`,
      [runId, t.ordinal, t.specIndex, t.source.schema, t.source.name, t.target.schema, t.target.name, `${t.source.schema}.${t.source.name}`, `${t.target.schema}.${t.target.name}`, reason],
    );
  }

  // ---- table transitions ----

  /** pending | running → an end state with its reason; false when the table had already ended. */
  async endTable(tableId: string, status: RunEnd, error: string | null): Promise<boolean> {
    const [rows] = await this.db.query('UPDATE run_table SET status = $2, error = $3 WHERE id = $1 AND status = ANY($4) RETURNING id', [tableId, status, error, TABLE_MOVES[status]]);
    return rows.length > 0;
  }

  // ---- chunk transitions ----

  /** The run table a chunk belongs to (null: no such chunk). */
  async chunkTableId(chunkId: string): Promise<string | null> {
    const [row] = await this.db.query('SELECT run_table_id FROM run_chunk WHERE id = $1', [chunkId]);
    return row ? (row.run_table_id as string) : null;
  }

  /**
   * Takes (or takes over) a chunk: pending | running | failed → running. Null when it is done, or
   * when its run is no longer running or has a cancel requested: checked in the same statement, so
   * a chunk that waited (for a slot, in the queue) never starts after its run ended.
   */
  async lease(chunkId: string, leaseMs: number): Promise<ChunkLease | null> {
    const token = randomUUID();
    const [rows] = await this.db.query(
      `UPDATE run_chunk c SET status = 'running', lease_token = $2, leased_until = now() + make_interval(secs => $3),
              attempts = attempts + 1, started_at = now(), error = NULL
        WHERE c.id = $1 AND c.status = ANY($4)
          AND EXISTS (SELECT 1 FROM run_table t JOIN run r ON r.id = t.run_id
                       WHERE t.id = c.run_table_id AND r.status = 'running' AND NOT r.cancel_requested)
        RETURNING c.run_table_id`,
      [chunkId, token, leaseMs / 1000, CHUNK_MOVES.running],
    );
    if (!rows.length) return null;
    const chunk = await this.db.getRepository(RunChunkEntity).findOneByOrFail({ id: chunkId });
    const table = await this.db.getRepository(RunTableEntity).findOneByOrFail({ id: chunk.runTableId });
    return { chunk, table, token };
  }

  /**
   * running → done under the lease, with the counts rolled up into its table (pending → running
   * on its first chunk) and run, in one transaction. False when the lease was lost. The chunk
   * keeps its own value-level losses; the table's warnings are their sum over its chunks.
   */
  complete(lease: ChunkLease, counts: ChunkCounts): Promise<boolean> {
    return this.transaction(async (tx) => {
      const [updated] = await tx.db.query(
        `UPDATE run_chunk SET status = 'done', rows_read = $3, rows_written = $4, finished_at = now(), lease_token = NULL,
                rows_deleted = $5, watermark = $6, warnings = $7
          WHERE id = $1 AND lease_token = $2 AND status = ANY($8) RETURNING id`,
        [
          lease.chunk.id,
          lease.token,
          counts.rowsRead,
          counts.rowsWritten,
          counts.rowsDeleted ?? 0,
          counts.watermark ? JSON.stringify(counts.watermark) : null,
          JSON.stringify(sumValueLosses(counts.warnings)),
          CHUNK_MOVES.done,
        ],
      );
      if (!updated.length) return false;
      // The run's row before its table's (LOCK ORDER, above).
      await tx.db.query('UPDATE run SET rows_read = rows_read + $2, rows_written = rows_written + $3, rows_deleted = rows_deleted + $4 WHERE id = $1', [
        lease.table.runId,
        counts.rowsRead,
        counts.rowsWritten,
        counts.rowsDeleted ?? 0,
      ]);
      await tx.db.query(
        `UPDATE run_table SET chunks_done = chunks_done + 1, rows_read = rows_read + $2, rows_written = rows_written + $3,
                rows_deleted = rows_deleted + $4, status = CASE WHEN status = 'pending' THEN 'running' ELSE status END
          WHERE id = $1`,
        [lease.table.id, counts.rowsRead, counts.rowsWritten, counts.rowsDeleted ?? 0],
      );
      if (counts.warnings.length || lease.chunk.warnings?.length) await tx.sumWarnings(lease.table);
      await tx.storeRejects(lease, counts.rejects ?? []);
      return true;
    });
  }

  /** running → failed under the lease, keeping the rows the target refused when that is why. False when the lease was lost. */
  fail(lease: ChunkLease, error: string, rejects: StoredReject[] = []): Promise<boolean> {
    return this.transaction(async (tx) => {
      const [updated] = await tx.db.query(
        `UPDATE run_chunk SET status = 'failed', error = $3, finished_at = now(), lease_token = NULL WHERE id = $1 AND lease_token = $2 AND status = ANY($4) RETURNING id`,
        [lease.chunk.id, lease.token, error, CHUNK_MOVES.failed],
      );
      if (updated.length) await tx.storeRejects(lease, rejects);
      return updated.length > 0;
    });
  }

  /** running → pending under the lease, for a retry, its error kept for the log. False when the lease was lost. */
  async release(lease: ChunkLease, error: string): Promise<boolean> {
    const [rows] = await this.db.query(
      `UPDATE run_chunk SET status = 'pending', error = $3, lease_token = NULL WHERE id = $1 AND lease_token = $2 AND status = ANY($4) RETURNING id`,
      [lease.chunk.id, lease.token, error, CHUNK_MOVES.pending],
    );
    return rows.length > 0;
  }

  /**
   * The table's warnings, one sentence per (column, kind) from the counts summed over its
   * chunks. Runs after this transaction updated the run_table row: holding that row's lock, a
   * chunk completing beside this one waits, then sums with this chunk's counts committed.
   */
  private async sumWarnings(table: RunTableEntity): Promise<void> {
    const rows: { warnings: ValueLoss[] }[] = await this.db.query('SELECT warnings FROM run_chunk WHERE run_table_id = $1 ORDER BY ordinal', [table.id]);
    const sentences = sumValueLosses(...rows.map((r) => r.warnings)).map((w) => describeValueLoss(w, table.sourceName));
    await this.db.query('UPDATE run_table SET warnings = $2 WHERE id = $1', [table.id, JSON.stringify(sentences)]);
  }

  /**
   * Replaces the chunk's stored rejects (a chunk stored again never counts a row twice) and
   * moves the table's and the run's counts by the difference. Called under the chunk's lease.
   */
  private async storeRejects(lease: ChunkLease, rejects: StoredReject[]): Promise<void> {
    if (!rejects.length && !lease.chunk.rejects) return;
    const [dropped] = await this.db.query('DELETE FROM run_reject WHERE run_chunk_id = $1 RETURNING id', [lease.chunk.id]);
    const rows = rejects.map((r) => ({ key: r.key, column_name: r.column, error: r.error.slice(0, MAX_REJECT_ERROR) }));
    if (rows.length) {
      await this.db.query(
        `INSERT INTO run_reject (run_id, run_table_id, run_chunk_id, key, column_name, error)
         SELECT $1, $2, $3, r.key, r.column_name, r.error FROM jsonb_to_recordset($4::jsonb) AS r(key jsonb, column_name text, error text)`,
        [lease.table.runId, lease.table.id, lease.chunk.id, JSON.stringify(rows)],
      );
    }
    const delta = rows.length - dropped.length;
    await this.db.query('UPDATE run_chunk SET rejects = $2 WHERE id = $1', [lease.chunk.id, rows.length]);
    if (delta) {
      await this.db.query('UPDATE run SET rejects = rejects + $2 WHERE id = $1', [lease.table.runId, delta]);
      await this.db.query('UPDATE run_table SET rejects = rejects + $2 WHERE id = $1', [lease.table.id, delta]);
    }
  }

  // ---- the run's log ----

  /**
   * Appends to the run's log while the run is queued or running: a run's log is closed when it
   * ends, so a worker that wakes up late (a pause, a lost lease) adds nothing to a finished run.
   * With `error`, the line keeps its class, code and stack (scrubbed) in `detail`.
   */
  async log(runId: string, level: LogLevel, message: string, tableName?: string, error?: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO run_log (run_id, level, table_name, message, detail)
       SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM run WHERE id = $1 AND status IN ('queued', 'running'))`,
      [runId, level, tableName ?? null, message, detailOf(error)],
    );
  }

  /** The lines that close a run's log, written by whoever just ended it (the outcome, its alert). */
  async logEnd(runId: string, level: LogLevel, message: string, tableName?: string, error?: unknown): Promise<void> {
    await this.db.query('INSERT INTO run_log (run_id, level, table_name, message, detail) VALUES ($1, $2, $3, $4, $5)', [runId, level, tableName ?? null, message, detailOf(error)]);
  }

  /**
   * A retry line, coalesced: at most one per `subject` (e.g. "chunk 3 will retry") and table per
   * RETRY_LOG_WINDOW_SECONDS, so a flapping database writes a line a minute, each saying which
   * attempt it is, instead of one per attempt. Returns whether it was written.
   */
  async logRetry(runId: string, subject: string, message: string, tableName?: string, error?: unknown): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
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
    const [row] = await this.db.query('SELECT count(*)::int AS n FROM run_log WHERE run_id = $1 AND left(message, length($2)) = $2', [runId, prefix]);
    return row.n as number;
  }

  // ---- watermarks ----

  /** The job's stored watermark of a table (as encoded), locked until the transaction ends when `lock`. */
  async watermark(jobId: string, sourceTable: string, lock = false): Promise<StoredWatermark | null> {
    const [row] = await this.db.query(`SELECT column_value, key_value FROM sync_watermark WHERE job_id = $1 AND source_table = $2${lock ? ' FOR UPDATE' : ''}`, [jobId, sourceTable]);
    if (!row?.column_value) return null;
    return { columnValue: row.column_value, key: (row.key_value ?? []) as unknown[] };
  }

  /** Stores a table's watermark (as encoded: the column it was taken on, its value and types; the key). */
  async saveWatermark(jobId: string, sourceTable: string, mark: StoredWatermark): Promise<void> {
    await this.db.query(
      `INSERT INTO sync_watermark (job_id, source_table, column_value, key_value) VALUES ($1, $2, $3, $4)
       ON CONFLICT (job_id, source_table) DO UPDATE SET column_value = EXCLUDED.column_value, key_value = EXCLUDED.key_value, updated_at = now()`,
      [jobId, sourceTable, JSON.stringify(mark.columnValue), JSON.stringify(mark.key)],
    );
  }
}
