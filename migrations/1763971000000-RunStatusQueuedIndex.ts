import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GET /api/runs?status= lists one status's runs newest first: this index holds that order
 * (queued_at, then id for runs queued in the same instant), so a page of failed runs is read
 * in index order instead of by sorting every run. The unfiltered list reads run_queued_at_idx,
 * one job's runs run_job_queued_idx.
 */
export class RunStatusQueuedIndex1763971000000 implements MigrationInterface {
  name = 'RunStatusQueuedIndex1763971000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('CREATE INDEX run_status_queued_idx ON run (status, queued_at DESC, id DESC)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX run_status_queued_idx');
  }
}
