import { Injectable } from '@nestjs/common';
import { DiffRepository, RepairRepository, type RepairEntity, type StoredDiffRow } from '@dbferry/control-plane';
import { decodeValue, type EncodedValue, pendingRepairActions, type RepairAction, type RepairSnapshot, verifyRepairKeys, writeRepairActions } from '@dbferry/engine';
import { asError, JobContext, JobHandler, JobHandlerOf } from '@dbferry/queue';
import { JobName } from '@dbferry/queue-contracts';
import { WorkerMetrics } from '../ops/worker-metrics';
import { RepairAlerts } from '../repairs/repair-alerts';
import { RepairSessionPool } from '../repairs/repair-sessions';

const qualified = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;

/**
 * Applies a stored plan as it was planned, target by target and segment by segment: the
 * segment's actions still needed are staged in the store, written in one target transaction,
 * then the segment is marked done with that count. A worker killed anywhere resumes at the
 * segment it was in, with the same staged actions (the write is idempotent), so the counts are
 * those of an uninterrupted apply. Then every repaired key is compared again across the
 * connections and the result stored as a diff (`verify`).
 */
@Injectable()
@JobHandler(JobName.ApplyRepair)
export class ApplyRepairHandler implements JobHandlerOf<JobName.ApplyRepair> {
  constructor(
    private readonly repairs: RepairRepository,
    private readonly diffs: DiffRepository,
    private readonly sessions: RepairSessionPool,
    private readonly alerts: RepairAlerts,
    private readonly metrics: WorkerMetrics,
  ) {}

  async handle(job: JobContext<JobName.ApplyRepair>): Promise<{ upserted: number; deleted: number; clean: boolean } | { skipped: string }> {
    const { repairId } = job.data;
    const repair = await this.repairs.repair(repairId);
    if (!repair) return { skipped: 'repair is gone' };
    if (repair.status !== 'running' || repair.phase !== 'apply' || !repair.snapshot) return { skipped: `repair is ${repair.status}` };
    const snapshot = repair.snapshot as RepairSnapshot;
    let target: string | undefined;
    try {
      for (target of snapshot.targets) await this.applyTarget(job, repairId, snapshot, target);
      target = undefined;
      const verify = await this.verify(repair, snapshot);
      if (await this.repairs.succeed(repairId, verify.diffId, verify.clean)) this.observe(repair, 'succeeded');
      const counts = await this.repairs.targets(repairId);
      await this.repairs.audit({
        actorId: repair.createdBy,
        action: 'repair.apply',
        repairId,
        outcome: 'ok',
        details: {
          table: repair.table,
          rule: repair.rule.kind,
          targets: Object.fromEntries(counts.map((t) => [t.connectionId, { upserts: t.upserts, deletes: t.deletes, upserted: t.upserted, deleted: t.deleted }])),
          verifyDiffId: verify.diffId,
          clean: verify.clean,
        },
      });
      return { upserted: counts.reduce((n, t) => n + t.upserted, 0), deleted: counts.reduce((n, t) => n + t.deleted, 0), clean: verify.clean };
    } catch (error) {
      if (job.endsJob(error)) await this.failed(repair, target, asError(error).message);
      throw error;
    }
  }

  private async applyTarget(job: JobContext<JobName.ApplyRepair>, repairId: string, snapshot: RepairSnapshot, target: string): Promise<void> {
    const open = (await this.repairs.segments(repairId, target)).filter((s) => s.status !== 'done');
    if (!open.length) return;
    const session = await this.sessions.acquire([target], [target]);
    let broken = true;
    try {
      const plane = session.planes[target];
      for (const segment of open) {
        job.signal.throwIfAborted();
        let staged = segment.staged as RepairAction[] | null;
        if (segment.status === 'pending' || !staged) {
          staged = await pendingRepairActions(snapshot, target, segment.actions as RepairAction[], plane, job.signal);
          await this.repairs.stageSegment(segment.id, staged);
        }
        if (staged.length) await writeRepairActions(snapshot, target, staged, plane, job.signal);
        if (await this.repairs.completeSegment(segment.id, staged.length)) this.metrics.repairRows.inc({ kind: segment.kind === 'upsert' ? 'upserted' : 'deleted' }, staged.length);
      }
      broken = false;
    } finally {
      await session.release(broken);
    }
  }

  /** Every key the plan touched, compared again on every side by the rule; stored as a finished diff. */
  private async verify(repair: RepairEntity, snapshot: RepairSnapshot): Promise<{ diffId: string; clean: boolean }> {
    const segments = await this.repairs.segments(repair.id);
    const keys = segments.flatMap((s) => (s.actions as RepairAction[]).map((a) => (a.key as EncodedValue[]).map(decodeValue)));
    const planes = await this.sessions.acquire(snapshot.sides.map((s) => s.connectionId));
    let broken = true;
    let result;
    try {
      result = await verifyRepairKeys(snapshot, keys, planes.planes);
      broken = false;
    } finally {
      await planes.release(broken);
    }
    const rows: StoredDiffRow[] = [];
    for (const [connectionId, found] of Object.entries(result.byTarget)) {
      for (const key of found.missing) rows.push({ connectionId, kind: 'missing', key });
      for (const key of found.extra) rows.push({ connectionId, kind: 'extra', key });
      for (const d of found.different) rows.push({ connectionId, kind: 'different', key: d.key, columns: d.columns });
    }
    // The reference is the rule's source (or the diff's reference): each target is compared with the rule's winner per key.
    const reference = snapshot.rule.kind === 'source' ? snapshot.rule.connectionId : snapshot.sides[0].connectionId;
    const referenceSide = snapshot.sides.find((s) => s.connectionId === reference) ?? snapshot.sides[0];
    const diffId = await this.diffs.createFinishedDiff(
      { referenceId: reference, otherIds: snapshot.targets, request: [{ reference: qualified(referenceSide.table) }], createdBy: repair.createdBy, trigger: 'repair' },
      [
        {
          referenceTable: qualified(referenceSide.table),
          otherTables: Object.fromEntries(snapshot.targets.map((t) => [t, qualified((snapshot.sides.find((s) => s.connectionId === t) ?? referenceSide).table)])),
          rowsCompared: result.keys,
          rows,
        },
      ],
    );
    return { diffId, clean: rows.length === 0 };
  }

  private observe(repair: RepairEntity, status: 'succeeded' | 'failed'): void {
    if (repair.startedAt) this.metrics.repairSeconds.observe({ status }, (Date.now() - repair.startedAt.getTime()) / 1000);
  }

  private async failed(repair: RepairEntity, target: string | undefined, message: string): Promise<void> {
    const error = target ? `applying to connection ${target} failed: ${message}` : `re-verify failed: ${message}`;
    if (target) await this.repairs.countError(repair.id, target).catch(() => undefined);
    if (!(await this.repairs.fail(repair.id, error))) return;
    this.observe(repair, 'failed');
    const counts = await this.repairs.targets(repair.id).catch(() => []);
    await this.repairs
      .audit({
        actorId: repair.createdBy,
        action: 'repair.apply',
        repairId: repair.id,
        outcome: 'failed',
        details: { table: repair.table, error, targets: Object.fromEntries(counts.map((t) => [t.connectionId, { upserted: t.upserted, deleted: t.deleted, errors: t.errors }])) },
      })
      .catch(() => undefined);
    await this.alerts.repairFailed({ ...repair, status: 'failed', error });
  }
}
