import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '@dbferry/config';
import { defaultSchema } from '@dbferry/dialects';
import { DataPlane, isTerminal, KeyRange, NeutralValue } from '@dbferry/dialects-core';
import { FrozenSalt, JobSalts, SyncJobEntity } from '@dbferry/control-plane';
import { chunkCount, countRows, defersKeys, encodeKey, encodeValue, keyBareTable, lookbackFrom, planTablesEach, snapshotTable, TableFailure, TablePlan, TableSnapshot } from '@dbferry/engine';
import { asError, JobContext, JobHandler, JobHandlerOf, JobProducer } from '@dbferry/queue';
import { JobName, syncJobId } from '@dbferry/queue-contracts';
import { ConnectionOpener, OpenPair } from '../runs/connection-opener';
import { RunAlerts } from '../runs/run-alerts';
import { RunStore } from '../runs/run-store';

const qualified = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;
/**
 * The run-log line written before a table is created without its key: a re-plan of the run (its
 * worker killed before the chunks were stored) finds it and carries on with the deferral.
 */
const DEFERRED_PREFIX = 'primary key of ';
const deferredLine = (t: { schema: string; name: string }) => `${DEFERRED_PREFIX}${JSON.stringify(t.schema)}.${JSON.stringify(t.name)} deferred until the table is loaded`;

interface IncrementalRead {
  column?: string;
  /** The inclusive lower bound read this run. */
  since?: NeutralValue;
  note?: string;
}

/**
 * Turns a queued run into tables and key-range chunks: runs the target DDL, splits each
 * table, stores every chunk, then adds one flow (finish-run over the copy-chunk children).
 * A retried plan finds its stored chunks and only re-adds the flow (same job ids: no-op).
 */
@Injectable()
@JobHandler(JobName.PlanRun)
export class PlanRunHandler implements JobHandlerOf<JobName.PlanRun> {
  constructor(
    private readonly store: RunStore,
    private readonly opener: ConnectionOpener,
    private readonly producer: JobProducer,
    private readonly alerts: RunAlerts,
    private readonly salts: JobSalts,
    @Inject(workerConfig.KEY) private readonly config: ConfigType<typeof workerConfig>,
  ) {}

  async handle(job: JobContext<JobName.PlanRun>): Promise<{ tables: number; chunks: number } | { skipped: string }> {
    const { runId } = job.data;
    const run = await this.store.run(runId);
    if (!run || !(await this.store.start(runId))) {
      if (run) await this.keyLeftBare(runId, run.jobId).catch(() => undefined);
      return { skipped: 'run is not queued or running' };
    }
    const tables = await this.store.tables(runId);
    if (tables.length) return this.enqueue(runId, (await this.store.chunks(tables.map((t) => t.id))).map((c) => c.id), tables.length);

    const syncJob = await this.store.job(run.jobId);
    if (!syncJob) return this.failRun(runId, 'the job was deleted');
    // One path for every failure, the open included: the run is failed or the error rethrown for
    // a retry exactly once, and closing the sessions can never replace (or orphan) that outcome.
    let ends: OpenPair | undefined;
    try {
      ends = await this.opener.openPair(syncJob.sourceId, syncJob.targetId, { createTarget: syncJob.createTables });
      return await this.plan(runId, syncJob, ends);
    } catch (error) {
      return await this.rethrowOrFail(runId, error, job);
    } finally {
      await ends?.close().catch(() => undefined);
    }
  }

  private async plan(runId: string, syncJob: SyncJobEntity, ends: OpenPair): Promise<{ tables: number; chunks: number }> {
    const planned = await this.planTables(runId, syncJob, ends);
    const failures: TableFailure[] = [...planned.failures];
    const plans: TablePlan[] = [];
    const ranges: KeyRange[][] = [];
    const reads: IncrementalRead[] = [];
    const snapshots: TableSnapshot[] = [];
    // The job's hash salt (made on its first hashing run), frozen sealed with each table that hashes.
    let salt: FrozenSalt | null | undefined;
    // Tables created here without their key: keyed at once (empty) if this plan does not get as far as storing them.
    const bare: TablePlan[] = [];
    let chunkIds: string[];
    try {
      for (const plan of planned.plans) {
        try {
          if (plan.deferredKey) {
            // Said before the table exists, so that a re-plan after a crash knows the bare table is this run's.
            if (plan.ddl.length) await this.store.log(runId, 'info', `${deferredLine(plan.target)}: ${plan.deferredKey.join('; ')}`, qualified(plan.source));
            else await this.store.log(runId, 'warn', `${qualified(plan.target)} was created without its primary key by an earlier attempt of this plan, cut short: its key is still built after the load`, qualified(plan.source));
            bare.push(plan);
          }
          if (plan.ddl.length) {
            await ends.target.data.execute(plan.ddl);
            await this.store.log(runId, 'info', `ran on the target: ${plan.ddl.join('; ')}`, qualified(plan.source));
          }
          const read = await this.incrementalRead(syncJob, plan);
          if (plan.transform?.hashes && salt === undefined) salt = await this.salts.sealed(syncJob.id);
          // Everything the chunks and finish-run need, frozen now: they never read the job again.
          const snapshot = await snapshotTable({
            plan,
            source: { dialect: ends.source.stored.dialect, data: ends.source.data, connectionId: syncJob.sourceId },
            target: { dialect: ends.target.stored.dialect, data: ends.target.data, connectionId: syncJob.targetId, serverVersion: ends.target.session.serverVersion },
            job: syncJob,
            since: read.since,
            stagingTag: randomUUID(),
            ...(plan.transform?.hashes && salt && { sealedSalt: salt }),
          });
          // deleteMissing compares each chunk's key range whole, so its ranges cover the table,
          // not only the rows changed since the watermark.
          const range = await this.split({ ...plan, where: syncJob.deleteMissing ? snapshot.filter : snapshot.where }, ends.source.data, syncJob.chunkRows);
          plans.push(plan);
          snapshots.push(snapshot);
          reads.push(read);
          ranges.push(range);
        } catch (error) {
          // An error that can never succeed on retry (a database refusing this table for good, a
          // name the target cannot hold) fails the table; anything else, the attempt.
          if (!isTerminal(error)) throw error;
          if (bare.includes(plan)) await keyBareTable(ends.target.data, plan.target, plan.deferredKey ?? []).catch(() => undefined);
          failures.push({ ...plan, field: `tables[${plan.specIndex}]`, reason: `table ${qualified(plan.source)}: ${(error as Error).message}` });
        }
      }
      chunkIds = await this.store.transaction(async (runs) => {
        // Held until the tables are stored: a cancel either came before (the tables are stored
        // cancelled, below) or waits and then cancels them itself.
        const status = await runs.lockRun(runId);
        const ids: string[] = [];
        for (const [ordinal, plan] of plans.entries()) {
          const since = reads[ordinal].since;
          ids.push(
            ...(await runs.addTable(runId, {
              ordinal,
              specIndex: plan.specIndex,
              source: plan.source,
              target: plan.target,
              keyColumns: plan.keyColumns,
              resumable: plan.resumable,
              ddl: plan.ddl,
              losses: plan.mapping.filter((m) => m.lossy).map((m) => ({ column: m.column, ...m.lossy })),
              incrementalColumn: reads[ordinal].column ?? null,
              sinceValue: since === undefined ? null : encodeValue(since),
              snapshot: snapshots[ordinal],
              chunks: ranges[ordinal].map((range) => ({ lower: encodeKey(range.lower), upper: encodeKey(range.upper) })),
            })),
          );
        }
        // A table that could not be planned is stored failed, with no chunks: finish-run keeps it so.
        for (const [i, failure] of failures.entries()) {
          await runs.addFailedTable(runId, { ordinal: plans.length + i, specIndex: failure.specIndex, source: failure.source, target: failure.target }, failure.reason);
        }
        // Stored all the same: finish-run keys the tables created without their key.
        if (status === 'cancelled') await runs.cancelOpenTables(runId);
        return ids;
      });
    } catch (error) {
      // A retried plan finds these tables existing and would never key them: key them now, empty.
      for (const plan of bare) await keyBareTable(ends.target.data, plan.target, plan.deferredKey ?? []).catch(() => undefined);
      throw error;
    }
    for (const failure of failures) await this.store.log(runId, 'error', `not copied: ${failure.reason}`, qualified(failure.source));
    // Nothing left to copy: the run fails now, with the tables' own reasons as its error.
    if (!plans.length) return this.failRun(runId, failures.map((f) => f.reason).join('; '));
    for (const [ordinal, plan] of plans.entries()) {
      const read = reads[ordinal];
      if (read.note) await this.store.log(runId, 'info', read.note, qualified(plan.source));
      if (!plan.resumable) await this.store.log(runId, 'warn', 'no usable key: copied whole into a staging table and swapped in at the end; it cannot resume part-way', qualified(plan.source));
      for (const m of plan.mapping) {
        if (m.lossy) await this.store.log(runId, 'warn', `${m.column}: ${m.lossy.description}`, qualified(plan.source));
        if (m.note) await this.store.log(runId, 'warn', `${m.column}: ${m.note}`, qualified(plan.source));
      }
    }
    return this.enqueue(runId, chunkIds, plans.length + failures.length);
  }

  private planTables(runId: string, syncJob: SyncJobEntity, ends: OpenPair) {
    return planTablesEach({
      source: { dialect: ends.source.stored.dialect, session: ends.source.session },
      target: { dialect: ends.target.stored.dialect, session: ends.target.session, defaultSchema: defaultSchema(ends.target.stored) },
      tables: syncJob.tables,
      // A full copy replacing key ranges never needs the key while loading: a table it creates is keyed after the load.
      options: {
        createTables: syncJob.createTables,
        evolveSchema: syncJob.evolveSchema,
        deferKeys: defersKeys(syncJob),
        createdBare: async (target) => (await this.store.countLog(runId, deferredLine(target))) > 0,
      },
    });
  }

  /**
   * A run that ended (cancelled, given up) while its plan was cut short after creating a table
   * bare, before storing its chunks: no finish-run knows that table, so its key is built here, on
   * the empty table (best effort; the run log has the statements).
   */
  private async keyLeftBare(runId: string, jobId: string): Promise<void> {
    if (!(await this.store.countLog(runId, DEFERRED_PREFIX))) return;
    if ((await this.store.tables(runId)).length) return;
    const syncJob = await this.store.job(jobId);
    if (!syncJob) return;
    const ends = await this.opener.openPair(syncJob.sourceId, syncJob.targetId);
    try {
      const { plans } = await this.planTables(runId, syncJob, ends);
      for (const plan of plans.filter((p) => p.deferredKey && !p.ddl.length)) {
        if (!(await keyBareTable(ends.target.data, plan.target, plan.deferredKey ?? []))) continue;
        await this.store.logEnd(runId, 'warn', `${qualified(plan.target)} was created without its primary key by this run, which ended before loading it: keyed now, empty`, qualified(plan.source));
      }
    } finally {
      await ends.close().catch(() => undefined);
    }
  }

  /**
   * What an incremental table reads this run: rows whose incremental column is at or after the
   * stored watermark less the job's lookback (inclusive, so ties and late commits are read
   * again and upserted). Without a watermark, the first run reads everything.
   */
  private async incrementalRead(syncJob: SyncJobEntity, plan: TablePlan): Promise<IncrementalRead> {
    if (syncJob.mode !== 'incremental') return {};
    const column = plan.incrementalColumn ? plan.columns.find((c) => c.name === plan.incrementalColumn) : undefined;
    if (!column) return { note: 'no incrementalColumn (a pattern table): read in full and upserted' };
    const mark = await this.store.watermark(syncJob.id, qualified(plan.source), column.name);
    if (!mark) return { column: column.name, note: `no watermark yet on ${column.name}: read in full` };
    const since = lookbackFrom(column, mark.value, syncJob.lookbackSeconds);
    return {
      column: column.name,
      since,
      note: `reads ${column.name} >= ${String(since)} (watermark ${String(mark.value)} less ${syncJob.lookbackSeconds} s lookback)`,
    };
  }

  private async split(plan: TablePlan, source: DataPlane, chunkRows: number): Promise<KeyRange[]> {
    if (!plan.resumable) return [{}];
    const keyColumns = plan.columns.filter((c) => plan.keyColumns.includes(c.name));
    keyColumns.sort((a, b) => plan.keyColumns.indexOf(a.name) - plan.keyColumns.indexOf(b.name));
    const estimate = plan.rowEstimate ?? (await countRows(source, plan.source, keyColumns, plan.where));
    // At least one chunk per slot of this worker, so a table of chunkRows rows is not copied by one slot alone.
    const parts = chunkCount(estimate, chunkRows, this.config.concurrency);
    return parts === 1 ? [{}] : source.reader.splitRanges(plan.source, keyColumns, parts, plan.where);
  }

  private async enqueue(runId: string, chunkIds: string[], tables: number) {
    const finish = { name: JobName.FinishRun, data: { v: 1 as const, runId }, jobId: syncJobId.finish(runId) };
    // No chunk at all (every table failed to plan): finish-run settles the run at once.
    if (!chunkIds.length) await this.producer.enqueue(finish.name, finish.data, { jobId: finish.jobId });
    else await this.producer.enqueueFlow(finish, chunkIds.map((chunkId) => ({ name: JobName.CopyChunk, data: { v: 1, runId, chunkId }, jobId: syncJobId.chunk(chunkId) })));
    await this.store.log(runId, 'info', `planned ${tables} table(s) in ${chunkIds.length} chunk(s)`);
    return { tables, chunks: chunkIds.length };
  }

  /**
   * Errors that end the job (the queue's one retry rule: terminal, or the last attempt) end the
   * run now; the others go back to BullMQ for a retry. Always throws the error as it is.
   */
  private async rethrowOrFail(runId: string, thrown: unknown, job: JobContext<JobName.PlanRun>): Promise<never> {
    // Already settled (failRun threw it): the run has failed, the job only has to fail too.
    if (thrown instanceof RunFailedError) throw thrown;
    if (!job.endsJob(thrown)) {
      const message = `planning will retry (attempt ${job.attemptsMade + 1} of ${job.attempts}): ${asError(thrown).message}`;
      await this.store.logRetry(runId, 'planning will retry', message, undefined, thrown).catch(() => false);
      throw thrown;
    }
    return this.failRun(runId, asError(thrown).message, thrown);
  }

  /**
   * Fails the run (if it is still queued or running) and throws: the error that ended it when
   * there is one, as it is (terminal, or the job's last attempt: no retry follows), else a
   * RunFailedError with the reason. The alert and the log line are best effort: they never
   * replace the error thrown.
   */
  private async failRun(runId: string, message: string, cause?: unknown): Promise<never> {
    const ended = await this.store.endRun(runId, 'failed', message);
    if (ended) {
      await this.store.logEnd(runId, 'error', message, undefined, cause).catch(() => undefined);
      await this.alerts.runEnded(runId).catch(() => undefined);
    }
    if (cause !== undefined) throw cause;
    throw new RunFailedError(message);
  }
}

/** The run was failed with this reason (the job was deleted, no table could be planned, …): terminal. */
export class RunFailedError extends Error {
  readonly transient = false;
  constructor(message: string) {
    super(message);
    this.name = 'RunFailedError';
  }
}
