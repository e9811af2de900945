import { ConflictException, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { In } from 'typeorm';
import { ConnectionEntity, DiffRepository, type DiffTableEntity, InjectRepo, RepairRepository, type RepairEntity, type RepairRuleRecord, Repository } from '@dbferry/control-plane';
import { type DiffSnapshot, encodeValue, type EncodedValue, parseTableRef, type RepairAction, RepairPlanError, type RepairSnapshot, repairSnapshotFrom, repairSql } from '@dbferry/engine';
import { JobProducer } from '@dbferry/queue';
import { arbitrationJobId, JobName } from '@dbferry/queue-contracts';
import type { AuthUser } from '../../common/auth.decorators';
import { fieldError, type FieldProblem } from '../../common/validation';
import { AuditService } from '../audit/audit.service';
import type { CreateRepairDto, RepairListQuery, RepairView } from './repairs.dto';

type KeyScalar = string | number | boolean;
const isScalar = (v: unknown): v is KeyScalar => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';

/** A key as given (a value, an array, or an object by keyColumns) → its values in key order, or a message. */
function keyValues(raw: unknown, keyColumns: string[] | undefined): EncodedValue[] | string {
  if (isScalar(raw)) return [encodeValue(raw)];
  if (Array.isArray(raw)) return raw.length && raw.every(isScalar) ? raw.map((v) => encodeValue(v as KeyScalar)) : 'an array key holds one string, number or boolean per key column';
  if (raw && typeof raw === 'object') {
    if (!keyColumns?.length) return 'a key given as an object needs keyColumns (its order)';
    const record = raw as Record<string, unknown>;
    const extra = Object.keys(record).filter((k) => !keyColumns.includes(k));
    if (extra.length) return `${extra[0]} is not one of keyColumns`;
    const values = keyColumns.map((c) => record[c]);
    return values.every(isScalar) ? values.map((v) => encodeValue(v as KeyScalar)) : `needs a string, number or boolean for each of ${keyColumns.join(', ')}`;
  }
  return 'a key is a value, an array of values or an object';
}

@Injectable()
export class RepairsService {
  constructor(
    private readonly repairs: RepairRepository,
    private readonly diffs: DiffRepository,
    @InjectRepo(ConnectionEntity) private readonly connections: Repository<ConnectionEntity>,
    private readonly producer: JobProducer,
    private readonly audit: AuditService,
  ) {}

  /**
   * Checks what can be checked here (connections, the diff and its table, the rule against the
   * diff's columns, the keys' shape), stores the repair and enqueues its plan. Bad input is a
   * 400 naming the field; the worker decides the rows.
   */
  async create(dto: CreateRepairDto, actor: AuthUser): Promise<{ repairId: string }> {
    const problems: FieldProblem[] = [];
    const ids = [...(dto.sourceId ? [dto.sourceId] : []), ...dto.targetIds];
    const known = new Set((await this.connections.find({ where: { id: In(ids) }, select: { id: true } })).map((c) => c.id));
    if (dto.sourceId && !known.has(dto.sourceId)) problems.push({ field: 'sourceId', message: `sourceId: connection ${dto.sourceId} not found` });
    dto.targetIds.forEach((id, i) => {
      if (!known.has(id)) problems.push({ field: `targetIds[${i}]`, message: `targetIds[${i}]: connection ${id} not found` });
      else if (dto.targetIds.indexOf(id) !== i) problems.push({ field: `targetIds[${i}]`, message: `targetIds[${i}]: connection ${id} is named twice` });
      else if (id === dto.sourceId) problems.push({ field: `targetIds[${i}]`, message: `targetIds[${i}]: the source cannot also be a target` });
    });
    if (dto.sourceId && dto.rule) problems.push({ field: 'rule', message: 'rule: give either sourceId or rule, not both' });
    if (!dto.sourceId && !dto.rule) problems.push({ field: 'sourceId', message: 'sourceId: required (or, with a diff, a rule)' });
    if (dto.rule?.kind === 'newest' && !dto.rule.column) problems.push({ field: 'rule.column', message: 'rule.column: required for the newest rule' });
    if (dto.rule?.kind === 'majority' && dto.rule.column !== undefined) problems.push({ field: 'rule.column', message: 'rule.column: only the newest rule takes a column' });
    if (problems.length) throw fieldError(problems);
    const rule: RepairRuleRecord = dto.rule ? (dto.rule.kind === 'newest' ? { kind: 'newest', column: dto.rule.column as string } : { kind: 'majority' }) : { kind: 'source', connectionId: dto.sourceId as string };

    let diffTable: DiffTableEntity | null = null;
    let keys: EncodedValue[][] | null = null;
    let table = dto.table ?? null;
    if (dto.diffId) {
      if (dto.keys) throw fieldError([{ field: 'keys', message: 'keys: a repair from a diff repairs its differing keys; give keys only without diffId' }]);
      diffTable = await this.diffTableOf(dto.diffId, dto.table);
      table = diffTable.referenceTable;
      try {
        repairSnapshotFrom(diffTable.snapshot as DiffSnapshot, rule, dto.targetIds, dto.deleteExtra ?? false);
      } catch (error) {
        if (error instanceof RepairPlanError) throw fieldError([{ field: error.field, message: `${error.field}: ${error.message}` }]);
        throw error;
      }
    } else {
      if (dto.rule) problems.push({ field: 'rule', message: 'rule: the newest and majority rules need a diff (diffId); a key list is repaired from sourceId' });
      const ref = dto.table ? parseTableRef(dto.table) : null;
      if (!dto.table) problems.push({ field: 'table', message: 'table: required without a diff ("schema.table" on the source)' });
      else if (!ref || ref.pattern) problems.push({ field: 'table', message: 'table: must be "schema.table"' });
      if (!dto.keys) problems.push({ field: 'keys', message: 'keys: required without a diff (or give diffId)' });
      keys = [];
      for (const [i, raw] of (dto.keys ?? []).entries()) {
        const values = keyValues(raw, dto.keyColumns);
        if (typeof values === 'string') {
          problems.push({ field: `keys[${i}]`, message: `keys[${i}]: ${values}` });
          break;
        }
        keys.push(values);
      }
      if (problems.length) throw fieldError(problems);
    }

    const repairId = await this.repairs.create({
      dryRun: dto.dryRun ?? false,
      diffId: dto.diffId ?? null,
      diffTableId: diffTable?.id ?? null,
      rule,
      sourceId: dto.sourceId ?? null,
      targetIds: dto.targetIds,
      deleteExtra: dto.deleteExtra ?? false,
      table,
      keys,
      keyColumns: dto.diffId ? null : (dto.keyColumns ?? null),
      createdBy: actor.id,
    });
    await this.audit.record({
      actor,
      action: 'repair.create',
      targetType: 'repair',
      targetId: repairId,
      details: { diffId: dto.diffId ?? null, table, rule: rule.kind, sourceId: dto.sourceId ?? null, targetIds: dto.targetIds, deleteExtra: dto.deleteExtra ?? false, dryRun: dto.dryRun ?? false, keys: keys?.length ?? null },
    });
    await this.enqueue(JobName.PlanRepair, repairId, arbitrationJobId.planRepair(repairId));
    return { repairId };
  }

  async list(query: RepairListQuery) {
    const page = await this.repairs.list(query.limit, query.offset);
    return { items: await Promise.all(page.items.map((r) => this.view(r))), total: page.total };
  }

  async get(id: string): Promise<RepairView> {
    return this.view(await this.found(id));
  }

  /** Runs the stored plan again, as planned (a dry run's first apply, or a re-apply that finds nothing left to do). */
  async apply(id: string, actor: AuthUser): Promise<{ repairId: string }> {
    const repair = await this.found(id);
    if (repair.status === 'running') throw new ConflictException(`repair ${id} is ${repair.phase === 'plan' ? 'being planned' : 'being applied'}`);
    if (!repair.snapshot) throw new ConflictException(`repair ${id} has no plan (its planning failed: ${repair.error ?? 'unknown'})`);
    if (!(await this.repairs.startApply(id))) throw new ConflictException(`repair ${id} has just started`);
    await this.audit.record({ actor, action: 'repair.apply', targetType: 'repair', targetId: id, details: { table: repair.table, targetIds: repair.targetIds } });
    // A finished apply's job is kept a while under the same stable id: it goes, so this apply is enqueued.
    await this.producer.removeJob(JobName.ApplyRepair, arbitrationJobId.applyRepair(id)).catch(() => false);
    await this.enqueue(JobName.ApplyRepair, id, arbitrationJobId.applyRepair(id));
    return { repairId: id };
  }

  /** The plan for one target as SQL in its own dialect. */
  async sql(id: string, connectionId: string | undefined): Promise<string> {
    const repair = await this.found(id);
    if (!connectionId) throw fieldError([{ field: 'connectionId', message: 'connectionId: required, one of the repair\'s targetIds' }]);
    if (!repair.targetIds.includes(connectionId)) throw fieldError([{ field: 'connectionId', message: `connectionId: ${connectionId} is not a target of this repair (${repair.targetIds.join(', ')})` }]);
    if (!repair.snapshot) throw new ConflictException(repair.status === 'running' ? `repair ${id} is still being planned` : `repair ${id} has no plan: ${repair.error ?? 'unknown'}`);
    const segments = await this.repairs.segments(id, connectionId);
    const actions = segments.flatMap((s) => s.actions as RepairAction[]);
    return repairSql(repair.snapshot as RepairSnapshot, connectionId, actions);
  }

  private async found(id: string): Promise<RepairEntity> {
    const repair = await this.repairs.repair(id);
    if (!repair) throw new NotFoundException(`repair ${id} not found`);
    return repair;
  }

  private async diffTableOf(diffId: string, table: string | undefined): Promise<DiffTableEntity> {
    const found = await this.diffs.withTables(diffId);
    if (!found) throw fieldError([{ field: 'diffId', message: `diffId: diff ${diffId} not found` }]);
    if (found.diff.status !== 'succeeded') throw fieldError([{ field: 'diffId', message: `diffId: diff ${diffId} is ${found.diff.status}; a repair needs a finished diff` }]);
    const names = found.tables.map((t) => t.referenceTable);
    let chosen: DiffTableEntity | undefined;
    if (table !== undefined) {
      chosen = found.tables.find((t) => t.referenceTable === table) ?? found.tables.find((t) => t.referenceTable.toLowerCase() === table.toLowerCase());
      if (!chosen) throw fieldError([{ field: 'table', message: `table: the diff has no table ${table} (it has ${names.join(', ') || 'none'})` }]);
    } else if (found.tables.length === 1) chosen = found.tables[0];
    else throw fieldError([{ field: 'table', message: `table: required, the diff has ${found.tables.length} tables (${names.join(', ')})` }]);
    if (!chosen.snapshot || chosen.status !== 'succeeded') throw fieldError([{ field: 'table', message: `table: ${chosen.referenceTable} was not diffed (${chosen.error ?? chosen.status})` }]);
    return chosen;
  }

  private async enqueue(name: JobName.PlanRepair | JobName.ApplyRepair, repairId: string, jobId: string): Promise<void> {
    try {
      await this.producer.enqueue(name, { v: 1, repairId }, { jobId });
    } catch {
      throw new ServiceUnavailableException({ message: `the queue (Redis) is unavailable: repair ${repairId} is stored and starts once Redis is back`, details: [{ field: 'repairId', message: repairId }] });
    }
  }

  private async view(r: RepairEntity): Promise<RepairView> {
    const targets = await this.repairs.targets(r.id);
    return {
      id: r.id,
      status: r.status,
      dryRun: r.dryRun,
      diffId: r.diffId,
      table: r.table,
      rule: r.rule,
      sourceId: r.sourceId,
      targetIds: r.targetIds,
      deleteExtra: r.deleteExtra,
      keys: r.keysPlanned,
      applies: r.applies,
      targets: Object.fromEntries(targets.map((t) => [t.connectionId, { upserts: t.upserts, deletes: t.deletes, errors: t.errors, unresolved: t.unresolved, upserted: t.upserted, deleted: t.deleted }])),
      verify: { diffId: r.verifyDiffId, clean: r.verifyClean },
      createdBy: r.createdBy,
      createdAt: r.createdAt,
      plannedAt: r.plannedAt,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      error: r.error,
    };
  }
}
