import { Injectable } from '@nestjs/common';
import { DbError } from '@dbferry/dialects-core';
import { chunkWriteMode, copyRange, decodeKey, EncodedValue, formatTableRef, parseTableRef, planTables, RejectLimitError } from '@dbferry/engine';
import { defaultSchema } from '@dbferry/dialects';
import { JobContext, JobHandler, JobHandlerOf } from '@dbferry/queue';
import { JobName } from '@dbferry/queue-contracts';
import { ConnectionOpener } from '../runs/connection-opener';
import { WorkerMetrics } from '../ops/worker-metrics';
import { RunStore } from '../runs/run-store';

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
  ) {}

  async handle(job: JobContext<JobName.CopyChunk>): Promise<{ rows: number } | { skipped: string }> {
    const { runId, chunkId } = job.data;
    const run = await this.store.run(runId);
    if (!run || run.status !== 'running') return { skipped: `run is ${run?.status ?? 'gone'}` };
    if (run.cancelRequested) return { skipped: 'run cancelled' };
    const lease = await this.store.lease(chunkId, LEASE_MS);
    if (!lease) return { skipped: 'chunk already done' };
    const syncJob = await this.store.job(run.jobId);
    if (!syncJob) return { skipped: 'job deleted' };

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
        const result = await copyRange({
          source: ends.source.data,
          target: ends.target.data,
          from: plan.source,
          to: plan.target,
          columns: plan.columns,
          keyColumns: plan.keyColumns,
          where: plan.where,
          range: lease.table.resumable ? range : undefined,
          mode: lease.table.resumable ? chunkWriteMode(syncJob.writeMode) : 'replace-range',
          batchSize: syncJob.batchSize,
          // The budget other chunks have not used yet; finish-run settles the run against maxRejects.
          rejectLimit: Math.max(0, syncJob.maxRejects - (Number(run.rejects) - lease.chunk.rejects)) + REJECTS_SHOWN_BEYOND_LIMIT,
          signal: job.signal,
        });
        const labels = { source_dialect: ends.source.stored.dialect, target_dialect: ends.target.stored.dialect };
        this.metrics.rowsCopied.inc(labels, result.rowsWritten);
        this.metrics.chunkSeconds.observe(labels, (Date.now() - started) / 1000);
        if (result.rejects.length) {
          await this.store.log(runId, 'warn', `chunk ${lease.chunk.ordinal}: ${result.rejects.length} row(s) rejected by the target, found in ${result.probes} probe write(s)`, lease.table.sourceTable);
        }
        if (!(await this.store.complete(lease, result))) {
          await this.store.log(runId, 'warn', `chunk ${lease.chunk.ordinal} finished after its lease passed to another worker; its write was idempotent`, lease.table.sourceTable);
        }
        return { rows: result.rowsWritten };
      } finally {
        await ends.close();
      }
    } catch (error) {
      const message = (error as Error).message;
      const terminal = (error instanceof DbError && !error.transient) || error instanceof RejectLimitError || job.attemptsMade + 1 >= job.attempts;
      this.metrics.chunkFailures.inc({ retry: String(!terminal) });
      if (terminal) {
        await this.store.fail(lease, message, error instanceof RejectLimitError ? error.rejects : []);
        await this.store.log(runId, 'error', `chunk ${lease.chunk.ordinal} failed: ${message}`, lease.table.sourceTable);
        throw Object.assign(new Error(message), { transient: false });
      }
      await this.store.release(lease, message);
      await this.store.log(runId, 'warn', `chunk ${lease.chunk.ordinal} will retry (attempt ${job.attemptsMade + 1}): ${message}`, lease.table.sourceTable);
      throw error;
    }
  }
}
