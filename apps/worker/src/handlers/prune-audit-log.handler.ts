import { Injectable } from '@nestjs/common';
import { AuditLogRepository } from '@dbferry/control-plane';
import { JobContext, JobHandler, JobHandlerOf } from '@dbferry/queue';
import { JobName } from '@dbferry/queue-contracts';

/** Deletes audit rows past retention (in batches, see AuditLogRepository.prune); stops between batches when aborted. */
@Injectable()
@JobHandler(JobName.PruneAuditLog)
export class PruneAuditLogHandler implements JobHandlerOf<JobName.PruneAuditLog> {
  constructor(private readonly auditLog: AuditLogRepository) {}

  async handle(job: JobContext<JobName.PruneAuditLog>): Promise<{ deleted: number }> {
    return { deleted: await this.auditLog.prune(job.data.olderThanDays, { signal: job.signal }) };
  }
}
