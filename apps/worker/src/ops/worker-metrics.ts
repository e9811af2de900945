import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JobProducer, type ProcessorEvents, registerQueueDepthGauge } from '@dbferry/queue';
import { SessionPool } from '../runs/session-pool';

/** The worker's Prometheus registry: process metrics, job outcomes and durations, queue depths. */
@Injectable()
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly jobs = new Counter({
    name: 'dbferry_worker_jobs_total',
    help: 'Jobs finished by this worker, by queue, job name and outcome',
    labelNames: ['queue', 'job', 'outcome'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'dbferry_worker_job_duration_seconds',
    help: 'Duration of successful jobs',
    labelNames: ['queue', 'job'],
    buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });

  /** Rows written to targets, by direction; a dashboard's rows/s is its rate. */
  readonly rowsCopied = new Counter({
    name: 'dbferry_rows_copied_total',
    help: 'Rows written to targets by copy-chunk jobs',
    labelNames: ['source_dialect', 'target_dialect'],
    registers: [this.registry],
  });
  readonly chunkSeconds = new Histogram({
    name: 'dbferry_chunk_duration_seconds',
    help: 'Duration of copy-chunk jobs that committed',
    labelNames: ['source_dialect', 'target_dialect'],
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });
  readonly chunkFailures = new Counter({
    name: 'dbferry_chunk_failures_total',
    help: 'copy-chunk attempts that failed, by whether they will be retried',
    labelNames: ['retry'],
    registers: [this.registry],
  });

  /** Diffs (issue 12): how long one takes from start to settled, rows compared, differences found. */
  readonly diffSeconds = new Histogram({
    name: 'dbferry_diff_duration_seconds',
    help: 'Duration of diffs settled by this worker (start to finish-diff), by outcome',
    labelNames: ['status'],
    buckets: [0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  readonly diffSegmentSeconds = new Histogram({
    name: 'dbferry_diff_segment_duration_seconds',
    help: 'Duration of diff-segment jobs, by reference dialect and outcome (done or split)',
    labelNames: ['reference_dialect', 'outcome'],
    buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });
  readonly diffRowsCompared = new Counter({
    name: 'dbferry_diff_rows_compared_total',
    help: 'Reference rows settled by diff segments (at their checksum or row by row)',
    labelNames: ['reference_dialect'],
    registers: [this.registry],
  });
  readonly diffDifferences = new Counter({
    name: 'dbferry_diff_differences_total',
    help: 'Differing rows found by diff segments, by kind (missing, extra, different)',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  /** Repairs (issue 12): how long an apply takes (re-verify included), and the rows repairs change. */
  readonly repairSeconds = new Histogram({
    name: 'dbferry_repair_duration_seconds',
    help: 'Duration of repair applies settled by this worker (apply start to settled, re-verify included), by outcome',
    labelNames: ['status'],
    buckets: [0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  readonly repairRows = new Counter({
    name: 'dbferry_repair_rows_total',
    help: 'Rows repair segments changed on their targets, by kind (upserted, deleted)',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  /** Verified sync: each table's closing diff, by outcome (clean, drift, error), and the drift found by kind. */
  readonly verifySeconds = new Histogram({
    name: 'dbferry_verify_duration_seconds',
    help: 'Duration of the closing diff of one table of a verified run, by outcome (clean, drift, error)',
    labelNames: ['outcome'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  readonly verifyDrift = new Counter({
    name: 'dbferry_verify_drift_rows_total',
    help: 'Rows verified runs found differing on their targets, by kind (missing, extra, different)',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  constructor(producer: JobProducer, sessions: SessionPool) {
    collectDefaultMetrics({ register: this.registry, prefix: 'dbferry_worker_' });
    registerQueueDepthGauge(this.registry, producer);
    // Read from the pool's own counts at each scrape.
    new Counter({
      name: 'dbferry_worker_sessions_total',
      help: "copy-chunk's database sessions by outcome: opened anew, reused from the pool, discarded (failed work, no ping answer, changed settings), closed_idle",
      labelNames: ['outcome'],
      registers: [this.registry],
      collect() {
        this.reset();
        const { opened, reused, discarded, closedIdle } = sessions.stats;
        for (const [outcome, n] of [['opened', opened], ['reused', reused], ['discarded', discarded], ['closed_idle', closedIdle]] as const) this.inc({ outcome }, n);
      },
    });
    new Gauge({
      name: 'dbferry_worker_sessions_idle',
      help: 'Database sessions kept open in the pool for the next chunks',
      registers: [this.registry],
      collect() {
        this.set(sessions.idleCount);
      },
    });
  }

  eventsFor(queue: string): ProcessorEvents {
    return {
      onCompleted: (job, ms) => {
        this.jobs.inc({ queue, job: job.name, outcome: 'completed' });
        this.duration.observe({ queue, job: job.name }, ms / 1000);
      },
      onFailed: (job) => this.jobs.inc({ queue, job: job?.name ?? 'unknown', outcome: 'failed' }),
    };
  }
}
