import { Injectable } from '@nestjs/common';
import { readSnapshot, watermarkOrder } from '@dbferry/engine';
import { JobContext, JobHandler, JobHandlerOf } from '@dbferry/queue';
import { JobName } from '@dbferry/queue-contracts';
import { RunAlerts } from '../runs/run-alerts';
import { RunStore } from '../runs/run-store';

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
  ) {}

  async handle(job: JobContext<JobName.FinishRun>): Promise<{ status: string }> {
    const { runId } = job.data;
    const run = await this.store.run(runId);
    if (!run || !['running', 'queued'].includes(run.status)) return { status: run?.status ?? 'gone' };
    const tables = await this.store.tables(runId);
    const chunks = await this.store.chunks(tables.map((t) => t.id));
    // Rows the target refused fail the run only beyond the job's maxRejects (0: any does), as the
    // run's snapshot froze it at plan time (every planned table carries the same value).
    const frozen = tables.find((t) => t.snapshot);
    const maxRejects = frozen ? readSnapshot(frozen.snapshot).maxRejects : 0;
    const tooManyRejects = Number(run.rejects) > maxRejects;

    const marks: { table: string; text: string }[] = [];
    const outcome = await this.store.transaction(async (runs) => {
      // Two finish-runs of one run (the flow's and a reconciler's) settle it once: the second waits here, then finds it ended.
      const locked = await runs.lockRun(runId);
      if (locked !== 'running' && locked !== 'queued') return null;
      let failed = 0;
      let unfinished = 0;
      for (const table of tables) {
        const own = chunks.filter((c) => c.runTableId === table.id);
        // A table plan-run could not plan was stored failed, with its reason and no chunks.
        if (table.status === 'failed' && !own.length) {
          failed++;
          continue;
        }
        const bad = own.find((c) => c.status === 'failed');
        const open = own.filter((c) => c.status !== 'done' && c.status !== 'failed').length;
        const rejected = tooManyRejects && Number(table.rejects) > 0;
        const status = run.cancelRequested && (open || bad) ? 'cancelled' : bad || open || rejected ? 'failed' : 'succeeded';
        if (status === 'failed') failed++;
        unfinished += open;
        // pending | running → its end (RunRepository refuses any other move).
        await runs.endTable(
          table.id,
          status,
          bad?.error ?? (open && !run.cancelRequested ? `${open} chunk(s) never finished` : null) ?? (rejected ? `${table.rejects} row(s) rejected by the target` : null),
        );
        // Only a table that finished whole advances its watermark, with the run's settlement.
        if (status === 'succeeded' && table.incrementalColumn) {
          // Ordered by the neutral types the run's snapshot froze, never guessed from a value's shape.
          const order = table.snapshot ? watermarkOrder(readSnapshot(table.snapshot)) : undefined;
          const mark = order ? await this.store.commitWatermark(runs, run.jobId, table, own, order) : null;
          if (mark) marks.push({ table: table.sourceTable, text: `watermark ${table.incrementalColumn} = ${String(mark.value)}` });
        }
      }
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
    await this.store.logEnd(runId, outcome.status === 'succeeded' ? 'info' : 'error', `run ${outcome.status}`);
    await this.alerts.runEnded(runId);
    return { status: outcome.status };
  }
}
