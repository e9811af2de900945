import type { DataSource, EntityManager } from 'typeorm';
import { RepairEntity, type RepairRuleRecord, RepairSegmentEntity, RepairTargetEntity } from '../entities/repair.entity';

export interface NewRepair {
  dryRun: boolean;
  diffId: string | null;
  diffTableId: string | null;
  rule: RepairRuleRecord;
  sourceId: string | null;
  targetIds: string[];
  deleteExtra: boolean;
  table: string | null;
  keys: unknown[][] | null;
  keyColumns: string[] | null;
  createdBy: string | null;
}

/** A target's share of a plan: its counts and its segments (each one kind of action). */
export interface PlannedRepairTarget {
  connectionId: string;
  upserts: number;
  deletes: number;
  unresolved: number;
  segments: { kind: 'upsert' | 'delete'; actions: unknown[] }[];
}

/**
 * The one owner of repair state in the control store (repair, repair_target, repair_segment).
 * Every move is one conditional UPDATE (or one transaction), so a plan stored twice, a segment
 * applied by two attempts or an apply asked for twice settles once.
 */
export class RepairRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  transaction<T>(work: (tx: RepairRepository) => Promise<T>): Promise<T> {
    const bound = (tx: EntityManager) => work(new RepairRepository(tx));
    return 'createQueryRunner' in this.db ? (this.db as DataSource).transaction(bound) : (this.db as EntityManager).transaction(bound);
  }

  repair(id: string): Promise<RepairEntity | null> {
    return this.db.getRepository(RepairEntity).findOneBy({ id });
  }

  targets(repairId: string): Promise<RepairTargetEntity[]> {
    return this.db.getRepository(RepairTargetEntity).find({ where: { repairId }, order: { connectionId: 'ASC' } });
  }

  /** A target's segments in apply order. */
  segments(repairId: string, connectionId?: string): Promise<RepairSegmentEntity[]> {
    return this.db.getRepository(RepairSegmentEntity).find({ where: { repairId, ...(connectionId && { connectionId }) }, order: { connectionId: 'ASC', ordinal: 'ASC' } });
  }

  async list(limit: number, offset: number): Promise<{ items: RepairEntity[]; total: number }> {
    const [items, total] = await this.db.getRepository(RepairEntity).findAndCount({ order: { createdAt: 'DESC', id: 'DESC' }, take: limit, skip: offset });
    return { items, total };
  }

  /** Repairs still running whose last move is older than `graceSeconds`: the reconciler re-enqueues them. */
  async stale(graceSeconds: number): Promise<{ id: string; phase: 'plan' | 'apply' }[]> {
    return this.db.query(
      `SELECT id, phase FROM repair WHERE status = 'running' AND coalesce(started_at, planned_at, created_at) < now() - make_interval(secs => $1) ORDER BY created_at`,
      [graceSeconds],
    );
  }

  async create(repair: NewRepair): Promise<string> {
    const [row] = await this.db.query(
      `INSERT INTO repair (dry_run, diff_id, diff_table_id, rule, source_id, target_ids, delete_extra, "table", keys, key_columns, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [
        repair.dryRun,
        repair.diffId,
        repair.diffTableId,
        JSON.stringify(repair.rule),
        repair.sourceId,
        repair.targetIds,
        repair.deleteExtra,
        repair.table,
        repair.keys === null ? null : JSON.stringify(repair.keys),
        repair.keyColumns,
        repair.createdBy,
      ],
    );
    return row.id as string;
  }

  /**
   * Stores the plan (snapshot, targets, segments) in one transaction, if the repair is still
   * planning: a dry run becomes 'planned', any other moves on to its apply phase. False when an
   * earlier attempt stored it first.
   */
  savePlan(repairId: string, snapshot: unknown, keysPlanned: number, targets: PlannedRepairTarget[]): Promise<boolean> {
    return this.transaction(async (tx) => {
      const [rows] = await tx.db.query(
        `UPDATE repair SET snapshot = $2, keys_planned = $3, planned_at = now(),
                status = CASE WHEN dry_run THEN 'planned' ELSE 'running' END,
                phase = CASE WHEN dry_run THEN 'plan' ELSE 'apply' END,
                started_at = CASE WHEN dry_run THEN started_at ELSE now() END
          WHERE id = $1 AND status = 'running' AND phase = 'plan' AND snapshot IS NULL RETURNING id`,
        [repairId, JSON.stringify(snapshot), keysPlanned],
      );
      if (!rows.length) return false;
      for (const t of targets) {
        await tx.db.query(`INSERT INTO repair_target (repair_id, connection_id, upserts, deletes, unresolved) VALUES ($1, $2, $3, $4, $5)`, [
          repairId,
          t.connectionId,
          t.upserts,
          t.deletes,
          t.unresolved,
        ]);
        for (const [ordinal, s] of t.segments.entries()) {
          await tx.db.query(`INSERT INTO repair_segment (repair_id, connection_id, ordinal, kind, actions) VALUES ($1, $2, $3, $4, $5)`, [
            repairId,
            t.connectionId,
            ordinal,
            s.kind,
            JSON.stringify(s.actions),
          ]);
        }
      }
      return true;
    });
  }

  /**
   * planned | succeeded | failed (with a plan) → running/apply, every segment back to pending
   * and the applied counts to 0, in one transaction. False when it is running or has no plan.
   */
  startApply(repairId: string): Promise<boolean> {
    return this.transaction(async (tx) => {
      const [rows] = await tx.db.query(
        `UPDATE repair SET status = 'running', phase = 'apply', started_at = now(), finished_at = NULL, error = NULL,
                verify_diff_id = NULL, verify_clean = NULL
          WHERE id = $1 AND status IN ('planned', 'succeeded', 'failed') AND snapshot IS NOT NULL RETURNING id`,
        [repairId],
      );
      if (!rows.length) return false;
      await tx.db.query(`UPDATE repair_segment SET status = 'pending', staged = NULL, applied = 0, finished_at = NULL WHERE repair_id = $1`, [repairId]);
      await tx.db.query(`UPDATE repair_target SET upserted = 0, deleted = 0, errors = 0 WHERE repair_id = $1`, [repairId]);
      return true;
    });
  }

  /** pending → staged with the actions still needed: what the target write will be, kept before it is made. */
  async stageSegment(segmentId: string, staged: unknown[]): Promise<boolean> {
    const [rows] = await this.db.query(`UPDATE repair_segment SET status = 'staged', staged = $2 WHERE id = $1 AND status = 'pending' RETURNING id`, [
      segmentId,
      JSON.stringify(staged),
    ]);
    return rows.length > 0;
  }

  /** staged → done with the rows it changed, added to its target's counts, in one transaction. */
  completeSegment(segmentId: string, applied: number): Promise<boolean> {
    return this.transaction(async (tx) => {
      const [rows] = await tx.db.query(
        `UPDATE repair_segment SET status = 'done', applied = $2, finished_at = now() WHERE id = $1 AND status = 'staged' RETURNING repair_id, connection_id, kind`,
        [segmentId, applied],
      );
      if (!rows.length) return false;
      const { repair_id: repairId, connection_id: connectionId, kind } = rows[0] as { repair_id: string; connection_id: string; kind: string };
      const column = kind === 'upsert' ? 'upserted' : 'deleted';
      await tx.db.query(`UPDATE repair_target SET ${column} = ${column} + $3 WHERE repair_id = $1 AND connection_id = $2`, [repairId, connectionId, applied]);
      return true;
    });
  }

  async countError(repairId: string, connectionId: string): Promise<void> {
    await this.db.query(`UPDATE repair_target SET errors = errors + 1 WHERE repair_id = $1 AND connection_id = $2`, [repairId, connectionId]);
  }

  /** running → succeeded with the re-verify's diff and verdict. */
  async succeed(repairId: string, verifyDiffId: string | null, clean: boolean): Promise<boolean> {
    const [rows] = await this.db.query(
      `UPDATE repair SET status = 'succeeded', applies = applies + 1, finished_at = now(), verify_diff_id = $2, verify_clean = $3
        WHERE id = $1 AND status = 'running' AND phase = 'apply' RETURNING id`,
      [repairId, verifyDiffId, clean],
    );
    return rows.length > 0;
  }

  /** running → failed with its reason; false when it had already ended. */
  async fail(repairId: string, error: string): Promise<boolean> {
    const [rows] = await this.db.query(`UPDATE repair SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status = 'running' RETURNING id`, [
      repairId,
      error.slice(0, 4000),
    ]);
    return rows.length > 0;
  }

  /** One audit_log row for a repair's outcome, in the worker (who asked, what, counts). */
  async audit(entry: { actorId: string | null; action: string; repairId: string; outcome: 'ok' | 'failed'; details: Record<string, unknown> }): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_log (actor_id, actor_name, action, target_type, target_id, outcome, details)
       VALUES ($1, (SELECT username FROM app_user WHERE id = $1), $2, 'repair', $3, $4, $5)`,
      [entry.actorId, entry.action, entry.repairId, entry.outcome, JSON.stringify(entry.details)],
    );
  }
}
