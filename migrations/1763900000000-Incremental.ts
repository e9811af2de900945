import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Incremental runs and deleteMissing: the read predicate each table of a run was planned with
 * (so every chunk and every retry reads the same rows), the watermark each chunk reached, and
 * counts of target rows removed because their keys vanished from the source.
 */
export class Incremental1763900000000 implements MigrationInterface {
  name = 'Incremental1763900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE run_table
        ADD COLUMN incremental_column text,
        -- the incremental read's lower bound (inclusive): the stored watermark less the lookback, lossless JSON
        ADD COLUMN since_value jsonb,
        ADD COLUMN rows_deleted bigint NOT NULL DEFAULT 0`);
    await db.query(`
      ALTER TABLE run_chunk
        -- the largest (incremental value, key) this chunk read and committed
        ADD COLUMN watermark jsonb,
        ADD COLUMN rows_deleted bigint NOT NULL DEFAULT 0`);
    await db.query(`ALTER TABLE run ADD COLUMN rows_deleted bigint NOT NULL DEFAULT 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE run DROP COLUMN rows_deleted');
    await db.query('ALTER TABLE run_chunk DROP COLUMN watermark, DROP COLUMN rows_deleted');
    await db.query('ALTER TABLE run_table DROP COLUMN incremental_column, DROP COLUMN since_value, DROP COLUMN rows_deleted');
  }
}
