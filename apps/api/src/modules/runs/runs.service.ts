import { ConflictException, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { type FindOptionsWhere, In, MoreThanOrEqual } from 'typeorm';
import {
  insertQueuedRun,
  InjectRepo,
  LOG_LEVELS,
  Repository,
  RunEntity,
  RunLogEntity,
  RunRejectEntity,
  RunRepository,
  RunTableEntity,
  SyncJobEntity,
} from '@dbferry/control-plane';
import { JobProducer, QueueUnavailableError, startRun } from '@dbferry/queue';
import { JobName, syncJobId } from '@dbferry/queue-contracts';
import type { AuthUser } from '../../common/auth.decorators';
import { AuditService } from '../audit/audit.service';
import type { Page } from '../../common/pagination.dto';
import type { RunListQuery, RunLogQuery, RunRejectPage } from './run.dto';

/** bigint counters as JSON numbers while exact (they always are in practice), else strings. */
const count = (value: string) => (Number.isSafeInteger(Number(value)) ? Number(value) : value);

/** Rows written per second since the run started (to its end, or now while it runs); null before it starts. */
const rate = (rows: string, run: RunEntity): number | null => {
  if (!run.startedAt) return null;
  const seconds = ((run.finishedAt ?? new Date()).getTime() - run.startedAt.getTime()) / 1000;
  return seconds > 0 ? Math.round(Number(rows) / seconds) : null;
};

/** A run without its tables: GET /api/jobs/:id/runs lists these. */
export const runSummary = (run: RunEntity) => ({
  id: run.id,
  jobId: run.jobId,
  status: run.status,
  trigger: run.trigger,
  requestedBy: run.requestedBy,
  queuedAt: run.queuedAt,
  startedAt: run.startedAt,
  finishedAt: run.finishedAt,
  rowsRead: count(run.rowsRead),
  rowsWritten: count(run.rowsWritten),
  rejects: count(run.rejects),
  rowsDeleted: count(run.rowsDeleted),
  rowsPerSecond: rate(run.rowsWritten, run),
  cancelRequested: run.cancelRequested,
  error: run.error,
  drift: run.drift === null ? null : count(run.drift),
  verifyError: run.verifyError,
  diffId: run.diffId,
});

export const runView = (run: RunEntity, tables: RunTableEntity[] = []) => ({
  ...runSummary(run),
  tables: tables.map((t) => ({
    source: t.sourceTable,
    target: t.targetTable,
    status: t.status,
    rowsRead: count(t.rowsRead),
    rowsWritten: count(t.rowsWritten),
    rejects: count(t.rejects),
    rowsDeleted: count(t.rowsDeleted),
    rowsPerSecond: rate(t.rowsWritten, run),
    incrementalColumn: t.incrementalColumn,
    chunksDone: t.chunksDone,
    chunksTotal: t.chunksTotal,
    resumable: t.resumable,
    keyColumns: t.keyColumns,
    ddl: t.ddl,
    losses: t.losses,
    warnings: t.warnings,
    error: t.error,
    drift: t.drift ? t.drift.total : null,
    driftDetail: t.drift ? { missing: t.drift.missing, extra: t.drift.extra, different: t.drift.different, samples: t.drift.samples } : null,
    verifyError: t.verifyError,
  })),
});

@Injectable()
export class RunsService {
  constructor(
    @InjectRepo(RunEntity) private readonly runs: Repository<RunEntity>,
    @InjectRepo(RunTableEntity) private readonly tables: Repository<RunTableEntity>,
    @InjectRepo(RunLogEntity) private readonly logs: Repository<RunLogEntity>,
    @InjectRepo(RunRejectEntity) private readonly rejects: Repository<RunRejectEntity>,
    @InjectRepo(SyncJobEntity) private readonly jobs: Repository<SyncJobEntity>,
    private readonly runState: RunRepository,
    private readonly producer: JobProducer,
    private readonly audit: AuditService,
  ) {}

  /**
   * The run row exists before its queue job (a flushed Redis loses no run); the partial
   * unique index makes a second trigger of a busy job a 409, however many APIs race.
   */
  async trigger(jobId: string, actor: AuthUser): Promise<{ runId: string }> {
    if (!(await this.jobs.existsBy({ id: jobId }))) throw new NotFoundException(`job ${jobId} not found`);
    let runId: string | null;
    try {
      runId = await startRun(this.producer, () => insertQueuedRun(this.runs.manager, { jobId, trigger: 'manual', requestedBy: actor.id }));
    } catch (error) {
      if (!(error instanceof QueueUnavailableError && error.runId)) throw error;
      // Postgres is the truth: the run stays queued and the worker's reconciler enqueues it later.
      await this.audit.record({ actor, action: 'run.trigger', targetType: 'job', targetId: jobId, details: { runId: error.runId, enqueued: false } });
      throw new ServiceUnavailableException({
        message: `the queue (Redis) is unavailable: run ${error.runId} is stored as queued and starts once Redis is back (the worker's reconciler enqueues it); triggering the job again answers 409 until it ends`,
        details: [{ field: 'runId', message: error.runId }],
      });
    }
    if (!runId) {
      const active = await this.runs.findOne({ where: [{ jobId, status: 'queued' }, { jobId, status: 'running' }] });
      throw new ConflictException({ message: `job ${jobId} already has an active run`, details: [{ field: 'runId', message: active?.id ?? '' }] });
    }
    await this.audit.record({ actor, action: 'run.trigger', targetType: 'job', targetId: jobId, details: { runId } });
    return { runId };
  }

  /**
   * Every run, newest first, filtered by status, job and queue time. The order (queued_at, then
   * id between runs of one instant) follows run_queued_at_idx, run_status_queued_idx and
   * run_job_queued_idx, so a page is read in index order however many runs there are.
   */
  async list(query: RunListQuery): Promise<Page<ReturnType<typeof runSummary> & { jobName: string }>> {
    const where: FindOptionsWhere<RunEntity> = {
      ...(query.status && { status: query.status }),
      ...(query.jobId && { jobId: query.jobId }),
      ...(query.since && { queuedAt: MoreThanOrEqual(new Date(query.since)) }),
    };
    const [rows, total] = await Promise.all([
      this.runs.find({ where, order: { queuedAt: 'DESC', id: 'DESC' }, take: query.limit, skip: query.offset }),
      this.runs.countBy(where),
    ]);
    const names = await this.jobNames(rows.map((r) => r.jobId));
    return { items: rows.map((r) => ({ ...runSummary(r), jobName: names.get(r.jobId) ?? '' })), total };
  }

  async get(id: string) {
    const run = await this.load(id);
    return runView(run, await this.tables.find({ where: { runId: id }, order: { ordinal: 'ASC' } }));
  }

  async logsOf(id: string, { level, limit, offset }: RunLogQuery) {
    await this.load(id);
    const where = { runId: id, ...(level && { level: In(LOG_LEVELS.slice(LOG_LEVELS.indexOf(level))) }) };
    const [rows, total] = await this.logs.findAndCount({ where, order: { id: 'ASC' }, take: limit, skip: offset });
    return { items: rows.map((l) => ({ id: l.id, at: l.at, level: l.level, table: l.tableName, message: l.message, ...(l.detail && { error: l.detail }) })), total };
  }

  /** The rows the target refused, in the order they were stored, each with its table, key (lossless JSON), column and reason. */
  async rejectsOf(id: string, limit: number, offset: number): Promise<RunRejectPage> {
    await this.load(id);
    const tables = new Map((await this.tables.find({ where: { runId: id } })).map((t) => [t.id, t]));
    const [rows, total] = await this.rejects.findAndCount({ where: { runId: id }, order: { id: 'ASC' }, take: limit, skip: offset });
    return {
      items: rows.map((r) => ({
        id: r.id,
        source: tables.get(r.runTableId)?.sourceTable ?? '',
        target: tables.get(r.runTableId)?.targetTable ?? '',
        key: r.key,
        column: r.columnName,
        error: r.error,
        at: r.at,
      })),
      total,
    };
  }

  /**
   * Ends the run now, whatever its work is doing: queued, planning, copying, or held by a plan
   * whose worker died. Chunks not yet started are skipped; a running one finishes its
   * transaction; nothing is appended to the run's log after this line. The job can then be deleted.
   */
  async cancel(id: string, actor: AuthUser) {
    const run = await this.load(id);
    if (!['queued', 'running'].includes(run.status)) throw new ConflictException(`run ${id} is already ${run.status}`);
    const ended = await this.runState.cancel(id, actor.username);
    if (!ended) throw new ConflictException(`run ${id} has just ended`);
    // A plan still waiting is dropped; one being worked on finds the run ended and adds nothing that runs.
    await this.producer.removeJob(JobName.PlanRun, syncJobId.plan(id)).catch(() => false);
    await this.audit.record({ actor, action: 'run.cancel', targetType: 'run', targetId: id });
    return this.get(id);
  }

  private async jobNames(ids: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    if (!unique.length) return new Map();
    const jobs = await this.jobs.find({ where: { id: In(unique) }, select: { id: true, name: true } });
    return new Map(jobs.map((j) => [j.id, j.name]));
  }

  private async load(id: string): Promise<RunEntity> {
    const run = await this.runs.findOneBy({ id });
    if (!run) throw new NotFoundException(`run ${id} not found`);
    return run;
  }
}
