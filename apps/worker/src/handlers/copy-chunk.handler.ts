import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '@dbferry/config';
import { DbError, KeyRange, NeutralColumn, NeutralValue } from '@dbferry/dialects-core';
import { RunEntity, RunTableEntity, SyncJobEntity } from '@dbferry/control-plane';
import {
  chunkWriteMode,
  copyKeyless,
  copyRange,
  decodeKey,
  decodeValue,
  deleteMissingInRange,
  EncodedValue,
  encodeKey,
  encodeValue,
  formatTableRef,
  keyOrderAgrees,
  laterWatermark,
  LOOKUP_KEY_KINDS,
  parseTableRef,
  PlanError,
  planTables,
  RejectLimitError,
  sincePredicate,
  TablePlan,
  Watermark,
} from '@dbferry/engine';
import { defaultSchema } from '@dbferry/dialects';
import { ConnectionSlots, JobContext, JobHandler, JobHandlerOf } from '@dbferry/queue';
import { JobName } from '@dbferry/queue-contracts';
import { ConnectionOpener, OpenPair } from '../runs/connection-opener';
import { WorkerMetrics } from '../ops/worker-metrics';
import { RunStore } from '../runs/run-store';

const LOOKUP_KINDS = new Set<string>(LOOKUP_KEY_KINDS);

/** The incremental column of a planned table, its inclusive lower bound, and a watermark tracker. */
function incrementalOf(table: RunTableEntity, columns: NeutralColumn[], keyColumns: string[]) {
  if (!table.incrementalColumn) return undefined;
  const at = columns.findIndex((c) => c.name === table.incrementalColumn);
  if (at < 0) return undefined;
  const column = columns[at];
  const keyAt = keyColumns.map((k) => columns.findIndex((c) => c.name === k));
  const keyCols = keyAt.map((i) => columns[i]);
  return {
    column,
    since: table.sinceValue === null || table.sinceValue === undefined ? undefined : decodeValue(table.sinceValue as EncodedValue),
    track(current: Watermark | null, rows: NeutralValue[][]): Watermark | null {
      let best = current;
      for (const row of rows) {
        if (row[at] === null) continue;
        best = laterWatermark(column, keyCols, best, { value: row[at], key: keyAt.map((i) => row[i]) });
      }
      return best;
    },
  };
}

/** A chunk that found its databases busy waits about this long (plus jitter) before trying again. */
const SLOT_RETRY_MS = 1000;

/** A chunk's lease outlives BullMQ's lock renewal by a margin; a stalled holder loses it. */
const LEASE_MS = 10 * 60_000;

/** Bad rows isolated beyond the job's maxRejects, so a run failed for them still lists some. */
const REJECTS_SHOWN_BEYOND_LIMIT = 10;

/**
 * Copies one key range in one target transaction (replace-range or upsert, so a retry or a
 * duplicate delivery rewrites the same rows), then checkpoints it under its lease.
 */
@Injectable()
@JobHandler(JobName.CopyChunk)
export class CopyChunkHandler implements JobHandlerOf<JobName.CopyChunk> {
  constructor(
    private readonly store: RunStore,
    private readonly opener: ConnectionOpener,
    private readonly metrics: WorkerMetrics,
    private readonly slots: ConnectionSlots,
    @Inject(workerConfig.KEY) private readonly config: ConfigType<typeof workerConfig>,
  ) {}

  async handle(job: JobContext<JobName.CopyChunk>): Promise<{ rows: number } | { skipped: string }> {
    const { runId } = job.data;
    const run = await this.store.run(runId);
    if (!run || run.status !== 'running') return { skipped: `run is ${run?.status ?? 'gone'}` };
    if (run.cancelRequested) return { skipped: 'run cancelled' };
    const syncJob = await this.store.job(run.jobId);
    if (!syncJob) return { skipped: 'job deleted' };
    // The fleet-wide cap on chunks per database: no free slot, back in the queue, no attempt spent.
    const limits = await this.store.connectionLimits([syncJob.sourceId, syncJob.targetId]);
    const slots = await this.slots.acquire(
      [syncJob.sourceId, syncJob.targetId].map((id) => ({ connectionId: id, limit: limits.get(id) ?? this.config.connectionMaxParallelChunks })),
    );
    if (!slots) return job.postpone(SLOT_RETRY_MS + Math.floor(Math.random() * SLOT_RETRY_MS));
    try {
      return await this.copy(job, run, syncJob);
    } finally {
      await slots.release();
    }
  }

  private async copy(job: JobContext<JobName.CopyChunk>, run: RunEntity, syncJob: SyncJobEntity): Promise<{ rows: number } | { skipped: string }> {
    const { runId, chunkId } = job.data;
    const lease = await this.store.lease(chunkId, LEASE_MS);
    if (!lease) return { skipped: 'chunk already done' };

    const spec = syncJob.tables[lease.table.specIndex];
    // A pattern entry carries no per-table settings; a single-table entry keeps its filter and columns.
    const single = spec && !parseTableRef(spec.source)?.pattern ? spec : undefined;
    try {
      const ends = await this.opener.openPair(syncJob.sourceId, syncJob.targetId);
      try {
        // Re-plan the one table (no DDL runs here) to get its columns, key and filter as typed now.
        const [plan] = await planTables({
          source: { dialect: ends.source.stored.dialect, session: ends.source.session },
          target: { dialect: ends.target.stored.dialect, session: ends.target.session, defaultSchema: defaultSchema(ends.target.stored) },
          tables: [
            {
              source: formatTableRef({ schema: lease.table.sourceSchema, name: lease.table.sourceName }),
              target: formatTableRef({ schema: lease.table.targetSchema, name: lease.table.targetName }),
              where: single?.where,
              columns: single?.columns,
              keyColumns: lease.table.keyColumns.length ? lease.table.keyColumns : undefined,
            },
          ],
          options: { createTables: false, evolveSchema: false },
        });
        const started = Date.now();
        const range = { lower: decodeKey(lease.chunk.lowerKey as EncodedValue[] | null), upper: decodeKey(lease.chunk.upperKey as EncodedValue[] | null) };
        const sourceDialect = ends.source.stored.dialect;
        const incremental = incrementalOf(lease.table, plan.columns, plan.keyColumns);
        const where = incremental?.since !== undefined ? [plan.where && `(${plan.where})`, sincePredicate(sourceDialect, incremental.column, incremental.since)].filter(Boolean).join(' AND ') : plan.where;
        // A key range cut in the source's order is the same set of keys on the target only when
        // both databases order every key column neutrally (their declared orderedKeyKinds): then
        // the chunk may replace its range. Otherwise (text, uint64 or decimals kept as SQLite text,
        // uuid, …) it upserts its own keys, and insert/replace clear the range's stale rows below.
        const keys = plan.keyColumns.map((k) => plan.columns.find((c) => c.name === k) as NeutralColumn);
        const targetKeys = lease.table.resumable ? await this.targetKeyColumns(ends, plan, keys) : keys;
        const ordered = lease.table.resumable && keyOrderAgrees(ends.source.data, ends.target.data, keys, targetKeys);
        const lookups = [...keys, ...targetKeys].every((c) => LOOKUP_KINDS.has(c.type.kind));
        const mode = !lease.table.resumable ? 'replace-range' : syncJob.mode === 'incremental' || !ordered ? 'upsert' : chunkWriteMode(syncJob.writeMode);
        const verify = ordered ? ('range' as const) : lookups ? { keys: { dialect: ends.target.stored.dialect, keyColumns: targetKeys } } : undefined;
        const sweep = syncJob.deleteMissing || (!ordered && syncJob.mode !== 'incremental' && syncJob.writeMode !== 'upsert');
        let watermark: Watermark | null = null;
        const result = !lease.table.resumable
          ? await copyKeyless({
              source: ends.source.data,
              target: ends.target.data,
              targetDialect: ends.target.stored.dialect,
              stagingTag: lease.table.id,
              from: plan.source,
              to: plan.target,
              columns: plan.columns,
              where,
              batchSize: syncJob.batchSize,
              nul: syncJob.nul,
              signal: job.signal,
            })
          : await copyRange({
          source: ends.source.data,
          target: ends.target.data,
          from: plan.source,
          to: plan.target,
          columns: plan.columns,
          keyColumns: plan.keyColumns,
          where,
          range: lease.table.resumable ? range : undefined,
          mode,
          verify,
          batchSize: syncJob.batchSize,
          nul: syncJob.nul,
          // The budget other chunks have not used yet; finish-run settles the run against maxRejects.
          rejectLimit: Math.max(0, syncJob.maxRejects - (Number(run.rejects) - lease.chunk.rejects)) + REJECTS_SHOWN_BEYOND_LIMIT,
          signal: job.signal,
          onRows: incremental ? (batch) => (watermark = incremental.track(watermark, batch.rows)) : undefined,
        });
        // A replaced range already lost the keys the source no longer has; an upserted one did not.
        const rowsDeleted =
          sweep && lookups && lease.table.resumable && mode === 'upsert'
            ? await this.deleteMissing(ends, plan, range, syncJob.batchSize, job.signal)
            : 0;
        const labels = { source_dialect: ends.source.stored.dialect, target_dialect: ends.target.stored.dialect };
        this.metrics.rowsCopied.inc(labels, result.rowsWritten);
        this.metrics.chunkSeconds.observe(labels, (Date.now() - started) / 1000);
        const mark = watermark as Watermark | null;
        const stored = mark ? { value: encodeValue(mark.value), key: encodeKey(mark.key) ?? [] } : null;
        if (result.rejects.length) {
          await this.store.log(runId, 'warn', `chunk ${lease.chunk.ordinal}: ${result.rejects.length} row(s) rejected by the target, found in ${result.probes} probe write(s)`, lease.table.sourceTable);
        }
        if (!(await this.store.complete(lease, { ...result, rowsDeleted, watermark: stored }))) {
          await this.store.log(runId, 'warn', `chunk ${lease.chunk.ordinal} finished after its lease passed to another worker; its write was idempotent`, lease.table.sourceTable);
        }
        return { rows: result.rowsWritten };
      } finally {
        await ends.close();
      }
    } catch (error) {
      const message = (error as Error).message;
      // A worker shutting down aborted the copy: whatever the driver made of it, the chunk is not at fault.
      const terminal = !job.signal.aborted && ((error instanceof DbError && !error.transient) || error instanceof RejectLimitError || error instanceof PlanError || job.attemptsMade + 1 >= job.attempts);
      this.metrics.chunkFailures.inc({ retry: String(!terminal) });
      if (terminal) {
        await this.store.fail(lease, message, error instanceof RejectLimitError ? error.rejects : []);
        await this.store.log(runId, 'error', `chunk ${lease.chunk.ordinal} failed: ${message}`, lease.table.sourceTable);
        throw Object.assign(new Error(message), { transient: false });
      }
      await this.store.release(lease, message);
      // Coalesced: a flapping database writes one such line per chunk a minute, not one per attempt.
      await this.store.logRetry(runId, `chunk ${lease.chunk.ordinal} will retry`, `chunk ${lease.chunk.ordinal} will retry (attempt ${job.attemptsMade + 1}): ${message}`, lease.table.sourceTable);
      throw error;
    }
  }

  /** The target table's own key columns (a column of another type sorts as its own type), else the planned ones. */
  private async targetKeyColumns(ends: OpenPair, plan: TablePlan, planned: NeutralColumn[]): Promise<NeutralColumn[]> {
    const described = await ends.target.data.introspector.describeTable(plan.target);
    if (!described) return planned;
    return planned.map((k) => described.columns.find((c) => c.name === k.name) ?? k);
  }

  private async deleteMissing(ends: OpenPair, plan: TablePlan, range: KeyRange, batchSize: number, signal?: AbortSignal): Promise<number> {
    const described = await ends.target.data.introspector.describeTable(plan.target);
    const byName = new Map(described?.columns.map((c) => [c.name, c]) ?? []);
    const sourceKeys = plan.keyColumns.map((k) => plan.columns.find((c) => c.name === k) as NeutralColumn);
    const targetKeys = plan.keyColumns.map((k) => byName.get(k));
    if (targetKeys.some((c) => !c)) throw new Error(`deleteMissing: the target ${plan.target.name} lacks a key column`);
    return deleteMissingInRange({
      source: { dialect: ends.source.stored.dialect, data: ends.source.data, table: plan.source, keyColumns: sourceKeys, where: plan.where },
      target: { dialect: ends.target.stored.dialect, data: ends.target.data, table: plan.target, keyColumns: targetKeys as NeutralColumn[] },
      range,
      batchSize,
      signal,
    });
  }
}
