import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Column transforms (issue 15 item 4): a job's hash salt, sealed with the secrets key (AES-GCM,
 * bound to the job's id). Made on the job's first run that hashes a column and kept for its
 * life, so a value hashes alike in every run of one job and differently in another job. The
 * transforms themselves live in the job's `tables` JSON.
 */
export class Transforms1764020000000 implements MigrationInterface {
  name = 'Transforms1764020000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE sync_job
        ADD COLUMN transform_salt_key_id     text,
        ADD COLUMN transform_salt_ciphertext bytea,
        ADD CONSTRAINT sync_job_transform_salt_whole CHECK ((transform_salt_key_id IS NULL) = (transform_salt_ciphertext IS NULL))
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE sync_job
        DROP CONSTRAINT sync_job_transform_salt_whole,
        DROP COLUMN transform_salt_ciphertext,
        DROP COLUMN transform_salt_key_id
    `);
  }
}
