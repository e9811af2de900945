import { ConflictException, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { In } from 'typeorm';
import {
  ConnectionEntity,
  DiffEntity,
  DiffRepository,
  DiffRowEntity,
  DiffTableEntity,
  type DiffTableSpec,
  InjectRepo,
  Repository,
} from '@dbferry/control-plane';
import { DbError, type DataPlane } from '@dbferry/dialects-core';
import { type DiffSnapshot, type EncodedValue, FilterError, type JsonRow, parseTableRef, REFERENCE_SIDE, rowsByKey, validateFilter } from '@dbferry/engine';
import { JobProducer } from '@dbferry/queue';
import { arbitrationJobId, JobName } from '@dbferry/queue-contracts';
import type { AuthUser } from '../../common/auth.decorators';
import { fieldError, type FieldProblem } from '../../common/validation';
import { AuditService } from '../audit/audit.service';
import { ConnectionsService } from '../connections/connections.service';
import type { CreateDiffDto, DiffListQuery, DiffRowPage, DiffRowsQuery, DiffRowView } from './diffs.dto';

const num = (value: string | number) => Number(value);

export const diffSummary = (d: DiffEntity) => ({
  id: d.id,
  status: d.status,
  trigger: d.trigger,
  referenceId: d.referenceId,
  otherIds: d.otherIds,
  createdBy: d.createdBy,
  createdAt: d.createdAt,
  startedAt: d.startedAt,
  finishedAt: d.finishedAt,
  error: d.error,
});

const tableView = (t: DiffTableEntity) => ({
  table: t.referenceTable,
  others: t.otherTables,
  status: t.status,
  rowsCompared: num(t.rowsCompared),
  missing: t.missing,
  extra: t.extra,
  different: t.different,
  columns: t.columns,
  notes: t.notes,
  samples: t.samples.map((s) => ({ key: s.key, kind: s.kind, connectionId: s.connectionId, columns: s.columns, values: s.values })),
  segmentsDone: t.segmentsDone,
  segmentsTotal: t.segmentsTotal,
  error: t.error,
});

@Injectable()
export class DiffsService {
  constructor(
    private readonly diffs: DiffRepository,
    @InjectRepo(DiffEntity) private readonly diffRows: Repository<DiffEntity>,
    @InjectRepo(ConnectionEntity) private readonly connections: Repository<ConnectionEntity>,
    private readonly connectionsService: ConnectionsService,
    private readonly producer: JobProducer,
    private readonly audit: AuditService,
  ) {}

  /**
   * Stores the diff (queued) before its plan job exists: a flushed Redis loses no diff (the
   * worker's reconciler enqueues it). Unknown connections and bad table names are 400s naming the field.
   */
  async create(dto: CreateDiffDto, actor: AuthUser): Promise<{ diffId: string }> {
    await this.check(dto);
    const request: DiffTableSpec[] = dto.tables.map((t) => ({
      reference: t.reference,
      ...(t.others && { others: t.others }),
      ...(t.keyColumns && { keyColumns: t.keyColumns }),
      ...(t.columns && { columns: t.columns }),
      ...(t.where !== undefined && { where: t.where }),
    }));
    const diffId = await this.diffs.create({
      referenceId: dto.referenceId,
      otherIds: dto.otherIds,
      request,
      options: { ...dto.options },
      createdBy: actor.id,
    });
    await this.audit.record({ actor, action: 'diff.create', targetType: 'diff', targetId: diffId, details: { referenceId: dto.referenceId, otherIds: dto.otherIds, tables: dto.tables.map((t) => t.reference) } });
    try {
      await this.producer.enqueue(JobName.PlanDiff, { v: 1, diffId }, { jobId: arbitrationJobId.planDiff(diffId) });
    } catch {
      throw new ServiceUnavailableException({
        message: `the queue (Redis) is unavailable: diff ${diffId} is stored as queued and starts once Redis is back (the worker's reconciler enqueues it)`,
        details: [{ field: 'diffId', message: diffId }],
      });
    }
    return { diffId };
  }

  async list(query: DiffListQuery) {
    const where = query.status ? { status: query.status } : {};
    const [items, total] = await this.diffRows.findAndCount({ where, order: { createdAt: 'DESC', id: 'DESC' }, take: query.limit, skip: query.offset });
    const more = await this.diffs.summaries(items.map((d) => d.id));
    return { items: items.map((d) => ({ ...diffSummary(d), tables: more.get(d.id)?.tables ?? d.request.map((t) => t.reference), differences: more.get(d.id)?.differences ?? 0 })), total };
  }

  async get(id: string) {
    const found = await this.diffs.withTables(id);
    if (!found) throw new NotFoundException(`diff ${id} not found`);
    return { ...diffSummary(found.diff), progress: await this.diffs.progress(id), tables: found.tables.map(tableView) };
  }

  /** Ends the diff now: open segments are skipped, one running finishes and stores nothing that counts. */
  async cancel(id: string, actor: AuthUser) {
    const diff = await this.diffs.diff(id);
    if (!diff) throw new NotFoundException(`diff ${id} not found`);
    if (diff.status !== 'queued' && diff.status !== 'running') throw new ConflictException(`diff ${id} is already ${diff.status}`);
    if (!(await this.diffs.cancel(id))) throw new ConflictException(`diff ${id} has just ended`);
    await this.producer.removeJob(JobName.PlanDiff, arbitrationJobId.planDiff(id)).catch(() => false);
    await this.audit.record({ actor, action: 'diff.cancel', targetType: 'diff', targetId: id });
    return this.get(id);
  }

  /**
   * A page of one table's differing keys, each with the reference's and the other
   * connection's row read now (by key, under the diff's filter); the keys are listed even
   * when a database cannot be read (valuesError says why).
   */
  async rows(id: string, query: DiffRowsQuery): Promise<DiffRowPage> {
    const found = await this.diffs.withTables(id);
    if (!found) throw new NotFoundException(`diff ${id} not found`);
    const names = found.tables.map((t) => t.referenceTable);
    let table: DiffTableEntity | undefined;
    if (query.table !== undefined) {
      table = found.tables.find((t) => t.referenceTable === query.table) ?? found.tables.find((t) => t.referenceTable.toLowerCase() === query.table?.toLowerCase());
      if (!table) throw fieldError([{ field: 'table', message: `table: the diff has no table ${query.table} (it has ${names.join(', ') || 'none'})` }]);
    } else if (found.tables.length === 1) table = found.tables[0];
    else throw fieldError([{ field: 'table', message: `table: required, the diff has ${found.tables.length} tables (${names.join(', ')})` }]);
    if (query.connectionId && !found.diff.otherIds.includes(query.connectionId)) {
      throw fieldError([{ field: 'connectionId', message: `connectionId: ${query.connectionId} is not one of the diff's other connections` }]);
    }
    const page = await this.diffs.rows(table.id, { connectionId: query.connectionId, kind: query.kind }, query.limit, query.offset);
    const items: DiffRowView[] = page.items.map((r) => ({ key: r.key, kind: r.kind, connectionId: r.connectionId, table: table.referenceTable, ...(r.kind === 'different' && { columns: r.columns }), values: {} }));
    if (!items.length || !table.snapshot) return { items, total: page.total };
    try {
      await this.fillValues(table.snapshot as DiffSnapshot, page.items, items);
      return { items, total: page.total };
    } catch (error) {
      if (!(error instanceof DbError) && !(error instanceof NotFoundException)) throw error;
      return { items, total: page.total, valuesError: error.message };
    }
  }

  private async fillValues(snapshot: DiffSnapshot, rows: DiffRowEntity[], items: DiffRowView[]): Promise<void> {
    const refId = snapshot.reference.connectionId;
    await this.connectionsService.withConnection(refId, async (refSession) => {
      for (const connectionId of [...new Set(rows.map((r) => r.connectionId))]) {
        await this.connectionsService.withConnection(connectionId, async (otherSession) => {
          for (const kind of ['missing', 'extra', 'different'] as const) {
            const at = rows.flatMap((r, i) => (r.connectionId === connectionId && r.kind === kind ? [i] : []));
            if (!at.length) continue;
            const common = { snapshot, keys: at.map((i) => rows[i].key as EncodedValue[]), keysFrom: kind === 'extra' ? connectionId : REFERENCE_SIDE };
            const onRef: (JsonRow | null)[] = await rowsByKey({ ...common, side: REFERENCE_SIDE, plane: refSession.data as DataPlane });
            const onOther: (JsonRow | null)[] = await rowsByKey({ ...common, side: connectionId, plane: otherSession.data as DataPlane });
            at.forEach((i, j) => {
              items[i].values = connectionId === refId ? { [connectionId]: onOther[j] } : { [refId]: onRef[j], [connectionId]: onOther[j] };
            });
          }
        });
      }
    });
  }

  /** Every named connection exists; table names parse; `others` name only other connections; a filter parses against the reference's columns. */
  private async check(dto: CreateDiffDto): Promise<void> {
    const problems: FieldProblem[] = [];
    const ids = [dto.referenceId, ...dto.otherIds];
    const known = new Set((await this.connections.find({ where: { id: In(ids) }, select: { id: true } })).map((c) => c.id));
    if (!known.has(dto.referenceId)) problems.push({ field: 'referenceId', message: `referenceId: connection ${dto.referenceId} not found` });
    dto.otherIds.forEach((id, i) => {
      if (!known.has(id)) problems.push({ field: `otherIds[${i}]`, message: `otherIds[${i}]: connection ${id} not found` });
      else if (dto.otherIds.indexOf(id) !== i) problems.push({ field: `otherIds[${i}]`, message: `otherIds[${i}]: connection ${id} is named twice` });
    });
    dto.tables.forEach((t, i) => {
      const ref = parseTableRef(t.reference);
      if (!ref) problems.push({ field: `tables[${i}].reference`, message: `tables[${i}].reference: must be "schema.table" or "schema.*"` });
      for (const [id, name] of Object.entries(t.others ?? {})) {
        const field = `tables[${i}].others.${id}`;
        if (!dto.otherIds.includes(id)) problems.push({ field, message: `${field}: ${id} is not one of otherIds` });
        else if (typeof name !== 'string' || !parseTableRef(name)) problems.push({ field, message: `${field}: must be "schema.table" or "schema.*"` });
      }
      if (t.where !== undefined && ref?.pattern) problems.push({ field: `tables[${i}].where`, message: `tables[${i}].where: a filter needs one table, not a pattern` });
    });
    if (problems.length) throw fieldError(problems);
    await this.checkFilters(dto, problems);
    if (problems.length) throw fieldError(problems);
  }

  /** A filter is parsed against the reference table's columns now when the reference answers; otherwise the worker checks it. */
  private async checkFilters(dto: CreateDiffDto, problems: FieldProblem[]): Promise<void> {
    const filtered = dto.tables.flatMap((t, i) => (t.where !== undefined ? [{ t, i, ref: parseTableRef(t.reference) }] : []));
    if (!filtered.length) return;
    try {
      await this.connectionsService.withConnection(dto.referenceId, async (session, stored) => {
        for (const { t, i, ref } of filtered) {
          if (!ref) continue;
          const described = await session.data?.introspector.describeTable({ schema: ref.schema, name: ref.name });
          if (!described) {
            problems.push({ field: `tables[${i}].reference`, message: `tables[${i}].reference: table ${t.reference} not found on the reference` });
            continue;
          }
          try {
            validateFilter({ dialect: stored.dialect, filter: t.where as string, columns: described.columns.map((c) => c.name) });
          } catch (error) {
            if (!(error instanceof FilterError)) throw error;
            problems.push({ field: `tables[${i}].where`, message: `tables[${i}].where: ${error.message.replace(/^filter: /, '')}` });
          }
        }
      });
    } catch (error) {
      if (!(error instanceof DbError)) throw error;
    }
  }
}
