import { ConflictException, Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { EventRepository, FullSyncRepository, type FullSyncRecord } from '@dbferry/control-plane';
import { JobProducer } from '@dbferry/queue';
import { eventFullSyncJobId, FULL_SYNC_SCHEDULE_PREFIX, fullSyncScheduleId, JobName, QueueName } from '@dbferry/queue-contracts';
import type { AuthUser } from '../../common/auth.decorators';
import { asQueueUnavailable } from '../../common/queue-unavailable';
import { fieldError } from '../../common/validation';
import { AuditService } from '../audit/audit.service';
import type { FullSyncRunDetailView, FullSyncRunView } from './full-sync.dto';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Full syncs of event sources (issue 14 item 4): started here, run by the worker (EventFullSyncHandler). */
@Injectable()
export class FullSyncService {
  private readonly logger = new Logger(FullSyncService.name);

  constructor(
    private readonly events: EventRepository,
    private readonly runs: FullSyncRepository,
    private readonly producer: JobProducer,
    private readonly audit: AuditService,
  ) {}

  /** Queues a full sync: 404 for no source, 400 without fullSync.url, 409 while one is active, 503 without Redis (nothing left queued). */
  async start(sourceId: string, deleteMissing: boolean, actor: AuthUser): Promise<{ runId: string }> {
    const source = await this.events.get(sourceId);
    if (!source) throw new NotFoundException(`event source ${sourceId} not found`);
    if (!source.fullSync?.url) throw fieldError([{ field: 'fullSync.url', message: 'fullSync.url: the source has no snapshot URL (PATCH /api/event-sources/:id with fullSync)' }]);
    const runId = await this.runs.queue({ sourceId, trigger: 'manual', deleteMissing, requestedBy: actor.id });
    if (!runId) throw new ConflictException(`event source ${source.name} has a full sync queued or running (${await this.runs.active(sourceId)})`);
    try {
      await this.producer.enqueue(JobName.EventFullSync, { v: 1, runId }, { jobId: eventFullSyncJobId(runId) });
    } catch (error) {
      await this.runs.finish(runId, 'failed', 'the queue (Redis) was unavailable when it was requested');
      const mapped = asQueueUnavailable(error, 'the full sync was not started');
      throw mapped instanceof ServiceUnavailableException ? mapped : error;
    }
    await this.audit.record({ actor, action: 'event-source.full-sync', targetType: 'event-source', targetId: sourceId, details: { runId, deleteMissing } });
    return { runId };
  }

  async list(sourceId: string | undefined, limit: number, offset: number): Promise<{ items: FullSyncRunView[]; total: number }> {
    if (sourceId && !(await this.events.get(sourceId))) throw new NotFoundException(`event source ${sourceId} not found`);
    const page = await this.runs.list({ sourceId, limit, offset });
    return { items: page.items.map(view), total: page.total };
  }

  async get(id: string): Promise<FullSyncRunDetailView> {
    const run = await this.runs.get(id);
    if (!run) throw new NotFoundException(`full sync ${id} not found`);
    const logs = await this.runs.logs(id);
    return { ...view(run), logs: logs.map((l) => ({ id: l.id, at: l.at.toISOString(), level: l.level, message: l.message })) };
  }

  /**
   * Makes Redis's full-sync job schedulers match the store: one per source with a fullSync
   * schedule (keyed by the source id, so any number of API replicas agree), none for the others.
   */
  async syncSchedules(): Promise<{ upserted: number; removed: number }> {
    const wanted = new Set<string>();
    for (const { sourceId, schedule } of await this.runs.scheduled()) {
      try {
        await this.producer.upsertSchedule(fullSyncScheduleId(sourceId), schedule, { name: JobName.ScheduledFullSync, data: { v: 1, sourceId } });
        wanted.add(fullSyncScheduleId(sourceId));
      } catch (error) {
        if (asQueueUnavailable(error, '') !== error) throw error;
        this.logger.warn(`event source ${sourceId}: full-sync schedule ${JSON.stringify(schedule)} refused: ${(error as Error).message}`);
      }
    }
    let removed = 0;
    for (const id of await this.producer.scheduleIds(QueueName.Maintenance)) {
      if (!id.startsWith(FULL_SYNC_SCHEDULE_PREFIX) || wanted.has(id)) continue;
      await this.producer.removeSchedule(id, JobName.ScheduledFullSync);
      removed++;
    }
    return { upserted: wanted.size, removed };
  }
}

function view(r: FullSyncRecord): FullSyncRunView {
  return {
    id: r.id,
    sourceId: r.sourceId,
    source: r.source,
    status: r.status,
    trigger: r.trigger,
    deleteMissing: r.deleteMissing,
    snapshotAt: iso(r.snapshotAt),
    pages: r.pages,
    entities: r.entities,
    applied: r.applied,
    skipped: r.skipped,
    failed: r.failed,
    deleted: r.deleted,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
  };
}
