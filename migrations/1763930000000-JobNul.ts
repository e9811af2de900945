import { MigrationInterface, QueryRunner } from 'typeorm';

/** What a job does with U+0000 in text bound for PostgreSQL, which cannot hold it: strip it (with a warning) or reject the row. */
export class JobNul1763930000000 implements MigrationInterface {
  name = 'JobNul1763930000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sync_job ADD COLUMN nul text NOT NULL DEFAULT 'strip' CHECK (nul IN ('strip', 'reject'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sync_job DROP COLUMN nul');
  }
}
