import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { JobProducer } from '@dbferry/queue';
import { Public } from '../../common/auth.decorators';

/** Prometheus text: process metrics and queue depths (feature metrics join as features land). */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly registry = new Registry();

  constructor(producer: JobProducer) {
    collectDefaultMetrics({ register: this.registry, prefix: 'dbferry_api_' });
    new Gauge({
      name: 'dbferry_queue_jobs',
      help: 'Jobs in each queue by state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        for (const queue of producer.all()) {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
          for (const [state, n] of Object.entries(counts)) this.set({ queue: queue.name, state }, n);
        }
      },
    });
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
