import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepo, Repository, SyncJobEntity } from '@dbferry/control-plane';
import { JobProducer } from '@dbferry/queue';
import { JOB_SCHEDULE_PREFIX, JobName, jobScheduleId, QueueName } from '@dbferry/queue-contracts';
import { JobsService } from './jobs.service';

/**
 * At API start, makes Redis's job schedulers match the store: one per enabled scheduled job
 * (re-created after a flush), none for a job deleted, disabled or unscheduled meanwhile.
 * Upserts and removals are by id, so every API replica may run it, any number of times.
 */
@Injectable()
export class JobSchedules implements OnApplicationBootstrap {
  private readonly logger = new Logger(JobSchedules.name);

  constructor(
    @InjectRepo(SyncJobEntity) private readonly jobs: Repository<SyncJobEntity>,
    private readonly jobsService: JobsService,
    private readonly producer: JobProducer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { upserted, removed } = await this.sync();
    if (upserted || removed) this.logger.log(`job schedules: ${upserted} in place, ${removed} stale removed`);
  }

  async sync(): Promise<{ upserted: number; removed: number }> {
    const jobs = await this.jobs.find({ select: { id: true, schedule: true, scheduleTz: true, enabled: true } });
    const wanted = new Set<string>();
    for (const job of jobs) {
      if (!job.enabled || !job.schedule) continue;
      await this.jobsService.syncSchedule(job);
      wanted.add(jobScheduleId(job.id));
    }
    let removed = 0;
    for (const id of await this.producer.scheduleIds(QueueName.Sync)) {
      if (!id.startsWith(JOB_SCHEDULE_PREFIX) || wanted.has(id)) continue;
      await this.producer.removeSchedule(id, JobName.ScheduledRun);
      removed++;
    }
    return { upserted: wanted.size, removed };
  }
}
