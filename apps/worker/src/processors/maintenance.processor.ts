import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { HandlerRegistry, QUEUE_OPTIONS, QUEUE_REDIS, QueueModuleOptions, QueueProcessor } from '@dbferry/queue';
import { QueueName } from '@dbferry/queue-contracts';
import { WorkerMetrics } from '../ops/worker-metrics';

@Injectable()
export class MaintenanceProcessor extends QueueProcessor {
  readonly queueName = QueueName.Maintenance;

  constructor(
    registry: HandlerRegistry,
    @Inject(QUEUE_REDIS) redis: Redis,
    @Inject(QUEUE_OPTIONS) options: QueueModuleOptions,
    metrics: WorkerMetrics,
  ) {
    super(registry, redis, options);
    this.events = metrics.eventsFor(QueueName.Maintenance);
    // BullMQ's defaults unless configured: a full sync whose worker died waits out the lock.
    this.workerOptions = { lockDuration: options.maintenanceLockDurationMs ?? 30_000, stalledInterval: options.maintenanceStalledIntervalMs ?? 30_000 };
  }
}
