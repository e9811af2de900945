import { Injectable } from '@nestjs/common';
import type { RunChunkEntity, RunEntity, RunTableEntity } from '@dbferry/control-plane';
import { isTerminal } from '@dbferry/dialects-core';
import { buildDeferredKey, readSnapshot, type TableSnapshot, watermarkOrder } from '@dbferry/engine';
import { asError, JobContext, JobHandler, JobHandlerOf } from '@dbferry/queue';
import { JobName } from '@dbferry/queue-contracts';
import { ConnectionOpener, type OpenConnection } from '../runs/connection-opener';
import { RunAlerts } from '../runs/run-alerts';
import { RunStore } from '../runs/run-store';
import { RunVerifier, type RunVerifyOutcome, tablesToVerify } from '../runs/run-verifier';

/** Keys of each kind the run log's drift line quotes. */
const LOG_SAMPLE_KEYS = 3;

/** How a table ends, from its stored chunks alone (the run's settlement and the verify decision share it). */
function tableEnd(table: RunTableEntity, own: RunChunkEntity[], run: RunEntity, tooManyRejects: boolean) {
  // A table plan-run could not plan was stored failed, with its reason and no chunks.
  if (table.status === 'failed' && !own.length) return { status: 'failed' as const, planFailed: true, open: 0, error: table.error };
  const bad = own.find((c) => c.status === 'failed');
  const open = own.filter((c) => c.status !== 'done' && c.status !== 'failed').length;
  const rejected = tooManyRejects && Number(table.rejects) > 0;
  const status = run.cancelRequested && (open || bad) ? ('cancelled' as const) : bad || open || rejected ? ('failed' as const) : ('succeeded' as const);
  const error = bad?.error ?? (open && !run.cancelRequested ? `${open} chunk(s) never finished` : null) ?? (rejected ? `${table.rejects} row(s) rejected by the target` : null);
  return { status, planFailed: false, open, error };
}

/** One drift line of the run log: the counts and a few keys of each kind (lossless JSON). */
function driftLine(drift: NonNullable<RunTableEntity['drift']>, rowsCompared: number): string {
  const keys = (kind: 'missing' | 'extra' | 'different') => {
    const of = drift.samples.filter((s) => s.kind === kind).slice(0, LOG_SAMPLE_KEYS);
    return of.length ? ` ${kind} e.g. ${of.map((s) => JSON.stringify(s.key) + (s.columns ? ` (${s.columns.join(', ')})` : '')).join(', ')}` : '';
  };
  return (
    `verify: drift of ${drift.total} row(s) against the source: ${drift.missing} missing, ${drift.extra} extra, ${drift.different} different ` +
    `(${rowsCompared} source row(s) compared);${keys('missing')}${keys('extra')}${keys('different')}`
  );
}

/**
 * Runs once every copy-chunk child has finished (or failed for good): settles each table
 * and the run from the chunks' stored state, never from the queue's.
 */
@Injectable()
@JobHandler(JobName.FinishRun)
export class FinishRunHandler implements JobHandlerOf<JobName.FinishRun> {
  constructor(
    private readonly store: RunStore,
    private readonly alerts: RunAlerts,
    private readonly verifier: RunVerifier,
    private readonly opener: ConnectionOpener,
  ) {}

  async handle(job: JobContext<JobName.FinishRun>): Promise<{ status: string }> {
    const { runId } = job.data;
    const run = await this.store.run(runId);
    // A run cancelled through the API ended at once; its tables created without their key still get it, on the rows copied.
    if (run?.status === 'cancelled') await this.buildDeferredKeys(job, await this.store.tables(runId), new Map(), true);
    if (!run || !['running', 'queued'].includes(run.status)) return { status: run?.status ?? 'gone' };
    const tables = await this.store.tables(runId);
    const chunks = await this.store.chunks(tables.map((t) => t.id));
    // Rows the target refused fail the run only beyond the job's maxRejects (0: any does), as the
    // run's snapshot froze it at plan time (every planned table carries the same value).
    const frozen = tables.find((t) => t.snapshot);
    const maxRejects = frozen ? readSnapshot(frozen.snapshot).maxRejects : 0;
    const tooManyRejects = Number(run.rejects) > maxRejects;

    const ends = new Map(tables.map((t) => [t.id, tableEnd(t, chunks.filter((c) => c.runTableId === t.id), run, tooManyRejects)]));
    // Tables created without their key build it now, before the verify reads them by key.
    await this.buildDeferredKeys(job, tables, ends);
    const copied = !run.cancelRequested && [...ends.values()].every((e) => e.status === 'succeeded');
    // Verified sync: a run whose copy succeeded ends with a diff of what it wrote, before it is
    // settled (read only: a retried finish-run diffs again). Drift never fails the copy.
    const toVerify = copied ? tablesToVerify(tables) : [];
    const verified = toVerify.length ? await this.verify(job, toVerify) : null;

    const marks: { table: string; text: string }[] = [];
    const outcome = await this.store.transaction(async (runs) => {
      // Two finish-runs of one run (the flow's and a reconciler's) settle it once: the second waits here, then finds it ended.
      const locked = await runs.lockRun(runId);
      if (locked !== 'running' && locked !== 'queued') return null;
      let failed = 0;
      let unfinished = 0;
      for (const table of tables) {
        const own = chunks.filter((c) => c.runTableId === table.id);
        const end = ends.get(table.id) as ReturnType<typeof tableEnd>;
        if (end.planFailed) {
          failed++;
          continue;
        }
        const status = end.status;
        if (status === 'failed') failed++;
        unfinished += end.open;
        // pending | running → its end (RunRepository refuses any other move).
        await runs.endTable(table.id, status, end.error);
        // Only a table that finished whole advances its watermark, with the run's settlement.
        if (status === 'succeeded' && table.incrementalColumn) {
          // Ordered by the neutral types the run's snapshot froze, never guessed from a value's shape.
          const order = table.snapshot ? watermarkOrder(readSnapshot(table.snapshot)) : undefined;
          const mark = order ? await this.store.commitWatermark(runs, run.jobId, table, own, order) : null;
          if (mark) marks.push({ table: table.sourceTable, text: `watermark ${table.incrementalColumn} = ${String(mark.value)}` });
        }
      }
      if (verified) await runs.recordVerify(runId, verified.tables.map((t) => ({ id: t.table.id, drift: t.drift, verifyError: t.verifyError })), verified.verifyError, verified.diff);
      const status = run.cancelRequested ? 'cancelled' : failed ? 'failed' : 'succeeded';
      const rejectsNote = tooManyRejects ? `; ${run.rejects} row(s) rejected by the target, more than maxRejects ${maxRejects}` : '';
      const error = failed ? `${failed} table(s) failed${rejectsNote}` : null;
      await runs.end(runId, status, error);
      return { status, unfinished };
    });
    if (!outcome) return { status: 'already settled' };
    // The run has ended: these lines close its log (store.log would refuse them now).
    for (const mark of marks) await this.store.logEnd(runId, 'info', mark.text, mark.table);
    if (Number(run.rejects) > 0) await this.store.logEnd(runId, tooManyRejects ? 'error' : 'warn', `${run.rejects} row(s) rejected by the target (maxRejects ${maxRejects})`);
    if (verified) await this.logVerify(runId, verified);
    await this.store.logEnd(runId, outcome.status === 'succeeded' ? 'info' : 'error', `run ${outcome.status}`);
    await this.alerts.runEnded(runId);
    if (verified) await this.alerts.verifyEnded(runId);
    return { status: outcome.status };
  }

  /**
   * Builds the primary key (and indexes) of each table this run created without them
   * (TableSnapshot.deferredKey). A table copied whole is then counted once and must hold exactly
   * the rows its chunks wrote; a duplicate key or another count fails it, with the reason. A
   * table the run did not copy whole (a failed or cancelled run) gets its key too, on the rows
   * copied so far, so it is never left keyless unnoticed: a failure there is logged with the
   * statements to run by hand. Read from the catalogue first, so a retried finish-run never builds
   * twice. A transient error of a whole table is retried with the finish-run (until its last attempt).
   */
  private async buildDeferredKeys(job: JobContext<JobName.FinishRun>, tables: RunTableEntity[], ends: Map<string, ReturnType<typeof tableEnd>>, ended = false): Promise<void> {
    const deferred = tables.flatMap((table) => {
      const snapshot = table.snapshot ? readSnapshot(table.snapshot) : undefined;
      return snapshot?.deferredKey ? [{ table, snapshot }] : [];
    });
    if (!deferred.length) return;
    const { runId } = job.data;
    // The log of a run that has ended takes only closing lines (logEnd).
    const log = (level: 'info' | 'warn' | 'error', message: string, table: string, error?: unknown) =>
      (ended ? this.store.logEnd(runId, level, message, table, error) : this.store.log(runId, level, message, table, error)).catch(() => undefined);
    const open = new Map<string, Promise<OpenConnection>>();
    const target = (snapshot: TableSnapshot) => {
      const id = snapshot.target.connectionId as string;
      if (!open.has(id)) open.set(id, this.opener.open(id, { write: true }));
      return open.get(id) as Promise<OpenConnection>;
    };
    try {
      for (const { table, snapshot } of deferred) {
        const end = ends.get(table.id) ?? { status: 'cancelled' as const, planFailed: false, open: 0, error: null };
        const whole = end.status === 'succeeded';
        const statements = (snapshot.deferredKey?.statements ?? []).join('; ');
        try {
          const outcome = await buildDeferredKey(snapshot, (await target(snapshot)).data, whole ? Number(table.rowsWritten) : undefined);
          const what = outcome.built ? 'built' : 'found already built';
          if (whole) await log('info', `primary key ${what} after the load; the table holds the ${outcome.rows} row(s) written`, table.sourceTable);
          else if (outcome.built) await log('warn', `the table was not copied whole (${end.status}): its primary key was built on the rows copied so far`, table.sourceTable);
        } catch (error) {
          const last = isTerminal(error) || job.endsJob(error);
          if (whole && !last) throw error;
          const message = (error as Error).message;
          if (whole) ends.set(table.id, { ...end, status: 'failed', error: message });
          // What is left there, so the operator can judge it before building the key by hand (best effort).
          const data = await target(snapshot).then((t) => t.data).catch(() => undefined);
          const held = await data?.reader.countRows?.(snapshot.target.table).catch(() => undefined);
          const holds = held === undefined ? '' : `; the table holds ${held} row(s), ${table.rowsWritten} of them written by this run,`;
          await log('error', `primary key not built: ${message}${holds} and has no key until it is built: ${statements}`, table.sourceTable, error);
        }
      }
    } finally {
      for (const opened of open.values()) await opened.then((c) => c.session.close()).catch(() => undefined);
    }
  }

  /**
   * Diffs the run's tables. A transient error goes back to the queue (the run stays running and
   * the retry diffs again) until the job's last attempt, when it is recorded as the run's
   * verifyError: an unfinished verify is said, never passed silently.
   */
  private async verify(job: JobContext<JobName.FinishRun>, tables: ReturnType<typeof tablesToVerify>): Promise<RunVerifyOutcome> {
    const { runId } = job.data;
    await this.store.log(runId, 'info', `verify: diffing ${tables.length} table(s) against the source`);
    try {
      return await this.verifier.verify(tables, job.signal);
    } catch (error) {
      const message = asError(error).message;
      if (!job.endsJob(error)) {
        await this.store.logRetry(runId, 'verify will retry', `verify will retry (attempt ${job.attemptsMade + 1} of ${job.attempts}): ${message}`, undefined, error).catch(() => false);
        throw error;
      }
      // No diff record: nothing was compared.
      const failed = tables.map(({ table }) => ({ table, drift: null, rowsCompared: 0, verifyError: message, diff: { referenceTable: table.sourceTable, otherTables: {}, rowsCompared: 0, rows: [] } }));
      return { tables: failed, verifyError: message };
    }
  }

  private async logVerify(runId: string, verified: RunVerifyOutcome): Promise<void> {
    for (const t of verified.tables) {
      if (t.verifyError) await this.store.logEnd(runId, 'error', `verify failed: ${t.verifyError}`, t.table.sourceTable);
      else if (t.drift?.total) await this.store.logEnd(runId, 'warn', driftLine(t.drift, t.rowsCompared), t.table.sourceTable);
      else await this.store.logEnd(runId, 'info', `verify: no drift, the target matches the source (${t.rowsCompared} row(s) compared)`, t.table.sourceTable);
    }
  }
}
