import { Injectable } from '@nestjs/common';
import { ChunkLease, LogLevel, RunChunkEntity, RunEntity, RunRepository, RunTableEntity, SyncJobEntity } from '@dbferry/control-plane';
import { type NeutralType, type NeutralValue, type ValueLoss } from '@dbferry/dialects-core';
import { decodeKey, decodeValue, decodeWatermark, EncodedValue, encodeKey, laterTypedWatermark, RejectedRow, TypedWatermark, Watermark } from '@dbferry/engine';

export { RETRY_LOG_WINDOW_SECONDS } from '@dbferry/control-plane';
export type { ChunkLease } from '@dbferry/control-plane';

/** A chunk's watermark as stored: the incremental value and key in the lossless JSON encoding. */
export interface EncodedWatermark {
  value: EncodedValue;
  key: EncodedValue[];
}

/** The engine's refused rows as the repository stores them (keys in the lossless JSON). */
const storedRejects = (rejects: RejectedRow[]) => rejects.map((r) => ({ key: encodeKey(r.key), column: r.column ?? null, error: r.error }));

/**
 * The worker's reads and writes of run state, through the control store's RunRepository (the
 * one owner of run, table and chunk transitions); this layer adds the engine's encodings. Every
 * checkpoint is conditional on the lease token, so a worker that stalled and lost its job can
 * never overwrite the newer state.
 */
@Injectable()
export class RunStore {
  constructor(private readonly runs: RunRepository) {}

  run(id: string): Promise<RunEntity | null> {
    return this.runs.run(id);
  }

  job(id: string): Promise<SyncJobEntity | null> {
    return this.runs.job(id);
  }

  tables(runId: string): Promise<RunTableEntity[]> {
    return this.runs.tables(runId);
  }

  chunks(runTableIds: string[]): Promise<RunChunkEntity[]> {
    return this.runs.chunks(runTableIds);
  }

  /** Appends to the run's log while the run is queued or running (RunRepository.log). */
  log(runId: string, level: LogLevel, message: string, tableName?: string, error?: unknown): Promise<void> {
    return this.runs.log(runId, level, message, tableName, error);
  }

  /** The lines that close a run's log; with `error`, its class, code and stack (scrubbed). */
  logEnd(runId: string, level: LogLevel, message: string, tableName?: string, error?: unknown): Promise<void> {
    return this.runs.logEnd(runId, level, message, tableName, error);
  }

  /** A retry line, coalesced to one per subject and table a minute (RunRepository.logRetry). */
  logRetry(runId: string, subject: string, message: string, tableName?: string, error?: unknown): Promise<boolean> {
    return this.runs.logRetry(runId, subject, message, tableName, error);
  }

  /** How many of the run's log lines start with `prefix`. */
  countLog(runId: string, prefix: string): Promise<number> {
    return this.runs.countLog(runId, prefix);
  }

  /** queued | running → an end state, with its reason; false when the run had already ended. */
  endRun(runId: string, status: 'failed' | 'cancelled', error: string): Promise<boolean> {
    return this.runs.end(runId, status, error);
  }

  /** The job's stored watermark of a table, if it was taken on `column` (a changed column starts over). */
  async watermark(jobId: string, sourceTable: string, column: string): Promise<{ value: NeutralValue; key: NeutralValue[] } | null> {
    const row = await this.runs.watermark(jobId, sourceTable);
    if (!row || row.columnValue.column !== column) return null;
    return { value: decodeValue(row.columnValue.value as EncodedValue), key: decodeKey(row.key as EncodedValue[]) ?? [] };
  }

  /**
   * Advances a table's watermark to the largest (value, key) its chunks committed, inside the
   * transaction that settles the run. Never moves it back: rows whose value went down at the
   * source are re-read only within the lookback. Every value is ordered by `order`, the neutral
   * types of the run's snapshot (watermarkOrder), and stored with its type.
   */
  async commitWatermark(
    tx: RunRepository,
    jobId: string,
    table: RunTableEntity,
    chunks: RunChunkEntity[],
    order: { type: NeutralType; keyTypes: NeutralType[] },
  ): Promise<Watermark | null> {
    const typed = (w: { value: EncodedValue; key: EncodedValue[] }): TypedWatermark => ({ value: w.value, key: w.key, ...order });
    let best: TypedWatermark | null = null;
    for (const chunk of chunks) if (chunk.watermark) best = laterTypedWatermark(best, typed(chunk.watermark as EncodedWatermark));
    const row = await tx.watermark(jobId, table.sourceTable, true);
    if (row && row.columnValue.column === table.incrementalColumn) best = laterTypedWatermark(best, typed({ value: row.columnValue.value as EncodedValue, key: row.key as EncodedValue[] }));
    if (!best) return null;
    await tx.saveWatermark(jobId, table.sourceTable, {
      columnValue: { column: table.incrementalColumn as string, value: best.value, type: order.type, keyTypes: order.keyTypes },
      key: best.key,
    });
    return decodeWatermark(best);
  }

  /** The job's last run that succeeded or failed before this one ended, if any. */
  previousSettled(jobId: string, runId: string): Promise<{ id: string; status: RunEntity['status'] } | null> {
    return this.runs.previousSettled(jobId, runId);
  }

  /** The first `perTable` refused rows of each of these tables of a run. */
  firstRejects(runId: string, tableIds: string[], perTable: number) {
    return this.runs.firstRejects(runId, tableIds, perTable);
  }

  /** Queued or running runs queued more than `graceSeconds` ago, oldest first. */
  activeOlderThan(graceSeconds: number): Promise<{ id: string; status: 'queued' | 'running' }[]> {
    return this.runs.activeOlderThan(graceSeconds);
  }

  /** Runs `work` under the fleet-wide advisory lock `key`, if no other process holds it. */
  exclusively<T>(key: string, work: () => Promise<T>) {
    return this.runs.exclusively(key, work);
  }

  /** Each connection's own cap on parallel chunks, where it has one. */
  connectionLimits(ids: string[]): Promise<Map<string, number>> {
    return this.runs.connectionLimits(ids);
  }

  /**
   * queued → running; also true for a run already running (a retried plan goes on with it),
   * false when the run has ended (cancelled, done).
   */
  async start(runId: string): Promise<boolean> {
    return (await this.runs.start(runId)) || (await this.runs.run(runId))?.status === 'running';
  }

  /** Runs `work` in one control-store transaction, with the run repository bound to it. */
  transaction<T>(work: (tx: RunRepository) => Promise<T>): Promise<T> {
    return this.runs.transaction(work);
  }

  /** The run table a chunk belongs to (null: no such chunk). */
  chunkTableId(chunkId: string): Promise<string | null> {
    return this.runs.chunkTableId(chunkId);
  }

  /** Takes (or takes over) a chunk; null when it is already done. */
  lease(chunkId: string, leaseMs: number): Promise<ChunkLease | null> {
    return this.runs.lease(chunkId, leaseMs);
  }

  /**
   * Records a chunk the target has committed, with its counts rolled up into its table and
   * run, all only if this worker still holds the lease. Returns false when the lease was lost.
   */
  complete(
    lease: ChunkLease,
    counts: { rowsRead: number; rowsWritten: number; warnings: ValueLoss[]; rowsDeleted?: number; watermark?: EncodedWatermark | null; rejects?: RejectedRow[] },
  ): Promise<boolean> {
    return this.runs.complete(lease, { ...counts, rejects: storedRejects(counts.rejects ?? []) });
  }

  /** Fails a chunk for good, keeping the rows the target refused when that is why (a reject limit passed). */
  async fail(lease: ChunkLease, error: string, rejects: RejectedRow[] = []): Promise<void> {
    await this.runs.fail(lease, error, storedRejects(rejects));
  }

  /** Leaves a chunk for a retry: pending again, its error kept for the log. */
  async release(lease: ChunkLease, error: string): Promise<void> {
    await this.runs.release(lease, error);
  }
}
