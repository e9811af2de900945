import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Value-level losses (zero dates read as NULL, NULs stripped, fractions cut…) counted per
 * (column, kind) on the chunk's checkpoint row: a chunk stored again replaces its own, and a
 * table's report is the sum over its chunks, never a de-duplicated list of sentences.
 */
export class ChunkWarnings1763940000000 implements MigrationInterface {
  name = 'ChunkWarnings1763940000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE run_chunk ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE run_chunk DROP COLUMN warnings');
  }
}
