import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { DIFF_STATUSES, DiffRepository, RUN_STATUSES, RunRepository } from '@dbferry/control-plane';
import { JobProducer, registerQueueDepthGauge } from '@dbferry/queue';
import { Public } from '../../common/auth.decorators';

/** Prometheus text: process metrics, queue depths and runs by status, the last two read at scrape time. */
@ApiTags('metrics')
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly registry = new Registry();

  constructor(producer: JobProducer, runs: RunRepository, diffs: DiffRepository) {
    collectDefaultMetrics({ register: this.registry, prefix: 'dbferry_api_' });
    registerQueueDepthGauge(this.registry, producer);
    new Gauge({
      name: 'dbferry_runs',
      help: 'Runs in the control store by status (queued and running are the ones in flight)',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        try {
          const counts = await runs.countByStatus();
          this.reset();
          for (const status of RUN_STATUSES) this.set({ status }, counts.get(status) ?? 0);
        } catch {
          this.reset(); // the store is down: no series rather than stale ones
        }
      },
    });
    new Gauge({
      name: 'dbferry_diffs',
      help: 'Diffs in the control store by status (queued and running are the ones in flight)',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        try {
          const counts = await diffs.countByStatus();
          this.reset();
          for (const status of DIFF_STATUSES) this.set({ status }, counts.get(status) ?? 0);
        } catch {
          this.reset();
        }
      },
    });
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4',
    content: {
      'text/plain': {
        schema: {
          type: 'string',
          example:
            '# HELP dbferry_runs Runs in the control store by status (queued and running are the ones in flight)\n' +
            '# TYPE dbferry_runs gauge\ndbferry_runs{status="running"} 1\n',
        },
      },
    },
  })
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
