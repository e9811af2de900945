import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { FlowProducer, JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AnyJob, DEFAULT_JOB_OPTIONS, JOB_QUEUE, JobData, JobName, QueueName } from '@dbferry/queue-contracts';
import { QUEUE_OPTIONS, QUEUE_REDIS, QueueModuleOptions } from './tokens';

export interface FlowJob<N extends JobName> {
  name: N;
  data: JobData<N>;
  /** Stable id (see syncJobId): re-adding an existing flow member is a no-op. */
  jobId: string;
}
export type AnyFlowJob = { [N in JobName]: FlowJob<N> }[JobName];

export interface EnqueueOptions {
  /** Deduplicates: BullMQ ignores a second add with the same id while the first exists. */
  jobId?: string;
  delayMs?: number;
  priority?: number;
}

/** The only way to add a job: typed by name, routed to its queue, with the queue's defaults. */
@Injectable()
export class JobProducer implements OnApplicationShutdown {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly flows: FlowProducer;

  constructor(
    @Inject(QUEUE_REDIS) private readonly redis: Redis,
    @Inject(QUEUE_OPTIONS) private readonly options: QueueModuleOptions,
  ) {
    for (const name of Object.values(QueueName)) {
      this.queues.set(
        name,
        new Queue(name, {
          connection: this.redis,
          prefix: this.options.prefix,
          defaultJobOptions: DEFAULT_JOB_OPTIONS[name] as JobsOptions,
        }),
      );
    }
    this.flows = new FlowProducer({ connection: this.redis, prefix: this.options.prefix });
  }

  async enqueue<N extends JobName>(name: N, data: JobData<N>, options: EnqueueOptions = {}): Promise<string> {
    const job = await this.queue(JOB_QUEUE[name]).add(name, data, {
      jobId: options.jobId,
      delay: options.delayMs,
      priority: options.priority,
    });
    return job.id ?? '';
  }

  /**
   * Many jobs of one name in one Redis round trip (BullMQ addBulk, the queue's defaults applied);
   * each keeps its stable id, so one already there is not added twice.
   */
  async enqueueBulk<N extends JobName>(name: N, jobs: { data: JobData<N>; jobId: string }[]): Promise<void> {
    if (!jobs.length) return;
    await this.queue(JOB_QUEUE[name]).addBulk(jobs.map((j) => ({ name, data: j.data, opts: { jobId: j.jobId } })));
  }

  /**
   * A parent that runs once all its children have finished. Children that fail for good do
   * not block the parent: it runs anyway and reads their outcome from the control store.
   */
  async enqueueFlow<P extends JobName>(parent: FlowJob<P>, children: AnyFlowJob[]): Promise<void> {
    const opts = (name: JobName, jobId: string, extra: JobsOptions = {}): JobsOptions => ({
      ...(DEFAULT_JOB_OPTIONS[JOB_QUEUE[name]] as JobsOptions),
      jobId,
      ...extra,
    });
    await this.flows.add({
      name: parent.name,
      queueName: JOB_QUEUE[parent.name],
      data: parent.data,
      opts: opts(parent.name, parent.jobId),
      children: children.map((child) => ({
        name: child.name,
        queueName: JOB_QUEUE[child.name],
        data: child.data,
        opts: opts(child.name, child.jobId, { ignoreDependencyOnFailure: true }),
      })),
    });
  }

  /** Creates or updates a repeating job; one scheduler per id however many processes call it. */
  async upsertSchedule(id: string, pattern: string, job: AnyJob, tz?: string): Promise<void> {
    await this.queue(JOB_QUEUE[job.name]).upsertJobScheduler(id, { pattern, tz }, { name: job.name, data: job.data });
  }

  async removeSchedule(id: string, name: JobName): Promise<void> {
    await this.queue(JOB_QUEUE[name]).removeJobScheduler(id);
  }

  /** The ids of a queue's job schedulers (system and per-job ones). */
  async scheduleIds(queueName: QueueName): Promise<string[]> {
    const schedulers = await this.queue(queueName).getJobSchedulers(0, -1, true);
    return schedulers.map((s) => s.key);
  }

  /**
   * A job's state in Redis ('waiting', 'active', 'waiting-children', 'completed', 'failed',
   * 'delayed', 'prioritized'), or null when Redis does not hold it (never added, removed, or
   * lost with a flush). The reconciler compares it with the store.
   */
  async getJobState(name: JobName, jobId: string): Promise<string | null> {
    const job = await this.queue(JOB_QUEUE[name]).getJob(jobId);
    if (!job) return null;
    const state = await job.getState();
    return state === 'unknown' ? null : state;
  }

  /** Why BullMQ failed a job (its last error, or "job stalled more than allowable limit"); null when it has not failed. */
  async failedReason(name: JobName, jobId: string): Promise<string | null> {
    const job = await this.queue(JOB_QUEUE[name]).getJob(jobId);
    return job?.failedReason || null;
  }

  /** Removes a finished job so its stable id can be added again; false when it is locked (active). */
  async removeJob(name: JobName, jobId: string): Promise<boolean> {
    const removed = await this.queue(JOB_QUEUE[name]).remove(jobId, { removeChildren: false });
    return removed === 1;
  }

  queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`unknown queue ${name}`);
    return queue;
  }

  /** Every queue, for Bull Board and the dashboard's depth gauges. */
  all(): Queue[] {
    return [...this.queues.values()];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.all().map((q) => q.close()), this.flows.close()]);
  }
}
