import { Injectable } from '@nestjs/common';
import { DiffRepository, RepairRepository, type PlannedRepairTarget, type RepairEntity } from '@dbferry/control-plane';
import { defaultSchema } from '@dbferry/dialects';
import { isTerminal, type NeutralValue } from '@dbferry/dialects-core';
import {
  decodeValue,
  type DiffSnapshot,
  type EncodedValue,
  parseTableRef,
  planDiff,
  planRepairKeys,
  type RepairAction,
  RepairPlanError,
  repairSegments,
  type RepairSnapshot,
  repairSnapshotFrom,
} from '@dbferry/engine';
import { asError, JobContext, JobHandler, JobHandlerOf, JobProducer } from '@dbferry/queue';
import { arbitrationJobId, JobName } from '@dbferry/queue-contracts';
import { RepairAlerts } from '../repairs/repair-alerts';
import { RepairSessionPool } from '../repairs/repair-sessions';

/** Keys decided per pass (each side read with key IN (…) batches): memory holds this many keys' rows. */
const PLAN_PASS = 5000;
const ROW_PAGE = 10_000;

/**
 * Decides a repair: the rule applied to every key (a diff table's differing keys, or the given
 * list) on every side, per target the upserts and deletes still needed, cut into segments of
 * one kind and stored with the snapshot in one transaction. A dry run stops there ('planned');
 * otherwise apply-repair follows. Reading only, so a retried plan just decides again.
 */
@Injectable()
@JobHandler(JobName.PlanRepair)
export class PlanRepairHandler implements JobHandlerOf<JobName.PlanRepair> {
  constructor(
    private readonly repairs: RepairRepository,
    private readonly diffs: DiffRepository,
    private readonly sessions: RepairSessionPool,
    private readonly producer: JobProducer,
    private readonly alerts: RepairAlerts,
  ) {}

  async handle(job: JobContext<JobName.PlanRepair>): Promise<{ keys: number; upserts: number; deletes: number } | { skipped: string }> {
    const { repairId } = job.data;
    const repair = await this.repairs.repair(repairId);
    if (!repair) return { skipped: 'repair is gone' };
    if (repair.status === 'running' && repair.phase === 'apply') {
      // Planned by an earlier attempt that died before enqueueing the apply.
      await this.producer.enqueue(JobName.ApplyRepair, { v: 1, repairId }, { jobId: arbitrationJobId.applyRepair(repairId) });
      return { skipped: 'already planned' };
    }
    if (repair.status !== 'running' || repair.phase !== 'plan') return { skipped: `repair is ${repair.status}` };
    try {
      const { snapshot, keys } = await this.resolve(repair);
      const planes = await this.sessions.acquire(snapshot.sides.map((s) => s.connectionId));
      let broken = true;
      const actions: Record<string, RepairAction[]> = Object.fromEntries(snapshot.targets.map((t) => [t, []]));
      const unresolved: Record<string, number> = Object.fromEntries(snapshot.targets.map((t) => [t, 0]));
      try {
        for (let i = 0; i < keys.length; i += PLAN_PASS) {
          job.signal.throwIfAborted();
          const plan = await planRepairKeys(snapshot, keys.slice(i, i + PLAN_PASS), planes.planes, job.signal);
          for (const t of snapshot.targets) {
            actions[t].push(...plan.actions[t]);
            unresolved[t] += plan.unresolved[t].length;
          }
        }
        broken = false;
      } finally {
        await planes.release(broken);
      }
      const targets: PlannedRepairTarget[] = snapshot.targets.map((t) => ({
        connectionId: t,
        upserts: actions[t].filter((a) => a.kind === 'upsert').length,
        deletes: actions[t].filter((a) => a.kind === 'delete').length,
        unresolved: unresolved[t],
        segments: repairSegments(actions[t]).map((s) => ({ kind: s[0].kind, actions: s })),
      }));
      await this.repairs.savePlan(repairId, snapshot, keys.length, targets);
      if (!repair.dryRun) await this.producer.enqueue(JobName.ApplyRepair, { v: 1, repairId }, { jobId: arbitrationJobId.applyRepair(repairId) });
      return { keys: keys.length, upserts: targets.reduce((n, t) => n + t.upserts, 0), deletes: targets.reduce((n, t) => n + t.deletes, 0) };
    } catch (error) {
      if (job.endsJob(error)) {
        const message = `planning failed: ${asError(error).message}`;
        if (await this.repairs.fail(repairId, message)) {
          await this.repairs.audit({ actorId: repair.createdBy, action: 'repair.plan', repairId, outcome: 'failed', details: { error: message } }).catch(() => undefined);
          await this.alerts.repairFailed({ ...repair, status: 'failed', error: message });
        }
      }
      throw error;
    }
  }

  /** The repair's snapshot and keys: from its diff table, or planned here for a key list on a source and targets. */
  private async resolve(repair: RepairEntity): Promise<{ snapshot: RepairSnapshot; keys: NeutralValue[][] }> {
    const rule = repair.rule;
    if (repair.diffTableId) {
      const table = await this.diffs.table(repair.diffTableId);
      if (!table?.snapshot) throw new RepairPlanError('diffId', 'the diff table to repair has no plan (it failed, or is gone)');
      const snapshot = repairSnapshotFrom(table.snapshot as DiffSnapshot, rule, repair.targetIds, repair.deleteExtra);
      const keys: NeutralValue[][] = [];
      for (let offset = 0; ; offset += ROW_PAGE) {
        const page = await this.diffs.rows(table.id, {}, ROW_PAGE, offset);
        for (const row of page.items) keys.push((row.key as EncodedValue[]).map(decodeValue));
        if (page.items.length < ROW_PAGE) break;
      }
      return { snapshot, keys };
    }
    if (rule.kind !== 'source' || !repair.table || !repair.keys) throw new RepairPlanError('keys', 'a repair without a diff needs sourceId, table and keys');
    const parsed = parseTableRef(repair.table);
    if (!parsed || parsed.pattern) throw new RepairPlanError('table', 'table must be "schema.table"');
    const ids = [rule.connectionId, ...repair.targetIds];
    const planes = await this.sessions.acquire(ids);
    let broken = true;
    try {
      const source = { schema: parsed.schema, name: parsed.name };
      const diff = await planDiff({
        reference: { connectionId: rule.connectionId, dialect: planes.dialects[rule.connectionId], data: planes.planes[rule.connectionId], table: source },
        others: repair.targetIds.map((id) => ({
          connectionId: id,
          dialect: planes.dialects[id],
          data: planes.planes[id],
          // The same schema on a database of the same kind; the connection's own default schema elsewhere.
          table: planes.dialects[id] === planes.dialects[rule.connectionId] ? source : { schema: defaultSchema(planes.stored[id]), name: parsed.name },
        })),
        ...(repair.keyColumns?.length && { keyColumns: repair.keyColumns }),
      });
      broken = false;
      const keys = (repair.keys as EncodedValue[][]).map((k) => k.map(decodeValue));
      const width = keys.find((k) => k.length !== diff.keyCount);
      if (width) throw new RepairPlanError('keys', `each key needs ${diff.keyCount} value(s), one per key column (${diff.reference.columns.slice(0, diff.keyCount).map((c) => c.name).join(', ')})`);
      return { snapshot: repairSnapshotFrom(diff, rule, repair.targetIds, repair.deleteExtra), keys };
    } catch (error) {
      if (isTerminal(error)) broken = false;
      throw error;
    } finally {
      await planes.release(broken);
    }
  }
}
