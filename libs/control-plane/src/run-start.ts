import type { DataSource, EntityManager } from 'typeorm';
import type { RunTrigger } from './entities/run.entity';
import { isUniqueViolation } from './pg-errors';


/**
 * Inserts a `queued` run row, the store side of starting a run (the queue side is
 * `startRun` in @dbferry/queue). Returns null when the job already has an active run:
 * the partial unique index `run_one_active_per_job` refused it, however many processes race.
 */
export async function insertQueuedRun(
  db: DataSource | EntityManager,
  run: { jobId: string; trigger: RunTrigger; requestedBy: string | null },
): Promise<string | null> {
  try {
    const rows: { id: string }[] = await db.query(
      `INSERT INTO run (job_id, trigger, requested_by, status) VALUES ($1, $2, $3, 'queued') RETURNING id`,
      [run.jobId, run.trigger, run.requestedBy],
    );
    return rows[0].id;
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}
