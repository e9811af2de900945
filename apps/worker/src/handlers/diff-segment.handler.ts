import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '@dbferry/config';
import { DiffRepository, type StoredDiffRow } from '@dbferry/control-plane';
import { diffSegment, type DiffSegment, type DiffSnapshot, type SegmentOutcome } from '@dbferry/engine';
import { asError, ConnectionSlots, JobContext, JobHandler, JobHandlerOf, JobProducer } from '@dbferry/queue';
import { arbitrationJobId, JobName } from '@dbferry/queue-contracts';
import { DiffSessionPool } from '../diffs/diff-sessions';
import { WorkerMetrics } from '../ops/worker-metrics';

/** A segment that found its databases busy waits about this long (plus jitter) before trying again. */
const SLOT_RETRY_MS = 1000;
/** Tables whose frozen snapshot a worker keeps between its segments. */
const SNAPSHOTS_KEPT = 32;

/** The rows a 'done' outcome found, as stored (one per connection and key). */
export function differingRows(outcome: Extract<SegmentOutcome, { kind: 'done' }>): StoredDiffRow[] {
  const rows: StoredDiffRow[] = [];
  for (const c of outcome.compared) {
    for (const key of c.missing) rows.push({ connectionId: c.connectionId, kind: 'missing', key });
    for (const key of c.extra) rows.push({ connectionId: c.connectionId, kind: 'extra', key });
    for (const d of c.different) rows.push({ connectionId: c.connectionId, kind: 'different', key: d.key, columns: d.columns });
  }
  return rows;
}

/**
 * One key range of one table: takes the segment, has the engine checksum (and compare or
 * split) it from the table's frozen DiffSnapshot, then stores the outcome in one transaction:
 * its differing rows and 'done', or its children and 'split' (then enqueued under stable
 * ids). The last segment of the diff to settle enqueues finish-diff.
 */
@Injectable()
@JobHandler(JobName.DiffSegment)
export class DiffSegmentHandler implements JobHandlerOf<JobName.DiffSegment> {
  /** Snapshots by diff table id: frozen at plan time, so one read per table and worker instead of one per segment. */
  private readonly snapshots = new Map<string, DiffSnapshot>();

  constructor(
    private readonly diffs: DiffRepository,
    private readonly sessions: DiffSessionPool,
    private readonly producer: JobProducer,
    private readonly metrics: WorkerMetrics,
    private readonly slots: ConnectionSlots,
    @Inject(workerConfig.KEY) private readonly config: ConfigType<typeof workerConfig>,
  ) {}

  async handle(job: JobContext<JobName.DiffSegment>): Promise<object> {
    const { diffId, segmentId } = job.data;
    // The diff's state, the segment and the connections' limits in one query: a diff runs hundreds of these jobs.
    const stored = await this.diffs.segmentToRun(diffId, segmentId);
    if (!stored) return { skipped: 'segment is gone' };
    if (stored.diffStatus !== 'running') return { skipped: `diff is ${stored.diffStatus}` };
    if (stored.status === 'split') {
      // Split by an attempt that died before enqueueing its children: they are enqueued now (same ids).
      await this.enqueueChildren(diffId, await this.diffs.openChildren(segmentId));
      return { skipped: 'segment already split' };
    }
    if (stored.status !== 'pending' && stored.status !== 'running') {
      await this.finishIfSettled(diffId);
      return { skipped: `segment is ${stored.status}` };
    }
    const snapshot = await this.snapshotOf(stored.diffTableId);
    if (!snapshot) return { skipped: 'table has no snapshot' };
    const segment = stored.segment as DiffSegment;
    const connections = [snapshot.reference.connectionId, ...segment.others];
    const limits = stored.limits;
    const slots = await this.slots.acquire([...new Set(connections)].map((id) => ({ connectionId: id, limit: limits.get(id) ?? this.config.connectionMaxParallelChunks })));
    if (!slots) return job.postpone(SLOT_RETRY_MS + Math.floor(Math.random() * SLOT_RETRY_MS));
    try {
      return await this.run(job, snapshot, segment);
    } finally {
      await slots.release();
    }
  }

  private async run(job: JobContext<JobName.DiffSegment>, snapshot: DiffSnapshot, segment: DiffSegment): Promise<object> {
    const { diffId, segmentId } = job.data;
    if (!(await this.diffs.takeSegment(segmentId))) return { skipped: 'segment already settled' };
    try {
      const started = Date.now();
      const sides = await this.sessions.acquire(snapshot.reference.connectionId, segment.others);
      let outcome: SegmentOutcome;
      let broken = true;
      try {
        outcome = await diffSegment(snapshot, segment, { reference: sides.reference, others: sides.others, signal: job.signal });
        broken = false;
      } finally {
        await sides.release(broken);
      }
      const labels = { reference_dialect: snapshot.reference.dialect };
      this.metrics.diffSegmentSeconds.observe({ ...labels, outcome: outcome.kind }, (Date.now() - started) / 1000);
      if (outcome.kind === 'split') {
        const children = outcome.segments.map((s) => ({ segment: s, depth: s.depth }));
        const { childIds } = await this.diffs.splitSegment(segmentId, outcome.rowsCompared, children);
        this.metrics.diffRowsCompared.inc(labels, outcome.rowsCompared);
        await this.enqueueChildren(diffId, childIds);
        return { split: childIds.length };
      }
      const rows = differingRows(outcome);
      if (await this.diffs.completeSegment(segmentId, outcome.rowsCompared, rows)) {
        this.metrics.diffRowsCompared.inc(labels, outcome.rowsCompared);
        for (const kind of ['missing', 'extra', 'different'] as const) this.metrics.diffDifferences.inc({ kind }, rows.filter((r) => r.kind === kind).length);
      }
      await this.finishIfSettled(diffId);
      return { rowsCompared: outcome.rowsCompared, differences: rows.length };
    } catch (error) {
      // The queue's one retry rule: a terminal error (a table gone, a DiffPlanError) or the last attempt fails the segment.
      if (job.endsJob(error)) {
        await this.diffs.failSegment(segmentId, asError(error).message);
        await this.finishIfSettled(diffId);
      } else await this.diffs.releaseSegment(segmentId, asError(error).message);
      throw error;
    }
  }

  /** One Redis round trip for all of them (a first split has up to 1,024), each under its stable id. */
  private async enqueueChildren(diffId: string, ids: string[]): Promise<void> {
    await this.producer.enqueueBulk(JobName.DiffSegment, ids.map((id) => ({ data: { v: 1 as const, diffId, segmentId: id }, jobId: arbitrationJobId.segment(id) })));
  }

  private async snapshotOf(diffTableId: string): Promise<DiffSnapshot | null> {
    const kept = this.snapshots.get(diffTableId);
    if (kept) return kept;
    const snapshot = (await this.diffs.snapshot(diffTableId)) as DiffSnapshot | null;
    if (!snapshot) return null;
    if (this.snapshots.size >= SNAPSHOTS_KEPT) this.snapshots.delete(this.snapshots.keys().next().value as string);
    this.snapshots.set(diffTableId, snapshot);
    return snapshot;
  }

  /**
   * Once no segment of the diff is open, finish-diff (stable id: however many last segments see
   * it, one job). Children are stored with their parent's split, so the count is never 0 early.
   */
  private async finishIfSettled(diffId: string): Promise<void> {
    if ((await this.diffs.openSegmentCount(diffId)) === 0) {
      await this.producer.enqueue(JobName.FinishDiff, { v: 1, diffId }, { jobId: arbitrationJobId.finishDiff(diffId) });
    }
  }
}
