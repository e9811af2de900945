import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { DIFF_STATUSES, DiffRepository, GroupRepository, RUN_STATUSES, RunRepository } from '@dbferry/control-plane';
import { JobProducer, registerQueueDepthGauge } from '@dbferry/queue';
import { Public } from '../../common/auth.decorators';

/** Prometheus text: process metrics, queue depths and runs by status, the last two read at scrape time. */
@ApiTags('metrics')
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly registry = new Registry();

  constructor(producer: JobProducer, runs: RunRepository, diffs: DiffRepository, groups: GroupRepository) {
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
    // Consistency debt (issue 13): per group member, the writes it still owes and how long the oldest has waited.
    const debt = () => groups.debt();
    new Gauge({
      name: 'dbferry_sync_tasks',
      help: 'Sync tasks a replica-group member still owes, by status (pending includes running; failed: given up)',
      labelNames: ['group', 'connection', 'status'],
      registers: [this.registry],
      async collect() {
        try {
          const rows = await debt();
          this.reset();
          for (const r of rows) {
            this.set({ group: r.groupId, connection: r.connectionId, status: 'pending' }, r.pending);
            this.set({ group: r.groupId, connection: r.connectionId, status: 'failed' }, r.failed);
          }
        } catch {
          this.reset();
        }
      },
    });
    new Gauge({
      name: 'dbferry_sync_task_oldest_pending_seconds',
      help: "Age of a replica-group member's oldest pending sync task (0 when it owes nothing)",
      labelNames: ['group', 'connection'],
      registers: [this.registry],
      async collect() {
        try {
          const rows = await debt();
          this.reset();
          const now = Date.now();
          for (const r of rows) this.set({ group: r.groupId, connection: r.connectionId }, r.oldestPendingAt ? Math.max(0, (now - new Date(r.oldestPendingAt).getTime()) / 1000) : 0);
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
