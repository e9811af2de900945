import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run log line about an error keeps the error's class, code and stack ({ class, code?,
 * stack? }, passwords of connection strings scrubbed), beside its one-line message.
 */
export class RunLogDetail1763961000000 implements MigrationInterface {
  name = 'RunLogDetail1763961000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE run_log ADD COLUMN detail jsonb');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE run_log DROP COLUMN detail');
  }
}
