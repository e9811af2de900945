import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Verified sync (issue 12, item 4): a job's `verify` option, and what the run's closing diff
 * found. `drift` is null when the run was not verified (the option off, or the copy failed);
 * per table it holds `{missing, extra, different, total, samples}`; `verify_error` says why a
 * verify could not finish (never a silent pass); `diff_id` is the verify stored as a finished
 * diff (trigger 'run'), whose differing keys are paged at /api/diffs/:id/rows.
 */
export class JobVerify1763985000000 implements MigrationInterface {
  name = 'JobVerify1763985000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sync_job ADD COLUMN verify boolean NOT NULL DEFAULT false');
    await db.query('ALTER TABLE run ADD COLUMN drift bigint, ADD COLUMN verify_error text, ADD COLUMN diff_id uuid REFERENCES diff (id) ON DELETE SET NULL');
    await db.query('ALTER TABLE run_table ADD COLUMN drift jsonb, ADD COLUMN verify_error text');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE run_table DROP COLUMN verify_error, DROP COLUMN drift');
    await db.query('ALTER TABLE run DROP COLUMN diff_id, DROP COLUMN verify_error, DROP COLUMN drift');
    await db.query('ALTER TABLE sync_job DROP COLUMN verify');
  }
}
