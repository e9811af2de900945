import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { HandlerRegistry, QUEUE_OPTIONS, QUEUE_REDIS, QueueModuleOptions, QueueProcessor } from '@dbferry/queue';
import { QueueName } from '@dbferry/queue-contracts';
import { WorkerMetrics } from '../ops/worker-metrics';

/** plan-diff, diff-segment, finish-diff, plan-repair and apply-repair. */
@Injectable()
export class ArbitrationProcessor extends QueueProcessor {
  readonly queueName = QueueName.Arbitration;

  constructor(
    registry: HandlerRegistry,
    @Inject(QUEUE_REDIS) redis: Redis,
    @Inject(QUEUE_OPTIONS) options: QueueModuleOptions,
    metrics: WorkerMetrics,
  ) {
    super(registry, redis, options);
    this.events = metrics.eventsFor(QueueName.Arbitration);
    // A segment taken by a worker that died is run again (its outcome is stored once); allow several such deaths.
    this.workerOptions = { maxStalledCount: 5, lockDuration: options.lockDurationMs ?? 60_000, stalledInterval: options.stalledIntervalMs ?? 30_000 };
  }
}
