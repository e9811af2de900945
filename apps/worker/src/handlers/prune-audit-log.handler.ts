import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobContext, JobHandler, JobHandlerOf } from '@dbferry/queue';
import { JobName } from '@dbferry/queue-contracts';

/** Deletes audit rows past retention, in batches so a large backlog never holds a long lock. */
@Injectable()
@JobHandler(JobName.PruneAuditLog)
export class PruneAuditLogHandler implements JobHandlerOf<JobName.PruneAuditLog> {
  constructor(private readonly dataSource: DataSource) {}

  async handle(job: JobContext<JobName.PruneAuditLog>): Promise<{ deleted: number }> {
    let deleted = 0;
    for (;;) {
      if (job.signal.aborted) break;
      const [, count] = (await this.dataSource.query(
        `DELETE FROM audit_log WHERE id IN (
           SELECT id FROM audit_log WHERE at < now() - make_interval(days => $1) LIMIT 5000)`,
        [job.data.olderThanDays],
      )) as [unknown, number];
      deleted += count;
      if (count < 5000) break;
    }
    return { deleted };
  }
}
