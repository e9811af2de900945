import { ConflictException, HttpException, Injectable, Logger, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { CronExpressionParser } from 'cron-parser';
import {
  ConnectionEntity,
  InjectRepo,
  JobTableSpec,
  Repository,
  RunEntity,
  RunRepository,
  SyncJobEntity,
  isUniqueViolation,
} from '@dbferry/control-plane';
import { checkTransformShape, FilterError, parseTableRef, PlanError, planTablesEach, planTransforms, resolveExpressions, TablePlan, TransformError, validateFilter } from '@dbferry/engine';
import { DbError } from '@dbferry/dialects-core';
import { defaultSchema, sameDatabase, tableNamesIgnoreCase } from '@dbferry/dialects';
import { JobProducer } from '@dbferry/queue';
import { assertQueueAnswers, asQueueUnavailable } from '../../common/queue-unavailable';
import { JobName, jobScheduleId } from '@dbferry/queue-contracts';
import type { AuthUser } from '../../common/auth.decorators';
import type { Page } from '../../common/pagination.dto';
import { FieldProblem, fieldError } from '../../common/validation';
import { AuditService } from '../audit/audit.service';
import { ConnectionsService } from '../connections/connections.service';
import { CreateJobDto, JobLastRunView, JobView, PreviewJobDto, ScheduleView, UpdateJobDto } from './job.dto';
import { runSummary } from '../runs/runs.service';

/**
 * The next `count` fire times of a cron read in `tz` (default UTC), after `from`. Throws
 * cron-parser's error on an expression it cannot read.
 */
export function nextFireTimes(schedule: string, tz: string | null | undefined, count: number, from = new Date()): Date[] {
  const cron = CronExpressionParser.parse(schedule, { tz: tz ?? 'UTC', currentDate: from });
  return cron.take(count).map((d) => new Date(d.getTime()));
}

/** When a job's scheduler next fires: null without a schedule, while disabled, or for a cron no longer readable. */
function nextRunAt(job: Pick<SyncJobEntity, 'enabled' | 'schedule' | 'scheduleTz'>, now: Date): Date | null {
  if (!job.enabled || !job.schedule) return null;
  try {
    return nextFireTimes(job.schedule, job.scheduleTz, 1, now)[0] ?? null;
  } catch {
    return null;
  }
}

type LastRun = JobLastRunView | null;

const view = (job: SyncJobEntity, lastRun: LastRun = null, now = new Date()): JobView => ({
  id: job.id,
  name: job.name,
  sourceId: job.sourceId,
  targetId: job.targetId,
  tables: job.tables,
  mode: job.mode,
  writeMode: job.writeMode,
  createTables: job.createTables,
  evolveSchema: job.evolveSchema,
  deleteMissing: job.deleteMissing,
  schedule: job.schedule,
  scheduleTz: job.scheduleTz,
  enabled: job.enabled,
  batchSize: job.batchSize,
  chunkRows: job.chunkRows,
  maxRejects: job.maxRejects,
  nul: job.nul,
  lookbackSeconds: job.lookbackSeconds,
  verify: job.verify,
  createdAt: job.createdAt,
  updatedAt: job.updatedAt,
  lastRun,
  nextRunAt: nextRunAt(job, now),
});

/** What a preview shows of a plan: the engine's plan and its lossy mappings side by side. */
const planView = ({ transform, ...plan }: TablePlan) => ({
  ...plan,
  ...(transform && { targetColumns: transform.columns, targetKeyColumns: transform.keyColumns }),
  losses: plan.mapping.filter((m) => m.lossy).map((m) => ({ column: m.column, ...(m.lossy as { kind: string; description: string }) })),
});

const duplicates = (values: string[]) => values.filter((v, i) => values.indexOf(v) !== i);

/**
 * A native type as an operator may write it in a table's `types`: words (a schema prefix
 * allowed), at most one parenthesised list of numbers or words, array brackets. No quotes,
 * semicolons, comment markers or commas outside the list, so it cannot end the column or add one.
 */
const SAFE_TYPE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?( +[A-Za-z_][A-Za-z0-9_]*)*( *\( *[A-Za-z0-9_]+( +[A-Za-z0-9_]+)*( *, *[A-Za-z0-9_]+( +[A-Za-z0-9_]+)*)* *\))?( +[A-Za-z_][A-Za-z0-9_]*)*( *\[\d*\])*$/;
/** Words that start a column clause rather than name a type. */
const CLAUSE_WORDS = new Set([
  'always', 'as', 'auto_increment', 'autoincrement', 'cascade', 'character_set', 'charset', 'check', 'collate', 'comment', 'constraint',
  'default', 'foreign', 'generated', 'identity', 'key', 'not', 'null', 'on', 'primary', 'references', 'stored', 'unique', 'virtual',
]);
export const MAX_TYPE_LENGTH = 100;

/** Why a `types` entry cannot be used, or undefined when it can. */
export function typeTextProblem(text: unknown): string | undefined {
  if (typeof text !== 'string' || !text.trim()) return 'must be a non-empty type name';
  if (text.length > MAX_TYPE_LENGTH) return `must be at most ${MAX_TYPE_LENGTH} characters`;
  const trimmed = text.trim();
  const clause = trimmed.split(/[^A-Za-z0-9_]+/).find((w) => CLAUSE_WORDS.has(w.toLowerCase()));
  if (clause) return `names a type only; ${clause} starts a column clause`;
  if (!SAFE_TYPE.test(trimmed)) {
    return 'must be a plain type name: letters, digits, _, spaces, one (…) list of numbers or words, [] for arrays, a schema prefix; no quotes, semicolons or comments';
  }
  return undefined;
}

/** 422: the request is well formed but names what cannot be (a table missing, a table onto itself). */
const unprocessable = (problems: FieldProblem[]) =>
  new UnprocessableEntityException({ message: problems.map((p) => p.message).join('; '), details: problems });

const withWarnings = (job: JobView, warnings: string[]): JobView => (warnings.length ? { ...job, warnings } : job);

type Endpoint = Pick<ConnectionEntity, 'id' | 'dialect' | 'host' | 'port' | 'database' | 'username' | 'options'>;

/** 422 problems for each table entry whose target is its own source table. */
function sameTableProblems(tables: JobTableSpec[], source: Endpoint, target: Endpoint): FieldProblem[] {
  if (!sameDatabase(source, target)) return [];
  const fold = (text: string) => (tableNamesIgnoreCase(target.dialect) ? text.toLowerCase() : text);
  const targetDefault = defaultSchema({ ...target, host: target.host ?? undefined, port: target.port ?? undefined, username: target.username ?? undefined });
  return tables.flatMap((t, i) => {
    const from = parseTableRef(t.source);
    const to = t.target ? parseTableRef(t.target) : null;
    if (!from) return [];
    const schema = to?.schema ?? targetDefault;
    // A pattern lands each table under its own name; a single table under the target's name, or its own.
    const name = from.pattern || !to ? from.name : to.name;
    if (fold(schema) !== fold(from.schema) || fold(name) !== fold(from.name)) return [];
    const field = `tables[${i}].target`;
    const what = from.pattern ? `the tables matching ${t.source} would be copied onto themselves` : `${schema}.${name} is the source table itself`;
    return [{ field, message: `${field}: ${what} (the source and target reach the same database); name another target` }];
  });
}

/** Which IANA zones exist, for schedule time zones. */
const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** Why a schedule (and its zone) cannot be used: nothing when it can, or when there is none. */
function scheduleProblems(schedule: string | null | undefined, tz: string | null | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (tz && !isTimeZone(tz)) problems.push({ field: 'scheduleTz', message: 'not an IANA time zone' });
  if (schedule) {
    try {
      CronExpressionParser.parse(schedule, { tz: tz && isTimeZone(tz) ? tz : 'UTC' });
    } catch (error) {
      problems.push({ field: 'schedule', message: `not a cron expression (${(error as Error).message})` });
    }
  }
  return problems;
}

/** What a 503 for a job's write says: a schedule lives in Redis, so the store was left as it was. */
const NOT_SAVED = 'the job holds a schedule, which lives there, so nothing was saved';

/** Whether BullMQ holds a scheduler for the job (so Redis is needed to change it). */
const hasScheduler = (job: Pick<SyncJobEntity, 'enabled' | 'schedule'>) => job.enabled && !!job.schedule;

@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    @InjectRepo(SyncJobEntity) private readonly jobs: Repository<SyncJobEntity>,
    @InjectRepo(ConnectionEntity) private readonly connections: Repository<ConnectionEntity>,
    @InjectRepo(RunEntity) private readonly runs: Repository<RunEntity>,
    private readonly runState: RunRepository,
    private readonly connectionsService: ConnectionsService,
    private readonly audit: AuditService,
    private readonly producer: JobProducer,
  ) {}

  /**
   * Makes the job's BullMQ scheduler match the stored job: one scheduler keyed by the job id
   * while it is enabled with a schedule, none otherwise. Idempotent (upsert/remove by id).
   */
  async syncSchedule(job: Pick<SyncJobEntity, 'id' | 'schedule' | 'scheduleTz' | 'enabled'>): Promise<void> {
    if (job.enabled && job.schedule) {
      await this.producer.upsertSchedule(jobScheduleId(job.id), job.schedule, { name: JobName.ScheduledRun, data: { v: 1, jobId: job.id } }, job.scheduleTz ?? undefined);
    } else {
      await this.producer.removeSchedule(jobScheduleId(job.id), JobName.ScheduledRun);
    }
  }

  /**
   * Stores the job and makes its scheduler match in one transaction: when Redis cannot take the
   * schedule the row is rolled back and the answer is 503, so nothing half-made is left and the
   * same request can be sent again. A job with no schedule before or after needs no Redis.
   */
  private async saveWithSchedule(job: SyncJobEntity, hadScheduler: boolean): Promise<SyncJobEntity> {
    try {
      return await this.jobs.manager.transaction(async (tx) => {
        const saved = await this.save(job, tx.getRepository(SyncJobEntity));
        if (hadScheduler || hasScheduler(saved)) await this.syncSchedule(saved);
        return saved;
      });
    } catch (error) {
      throw asQueueUnavailable(error, NOT_SAVED);
    }
  }

  async list(limit: number, offset: number): Promise<Page<JobView>> {
    const [rows, total] = await this.jobs.findAndCount({ order: { name: 'ASC' }, take: limit, skip: offset });
    const lastRuns = await this.runState.lastRuns(rows.map((r) => r.id));
    const now = new Date();
    return { items: rows.map((job) => view(job, lastRuns.get(job.id) ?? null, now)), total };
  }

  async get(id: string): Promise<JobView> {
    return this.viewOf(await this.load(id));
  }

  /** A cron's next fire times, or a 400 naming `schedule` (or `scheduleTz`). */
  schedulePreview(schedule: string, scheduleTz: string | undefined, count: number): ScheduleView {
    const problems = scheduleProblems(schedule, scheduleTz);
    if (problems.length) throw fieldError(problems);
    return { schedule, scheduleTz: scheduleTz ?? 'UTC', next: nextFireTimes(schedule, scheduleTz, count).map((d) => d.toISOString()) };
  }

  private async viewOf(job: SyncJobEntity, warnings: string[] = []): Promise<JobView> {
    const lastRun = (await this.runState.lastRuns([job.id])).get(job.id) ?? null;
    return withWarnings(view(job, lastRun), warnings);
  }

  /** A job entity from a create body, not saved. */
  private draft(dto: CreateJobDto | PreviewJobDto, createdBy: string): SyncJobEntity {
    return this.jobs.create({
      name: dto.name ?? '',
      sourceId: dto.sourceId,
      targetId: dto.targetId,
      tables: dto.tables.map((t) => ({ ...t })),
      mode: dto.mode,
      writeMode: dto.writeMode,
      createTables: dto.createTables ?? true,
      evolveSchema: dto.evolveSchema ?? true,
      deleteMissing: dto.deleteMissing ?? false,
      schedule: dto.schedule ?? null,
      scheduleTz: dto.scheduleTz ?? null,
      enabled: dto.enabled ?? true,
      batchSize: dto.batchSize ?? 5000,
      chunkRows: dto.chunkRows ?? 200_000,
      maxRejects: dto.maxRejects ?? 0,
      nul: dto.nul ?? 'strip',
      lookbackSeconds: dto.lookbackSeconds ?? 0,
      verify: dto.verify ?? false,
      createdBy,
    });
  }

  async create(dto: CreateJobDto, actor: AuthUser): Promise<JobView> {
    const job = this.draft(dto, actor.id);
    if (hasScheduler(job)) await assertQueueAnswers(this.producer, NOT_SAVED);
    const warnings = await this.check(job, true);
    const saved = await this.saveWithSchedule(job, false);
    await this.audit.record({ actor, action: 'job.create', targetType: 'job', targetId: saved.id, details: { name: saved.name } });
    return withWarnings(view(saved), warnings);
  }

  async update(id: string, dto: UpdateJobDto, actor: AuthUser): Promise<JobView> {
    const job = await this.load(id);
    const hadScheduler = hasScheduler(job);
    Object.assign(job, Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)));
    if (hadScheduler || hasScheduler(job)) await assertQueueAnswers(this.producer, NOT_SAVED);
    // Tables are looked up on the source only when they or the source change: a job whose table
    // was dropped since can still be disabled or rescheduled.
    const warnings = await this.check(job, dto.tables !== undefined || dto.sourceId !== undefined);
    const saved = await this.saveWithSchedule(job, hadScheduler);
    await this.audit.record({ actor, action: 'job.update', targetType: 'job', targetId: id, details: { fields: Object.keys(dto) } });
    return this.viewOf(saved, warnings);
  }

  async remove(id: string, actor: AuthUser): Promise<void> {
    const job = await this.load(id);
    if (await this.runs.exists({ where: [{ jobId: id, status: 'queued' }, { jobId: id, status: 'running' }] })) {
      throw new ConflictException('the job has an active run; cancel it first');
    }
    try {
      await this.jobs.manager.transaction(async (tx) => {
        await tx.delete(SyncJobEntity, id);
        if (hasScheduler(job)) await this.syncSchedule({ id, schedule: null, scheduleTz: null, enabled: false });
      });
    } catch (error) {
      throw asQueueUnavailable(error, 'the job\'s schedule lives there, so the job was not deleted');
    }
    await this.audit.record({ actor, action: 'job.delete', targetType: 'job', targetId: id, details: { name: job.name } });
  }

  /**
   * What a run would do, changing nothing: the tables it would touch (patterns expanded), the
   * DDL it would run on the target, and the type chosen for each column.
   */
  async preview(id: string): Promise<{ tables: ReturnType<typeof planView>[] }> {
    return this.plan(await this.load(id));
  }

  /**
   * The preview of a job not saved yet (the body of a create): refused like a create (400/422
   * naming the field) when it could not be saved, then planned like a saved one. Nothing is stored.
   */
  async previewDraft(dto: PreviewJobDto, actor: AuthUser): Promise<{ tables: ReturnType<typeof planView>[] }> {
    const job = this.draft(dto, actor.id);
    // check() reads the tables on the source: an unreachable source fails the plan below with its reason.
    await this.check(job, true);
    return this.plan(job);
  }

  private async plan(job: SyncJobEntity): Promise<{ tables: ReturnType<typeof planView>[] }> {
    let planned: Awaited<ReturnType<typeof planTablesEach>>;
    try {
      planned = await this.connectionsService.withConnection(job.sourceId, (source, sourceSpec) =>
        this.connectionsService.withConnection(
          job.targetId,
          (target, targetSpec) =>
            planTablesEach({
              source: { dialect: sourceSpec.dialect, session: source },
              target: { dialect: targetSpec.dialect, session: target, defaultSchema: defaultSchema(targetSpec) },
              tables: job.tables,
              options: { createTables: job.createTables, evolveSchema: job.evolveSchema },
            }),
          // A SQLite target file a run would create (createTables) is previewed as empty.
          { missingAsEmpty: job.createTables },
        ),
      );
    } catch (error) {
      if (error instanceof PlanError) throw new UnprocessableEntityException({ message: error.message, details: [{ field: error.field, message: error.message }] });
      if (error instanceof HttpException || error instanceof DbError) throw error;
      // Never a 500 for a job the plan cannot read: the reason is the job's, said as a 422.
      this.logger.warn(`preview of job ${job.id ?? '(not saved)'} failed: ${error instanceof Error ? error.stack : String(error)}`);
      const message = `the plan failed: ${error instanceof Error ? error.message : String(error)}`;
      throw new UnprocessableEntityException({ message, details: [{ field: 'tables', message }] });
    }
    // A table a run would fail (and copy the others without) is refused here, each one named.
    if (planned.failures.length) {
      throw new UnprocessableEntityException({
        message: planned.failures.map((f) => f.reason).join('; '),
        details: planned.failures.map((f) => ({ field: f.field, message: f.reason })),
      });
    }
    return { tables: planned.plans.map(planView) };
  }

  async runsOf(id: string, limit: number, offset: number): Promise<Page<ReturnType<typeof runSummary>>> {
    await this.load(id);
    const [rows, total] = await this.runs.findAndCount({ where: { jobId: id }, order: { queuedAt: 'DESC' }, take: limit, skip: offset });
    return { items: rows.map(runSummary), total };
  }

  private async save(job: SyncJobEntity, repository: Repository<SyncJobEntity> = this.jobs): Promise<SyncJobEntity> {
    try {
      return await repository.save(job);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(`a job named "${job.name}" exists`);
      throw error;
    }
  }

  private async load(id: string): Promise<SyncJobEntity> {
    const job = await this.jobs.findOneBy({ id });
    if (!job) throw new NotFoundException(`job ${id} not found`);
    return job;
  }

  /**
   * Everything that can be refused without running anything: connections, table references,
   * modes, schedule (400); a table copied onto itself (422); then, on the source, each named
   * table must exist (422) and each filter is parsed against its real columns. An unreachable
   * source is not a refusal: the job saves and the returned warnings say what was not checked.
   */
  private async check(job: SyncJobEntity, lookUpTables: boolean): Promise<string[]> {
    const problems: FieldProblem[] = [];
    const add = (field: string, message: string) => problems.push({ field, message: `${field}: ${message}` });

    const [source, target] = await Promise.all([
      this.connections.findOneBy({ id: job.sourceId }),
      this.connections.findOneBy({ id: job.targetId }),
    ]);
    if (!source) add('sourceId', 'no such connection');
    if (!target) add('targetId', 'no such connection');
    if (target?.readOnly) add('targetId', 'the connection is read-only and cannot be a target');
    if (job.mode === 'incremental' && job.writeMode !== 'upsert') {
      add('writeMode', 'incremental mode writes with upsert (a re-read row must replace, not duplicate)');
    }
    for (const p of scheduleProblems(job.schedule, job.scheduleTz)) add(p.field, p.message);

    job.tables.forEach((table, i) => this.checkTable(table, i, job, add));
    if (problems.length) throw fieldError(problems);
    if (!source || !target) return [];

    const selfCopies = sameTableProblems(job.tables, source, target);
    if (selfCopies.length) throw unprocessable(selfCopies);

    // checkTable has refused unparsable sources and filters on patterns, so ref is a single table.
    // A pattern may match nothing yet (tables created later): only single tables are looked up.
    const singles = job.tables.flatMap((t, i) => {
      const ref = parseTableRef(t.source);
      return ref && !ref.pattern && (lookUpTables || t.where || t.transforms?.length) ? [{ t, i, ref }] : [];
    });
    if (!singles.length) return [];
    const missing: FieldProblem[] = [];
    try {
      await this.connectionsService.withConnection(source.id, async (session) => {
        for (const { t, i, ref } of singles) {
          const described = await session.data?.introspector.describeTable({ schema: ref.schema, name: ref.name });
          if (!described) {
            const field = `tables[${i}].source`;
            missing.push({ field, message: `${field}: table ${t.source} not found on the source (${source.name})` });
            continue;
          }
          if (t.transforms?.length) {
            // Against the real columns and key: a key masked, a column the table lacks, two targets of one name.
            const copied = t.columns ? described.columns.filter((c) => t.columns?.includes(c.name)) : described.columns;
            const keyColumns = t.keyColumns ?? described.primaryKey.filter((k) => copied.some((c) => c.name === k));
            try {
              // Expressions: parsed in the source's dialect and typed by the source (a query reading no row).
              const expressions = t.transforms.some((x) => x.set?.expr !== undefined)
                ? await resolveExpressions({ dialect: source.dialect, introspector: session.data?.introspector ?? {}, table: { schema: ref.schema, name: ref.name }, columns: described.columns, transforms: t.transforms })
                : undefined;
              planTransforms({ columns: copied, all: described.columns, keyColumns, incrementalColumn: t.incrementalColumn, transforms: t.transforms, expressions });
            } catch (error) {
              if (!(error instanceof TransformError)) throw error;
              add(`tables[${i}].${error.field}`, error.message.slice(error.field.length + 2));
            }
          }
          if (!t.where) continue;
          try {
            t.where = validateFilter({ dialect: source.dialect, filter: t.where, columns: described.columns.map((c) => c.name) }).sql;
          } catch (error) {
            if (!(error instanceof FilterError)) throw error;
            add(`tables[${i}].where`, error.message.replace(/^filter: /, ''));
          }
        }
      });
    } catch (error) {
      // A filter is only accepted once parsed against the table's columns, so it cannot wait.
      if (!(error instanceof DbError) || singles.some(({ t }) => t.where)) throw error;
      return [`the source ${source.name} could not be reached (${error.message}), so its tables were not checked; a run checks them again`];
    }
    if (problems.length) throw fieldError(problems);
    if (missing.length) throw unprocessable(missing);
    return [];
  }

  private checkTable(table: JobTableSpec, i: number, job: SyncJobEntity, add: (field: string, message: string) => void): void {
    const field = `tables[${i}]`;
    const source = parseTableRef(table.source);
    if (!source) return add(`${field}.source`, 'must be "schema.table" or a pattern "schema.*"');
    if (table.target !== undefined) {
      const target = parseTableRef(table.target);
      if (!target) add(`${field}.target`, 'must be "schema.table" ("schema.*" for a pattern source)');
      else if (source.pattern && target.name !== '*') add(`${field}.target`, 'a pattern source needs a target "schema.*"');
      else if (!source.pattern && target.pattern) add(`${field}.target`, 'a single table cannot have a pattern target');
    }
    if (source.pattern) {
      for (const key of ['where', 'keyColumns', 'columns', 'incrementalColumn', 'types', 'transforms'] as const) {
        if (table[key] !== undefined) add(`${field}.${key}`, 'applies to one table, not a pattern');
      }
    }
    if (job.mode === 'incremental' && !source.pattern && !table.incrementalColumn) {
      add(`${field}.incrementalColumn`, 'is required in incremental mode');
    }
    for (const list of ['keyColumns', 'columns'] as const) {
      const dup = duplicates(table[list] ?? []);
      if (dup.length) add(`${field}.${list}`, `names ${dup[0]} twice`);
    }
    const chosen = table.columns;
    if (table.types !== undefined && !source.pattern) {
      const entries = Object.entries(table.types as Record<string, unknown>);
      let valid = entries.length <= 2000;
      if (!valid) add(`${field}.types`, 'may name at most 2000 columns');
      for (const [column, type] of entries.slice(0, 2000)) {
        const problem = !column.trim() || column.length > 128 ? 'a column name must be 1 to 128 characters' : typeTextProblem(type);
        if (problem) add(`${field}.types.${column}`, problem);
        else if (chosen && !chosen.includes(column)) add(`${field}.types.${column}`, 'is not among the copied columns');
        valid &&= !problem;
      }
      if (valid) table.types = Object.fromEntries(entries.map(([column, type]) => [column, String(type).trim()]));
    }
    if (table.transforms?.length) {
      const shape = checkTransformShape(table.transforms);
      if (shape) add(`${field}.${shape.field}`, shape.message.slice(shape.field.length + 2));
    }
    if (chosen) {
      const missing = [...(table.keyColumns ?? []), ...(table.incrementalColumn ? [table.incrementalColumn] : [])].filter(
        (c) => !chosen.includes(c),
      );
      if (missing.length) add(`${field}.columns`, `must include ${missing.join(', ')} (key and incremental columns)`);
    }
  }
}
