import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
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
  ) {
    super(registry, redis, options);
    this.events = metrics.eventsFor(QueueName.Groups);
    // A task taken by a worker that died is applied again (the apply is idempotent and version-checked).
    this.workerOptions = { maxStalledCount: 5, lockDuration: options.lockDurationMs ?? 60_000, stalledInterval: options.stalledIntervalMs ?? 30_000 };
  }
}
