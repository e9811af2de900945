import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '@dbferry/config';
import { type CompletedSegment, DiffRepository, groupLeaders, type SegmentGroupMember, type StoredDiffRow } from '@dbferry/control-plane';
import { diffSegment, type DiffSegment, type DiffSnapshot, type SegmentOutcome } from '@dbferry/engine';
import { asError, ConnectionSlots, JobContext, JobHandler, JobHandlerOf, JobProducer } from '@dbferry/queue';
import { arbitrationJobId, JobName } from '@dbferry/queue-contracts';
import { DiffSessionPool } from '../diffs/diff-sessions';
import { WorkerMetrics } from '../ops/worker-metrics';

/** A segment that found its databases busy waits about this long (plus jitter) before trying again. */
const SLOT_RETRY_MS = 1000;
/** Tables whose frozen snapshot a worker keeps between its segments. */
const SNAPSHOTS_KEPT = 32;
/** Done segments of a group are stored together, or sooner once held this long (slow segments still show progress). */
const SETTLE_EVERY_MS = 1000;

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
 * A group of sibling key ranges of one table (SEGMENTS_PER_JOB, one job: see DiffRepository):
 * takes the group's open segments, and for each one in turn has the engine checksum (and compare
 * or split) it from the table's frozen DiffSnapshot, on one set of slots and pooled sessions. Done
 * segments are stored together (their rows and 'done' in one statement, each only if still open);
 * a split one stores its children and 'split' at once, then enqueues their groups under stable
 * ids. The last job of the diff to settle enqueues finish-diff.
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
    // The diff's state, the job's segments and the connections' limits in one query.
    const stored = await this.diffs.segmentGroupToRun(diffId, segmentId);
    if (!stored) return { skipped: 'segment is gone' };
    if (stored.diffStatus !== 'running') return { skipped: `diff is ${stored.diffStatus}` };
    const split = stored.members.filter((m) => m.status === 'split').map((m) => m.id);
    // Split by an attempt that died before enqueueing the children: they are enqueued now (same ids).
    if (split.length) await this.enqueueGroups(diffId, await this.diffs.openChildGroups(split));
    const open = stored.members.filter((m) => m.status === 'pending' || m.status === 'running');
    if (!open.length) {
      await this.finishIfSettled(diffId);
      return { skipped: 'segments already settled' };
    }
    const snapshot = await this.snapshotOf(stored.diffTableId);
    if (!snapshot) return { skipped: 'table has no snapshot' };
    const others = new Set(open.flatMap((m) => (m.segment as DiffSegment).others));
    const connections = [snapshot.reference.connectionId, ...others];
    const limits = stored.limits;
    const slots = await this.slots.acquire([...new Set(connections)].map((id) => ({ connectionId: id, limit: limits.get(id) ?? this.config.connectionMaxParallelChunks })));
    if (!slots) return job.postpone(SLOT_RETRY_MS + Math.floor(Math.random() * SLOT_RETRY_MS));
    try {
      return await this.run(job, snapshot, open, [...others]);
    } finally {
      await slots.release();
    }
  }

  private async run(job: JobContext<JobName.DiffSegment>, snapshot: DiffSnapshot, open: SegmentGroupMember[], others: string[]): Promise<object> {
    const { diffId } = job.data;
    const taken = await this.diffs.takeSegments(open.map((m) => m.id));
    const todo = open.filter((m) => taken.has(m.id));
    if (!todo.length) return { skipped: 'segments already settled' };
    const labels = { reference_dialect: snapshot.reference.dialect };
    const done: CompletedSegment[] = [];
    let lastSettle = Date.now();
    let rowsCompared = 0;
    let differences = 0;
    let splits = 0;
    const settleDone = async () => {
      lastSettle = Date.now();
      if (!done.length) return;
      const batch = [...done];
      const settled = await this.diffs.completeSegments(batch);
      done.splice(0, batch.length);
      for (const d of batch) {
        if (!settled.has(d.segmentId)) continue;
        this.metrics.diffRowsCompared.inc(labels, d.rowsCompared);
        for (const kind of ['missing', 'extra', 'different'] as const) this.metrics.diffDifferences.inc({ kind }, d.rows.filter((r) => r.kind === kind).length);
      }
    };
    const sides = await this.sessions.acquire(snapshot.reference.connectionId, others).catch(async (error: unknown) => {
      await this.giveBack(job, todo, error);
      throw error;
    });
    let broken = true;
    let at = 0;
    try {
      for (; at < todo.length; at++) {
        const member = todo[at] as SegmentGroupMember;
        const segment = member.segment as DiffSegment;
        const started = Date.now();
        const outcome: SegmentOutcome = await diffSegment(snapshot, segment, { reference: sides.reference, others: sides.others, signal: job.signal });
        this.metrics.diffSegmentSeconds.observe({ ...labels, outcome: outcome.kind }, (Date.now() - started) / 1000);
        rowsCompared += outcome.rowsCompared;
        if (outcome.kind === 'split') {
          const children = outcome.segments.map((s) => ({ segment: s, depth: s.depth }));
          const { split, childIds } = await this.diffs.splitSegment(member.id, outcome.rowsCompared, children);
          if (split) this.metrics.diffRowsCompared.inc(labels, outcome.rowsCompared);
          // A re-split returns the open children (ordinals lost): their groups are looked up instead.
          await this.enqueueGroups(diffId, split ? groupLeaders(childIds) : await this.diffs.openChildGroups([member.id]));
          splits++;
        } else {
          const rows = differingRows(outcome);
          differences += rows.length;
          done.push({ segmentId: member.id, rowsCompared: outcome.rowsCompared, rows });
          if (Date.now() - lastSettle >= SETTLE_EVERY_MS) await settleDone();
        }
      }
      broken = false;
    } catch (error) {
      // What was done before the failure is kept; the failing segment and those after it go back (or fail).
      await settleDone().catch(() => undefined);
      await this.giveBack(job, todo.slice(at), error);
      throw error;
    } finally {
      await sides.release(broken);
    }
    await settleDone();
    await this.finishIfSettled(diffId);
    return { segments: todo.length, rowsCompared, differences, ...(splits && { split: splits }) };
  }

  /**
   * Segments a failed job leaves: the queue's one retry rule decides. A terminal error (a table
   * gone, a DiffPlanError) or the last attempt fails them (the job will not run again), otherwise
   * they go back to pending for the retry, the first with the error.
   */
  private async giveBack(job: JobContext<JobName.DiffSegment>, left: SegmentGroupMember[], error: unknown): Promise<void> {
    const message = asError(error).message;
    if (job.endsJob(error)) {
      for (const m of left) await this.diffs.failSegment(m.id, message);
      await this.finishIfSettled(job.data.diffId);
      return;
    }
    const [first, ...rest] = left;
    if (first) await this.diffs.releaseSegment(first.id, message);
    await this.diffs.releaseSegments(rest.map((m) => m.id), null);
  }

  /** One Redis round trip for all of them, each group under its first segment's stable id. */
  private async enqueueGroups(diffId: string, leaderIds: string[]): Promise<void> {
    await this.producer.enqueueBulk(JobName.DiffSegment, leaderIds.map((id) => ({ data: { v: 1 as const, diffId, segmentId: id }, jobId: arbitrationJobId.segment(id) })));
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
   * Once no segment of the diff is open, finish-diff (stable id: however many last jobs see
   * it, one job). Children are stored with their parent's split, so the count is never 0 early.
   */
  private async finishIfSettled(diffId: string): Promise<void> {
    if ((await this.diffs.openSegmentCount(diffId)) === 0) {
      await this.producer.enqueue(JobName.FinishDiff, { v: 1, diffId }, { jobId: arbitrationJobId.finishDiff(diffId) });
    }
  }
}
