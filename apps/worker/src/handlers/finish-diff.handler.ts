import { Injectable } from '@nestjs/common';
import { DiffRepository } from '@dbferry/control-plane';
import { JobContext, JobHandler, JobHandlerOf } from '@dbferry/queue';
import { JobName } from '@dbferry/queue-contracts';
import { DiffSamples } from '../diffs/diff-samples';
import { WorkerMetrics } from '../ops/worker-metrics';

/**
 * Runs once no segment of the diff is open (enqueued by the last one to settle, or by the
 * reconciler): settles each table from its stored segments and rows, never from the queue's
 * state (counts per connection and kind, the columns that differ, a few samples), then the diff.
 * Idempotent: two finish-diffs settle it once.
 */
@Injectable()
@JobHandler(JobName.FinishDiff)
export class FinishDiffHandler implements JobHandlerOf<JobName.FinishDiff> {
  constructor(
    private readonly diffs: DiffRepository,
    private readonly samples: DiffSamples,
    private readonly metrics: WorkerMetrics,
  ) {}

  async handle(job: JobContext<JobName.FinishDiff>): Promise<{ status: string }> {
    const { diffId } = job.data;
    const diff = await this.diffs.diff(diffId);
    if (!diff || diff.status !== 'running') return { status: `diff is ${diff?.status ?? 'gone'}` };
    if ((await this.diffs.openSegmentCount(diffId)) > 0) return { status: 'segments still open' };
    const tables = await this.diffs.tables(diffId);
    // Read before settling (outside the transaction: they query the databases), so a settled diff has its samples.
    const samples = new Map<string, Awaited<ReturnType<DiffSamples['of']>>>();
    for (const table of tables) if (table.status === 'pending' || table.status === 'running') samples.set(table.id, await this.samples.of(table, job.signal));

    const outcome = await this.diffs.transaction(async (tx) => {
      const locked = await tx.lock(diffId);
      if (locked !== 'running') return null;
      if ((await tx.openSegmentCount(diffId)) > 0) return null;
      let failed = 0;
      let differences = 0;
      for (const table of tables) {
        if (table.status === 'failed') {
          failed++;
          continue;
        }
        if (table.status !== 'pending' && table.status !== 'running') continue;
        const failure = await tx.segmentFailure(table.id);
        const totals = await tx.totals(table.id);
        await tx.saveSamples(table.id, samples.get(table.id) ?? []);
        await tx.endTable(table.id, failure ? 'failed' : 'succeeded', failure, totals);
        if (failure) failed++;
        for (const kind of ['missing', 'extra', 'different'] as const) differences += Object.values(totals[kind]).reduce((a, b) => a + b, 0);
      }
      const status = failed ? 'failed' : 'succeeded';
      await tx.end(diffId, status, failed ? `${failed} table(s) failed` : null);
      return { status, differences };
    });
    if (!outcome) return { status: 'already settled' };
    const seconds = diff.startedAt ? (Date.now() - diff.startedAt.getTime()) / 1000 : 0;
    this.metrics.diffSeconds.observe({ status: outcome.status }, seconds);
    return { status: outcome.status };
  }
}
