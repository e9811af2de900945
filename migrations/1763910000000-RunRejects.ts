import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bad rows (issue 4, item 6): each rejected row remembers the chunk that stored it, so a chunk
 * stored again replaces its rejects instead of adding them twice; tables and chunks count them.
 */
export class RunRejects1763910000000 implements MigrationInterface {
  name = 'RunRejects1763910000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE run_table ADD COLUMN rejects bigint NOT NULL DEFAULT 0`);
    await db.query(`ALTER TABLE run_chunk ADD COLUMN rejects integer NOT NULL DEFAULT 0`);
    await db.query(`ALTER TABLE run_reject ADD COLUMN run_chunk_id uuid REFERENCES run_chunk (id) ON DELETE CASCADE`);
    await db.query(`CREATE INDEX run_reject_chunk_idx ON run_reject (run_chunk_id)`);
    // GET /api/runs/:id/rejects pages by id within a run.
    await db.query(`DROP INDEX run_reject_run_idx`);
    await db.query(`CREATE INDEX run_reject_run_idx ON run_reject (run_id, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX run_reject_run_idx`);
    await db.query(`CREATE INDEX run_reject_run_idx ON run_reject (run_id)`);
    await db.query(`DROP INDEX run_reject_chunk_idx`);
    await db.query(`ALTER TABLE run_reject DROP COLUMN run_chunk_id`);
    await db.query(`ALTER TABLE run_chunk DROP COLUMN rejects`);
    await db.query(`ALTER TABLE run_table DROP COLUMN rejects`);
  }
}
