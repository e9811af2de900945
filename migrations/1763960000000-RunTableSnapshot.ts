import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each run table keeps the plan snapshot it executes (a TableSnapshot of @dbferry/engine, version
 * in its `v`): copy-chunk and finish-run read it instead of the live job, so editing or deleting
 * a job while it runs changes nothing of that run. Runs planned before have none.
 */
export class RunTableSnapshot1763960000000 implements MigrationInterface {
  name = 'RunTableSnapshot1763960000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE run_table ADD COLUMN snapshot jsonb');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE run_table DROP COLUMN snapshot');
  }
}
