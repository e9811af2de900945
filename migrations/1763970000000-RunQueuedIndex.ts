import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Runs by time across every job: the dashboard's runs per hour or day and its latest runs'
 * rates (and any newest-first list of all runs) read a range of queued_at, not the whole table.
 */
export class RunQueuedIndex1763970000000 implements MigrationInterface {
  name = 'RunQueuedIndex1763970000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('CREATE INDEX run_queued_at_idx ON run (queued_at DESC)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX run_queued_at_idx');
  }
}
