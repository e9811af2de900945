import type { DataSource, EntityManager } from 'typeorm';
import { RUN_STATUSES, type RunStatus } from '../entities/run.entity';

/** The dashboard's windows: 24 hourly buckets, or 14 daily ones (UTC). */
export const DASHBOARD_RANGES = {
  '24h': { unit: 'hour', buckets: 24, ms: 3_600_000 },
  '14d': { unit: 'day', buckets: 14, ms: 86_400_000 },
} as const;
export type DashboardRange = keyof typeof DASHBOARD_RANGES;

export type StatusCounts = Record<RunStatus, number>;

export interface RunBucket extends StatusCounts {
  /** The bucket's start (UTC). */
  at: Date;
}

export interface RecentRunRate {
  runId: string;
  jobId: string;
  jobName: string;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  rowsWritten: string;
  /** Rows written per second from its start to its end (or to now while it runs); null for a run of no measurable length. */
  rowsPerSecond: number | null;
}

export interface FailingJob {
  jobId: string;
  jobName: string;
  enabled: boolean;
  runId: string;
  finishedAt: Date | null;
  error: string | null;
}

export interface StoreCounts {
  connections: number;
  jobs: number;
  enabledJobs: number;
  runs: StatusCounts;
}

const zeroCounts = (): StatusCounts => Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as StatusCounts;

/**
 * Read-only aggregates of run state for the dashboard. Each is one statement on the run
 * table's indexes (queued_at, and job_id + queued_at), so it stays cheap however many runs
 * the store keeps. Lives here because only control-plane writes SQL on the run tables.
 */
export class RunStats {
  constructor(private readonly db: DataSource | EntityManager) {}

  /** Connections, jobs (and how many are enabled), and every run by status. */
  async counts(): Promise<StoreCounts> {
    const [row] = await this.db.query(
      `SELECT (SELECT count(*)::int FROM connection) AS connections,
              (SELECT count(*)::int FROM sync_job) AS jobs,
              (SELECT count(*)::int FROM sync_job WHERE enabled) AS "enabledJobs",
              (SELECT coalesce(jsonb_object_agg(status, n), '{}') FROM (SELECT status, count(*)::int AS n FROM run GROUP BY status) s) AS runs`,
    );
    return { connections: row.connections, jobs: row.jobs, enabledJobs: row.enabledJobs, runs: { ...zeroCounts(), ...row.runs } };
  }

  /**
   * Runs queued in each bucket of the range, by their status now; every bucket present
   * (zeros where nothing ran), oldest first. `now` fixes the window (tests).
   */
  async perBucket(range: DashboardRange, now = new Date()): Promise<RunBucket[]> {
    const { unit, buckets, ms } = DASHBOARD_RANGES[range];
    const last = unit === 'hour' ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), now.getUTCHours()) : Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const first = last - (buckets - 1) * ms;
    const rows: { bucket: string; status: RunStatus; n: number }[] = await this.db.query(
      `SELECT extract(epoch FROM date_trunc($1, queued_at AT TIME ZONE 'UTC'))::bigint AS bucket, status, count(*)::int AS n
         FROM run WHERE queued_at >= $2 GROUP BY 1, 2`,
      [unit, new Date(first)],
    );
    const series = Array.from({ length: buckets }, (_, i): RunBucket => ({ at: new Date(first + i * ms), ...zeroCounts() }));
    for (const row of rows) {
      const slot = series[Math.round((Number(row.bucket) * 1000 - first) / ms)];
      if (slot && row.status in slot) slot[row.status] += row.n;
    }
    return series;
  }

  /** The latest `limit` runs that have started, oldest first, with their rows written per second. */
  async recentRates(limit: number): Promise<RecentRunRate[]> {
    const rows = await this.db.query(
      `SELECT r.id AS "runId", r.job_id AS "jobId", j.name AS "jobName", r.status, r.started_at AS "startedAt", r.finished_at AS "finishedAt",
              r.rows_written::text AS "rowsWritten",
              extract(epoch FROM coalesce(r.finished_at, now()) - r.started_at)::float8 AS seconds
         FROM run r JOIN sync_job j ON j.id = r.job_id
        WHERE r.started_at IS NOT NULL
        ORDER BY r.queued_at DESC LIMIT $1`,
      [limit],
    );
    return (rows as (Omit<RecentRunRate, 'rowsPerSecond'> & { seconds: number })[])
      .map(({ seconds, ...run }) => ({ ...run, rowsPerSecond: seconds > 0 ? Math.round(Number(run.rowsWritten) / seconds) : null }))
      .reverse();
  }

  /** Jobs whose latest settled run (succeeded or failed; cancelled ones are passed over) failed, most recent first. */
  async failingJobs(limit: number): Promise<FailingJob[]> {
    return this.db.query(
      `SELECT j.id AS "jobId", j.name AS "jobName", j.enabled, last.id AS "runId", last.finished_at AS "finishedAt", last.error
         FROM sync_job j
         CROSS JOIN LATERAL (SELECT id, status, finished_at, error FROM run
                              WHERE job_id = j.id AND status IN ('succeeded', 'failed')
                              ORDER BY queued_at DESC LIMIT 1) last
        WHERE last.status = 'failed'
        ORDER BY last.finished_at DESC NULLS LAST LIMIT $1`,
      [limit],
    );
  }
}
