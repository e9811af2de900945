import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { HandlerRegistry, QUEUE_OPTIONS, QUEUE_REDIS, QueueModuleOptions, QueueProcessor } from '@dbferry/queue';
import { QueueName } from '@dbferry/queue-contracts';
import { WorkerMetrics } from '../ops/worker-metrics';

/** plan-run, copy-chunk, finish-run and scheduled-run. */
@Injectable()
export class SyncProcessor extends QueueProcessor {
  readonly queueName = QueueName.Sync;

  constructor(
    registry: HandlerRegistry,
    @Inject(QUEUE_REDIS) redis: Redis,
    @Inject(QUEUE_OPTIONS) options: QueueModuleOptions,
    metrics: WorkerMetrics,
  ) {
    super(registry, redis, options);
    this.events = metrics.eventsFor(QueueName.Sync);
    // A chunk taken by a worker that died is re-run; allow several such deaths in one run.
    this.workerOptions = { maxStalledCount: 5, lockDuration: options.lockDurationMs ?? 60_000, stalledInterval: options.stalledIntervalMs ?? 30_000 };
  }
}
