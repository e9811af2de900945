import { Injectable, Logger } from '@nestjs/common';
import { RunRepository } from '@dbferry/control-plane';
import { JobContext, JobHandler, JobHandlerOf, JobProducer, startRun } from '@dbferry/queue';
import { JobName, jobScheduleId } from '@dbferry/queue-contracts';

/**
 * A tick of a job's cron schedule: starts a run like a manual trigger does (run row, then
 * plan-run). A tick while the job already has an active run is coalesced: logged, no run.
 */
@Injectable()
@JobHandler(JobName.ScheduledRun)
export class ScheduledRunHandler implements JobHandlerOf<JobName.ScheduledRun> {
  private readonly logger = new Logger(ScheduledRunHandler.name);

  constructor(
    private readonly runs: RunRepository,
    private readonly producer: JobProducer,
  ) {}

  async handle(job: JobContext<JobName.ScheduledRun>): Promise<{ runId: string } | { skipped: string }> {
    const { jobId } = job.data;
    const syncJob = await this.runs.job(jobId);
    if (!syncJob) {
      // The job was deleted while its scheduler survived (a Redis restored from an old dump).
      await this.producer.removeSchedule(jobScheduleId(jobId), JobName.ScheduledRun);
      return { skipped: 'job deleted' };
    }
    if (!syncJob.enabled || !syncJob.schedule) return { skipped: 'job disabled or unscheduled' };
    const runId = await startRun(this.producer, () => this.runs.queue({ jobId, trigger: 'schedule', requestedBy: null }));
    if (!runId) {
      this.logger.log(`job ${jobId}: schedule tick coalesced, a run is already active`);
      return { skipped: 'a run is already active' };
    }
    return { runId };
  }
}
