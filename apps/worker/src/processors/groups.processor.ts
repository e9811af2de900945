import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { workerConfig } from '@dbferry/config';
import { HandlerRegistry, QUEUE_OPTIONS, QUEUE_REDIS, QueueModuleOptions, QueueProcessor } from '@dbferry/queue';
import { QueueName } from '@dbferry/queue-contracts';
import { WorkerMetrics } from '../ops/worker-metrics';

/** apply-sync-task: the writes replica-group members still owe (issue 13). */
@Injectable()
export class GroupsProcessor extends QueueProcessor {
  readonly queueName = QueueName.Groups;

  constructor(
    registry: HandlerRegistry,
    @Inject(QUEUE_REDIS) redis: Redis,
    @Inject(QUEUE_OPTIONS) options: QueueModuleOptions,
    metrics: WorkerMetrics,
    @Inject(workerConfig.KEY) config: ConfigType<typeof workerConfig>,
  ) {
    super(registry, redis, options);
    this.events = metrics.eventsFor(QueueName.Groups);
    // A task taken by a worker that died is applied again (the apply is idempotent and version-checked).
    // Each task is one row to one member, mostly waiting on the stores: GROUPS_CONCURRENCY at once.
    this.workerOptions = { concurrency: config.groupsConcurrency, maxStalledCount: 5, lockDuration: options.lockDurationMs ?? 60_000, stalledInterval: options.stalledIntervalMs ?? 30_000 };
  }
}
