import { MigrationInterface, QueryRunner } from 'typeorm';

/** A per-connection cap on chunks touching it at once, across the whole worker fleet (NULL: the default). */
export class ConnectionLimits1763920000000 implements MigrationInterface {
  name = 'ConnectionLimits1763920000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE connection ADD COLUMN max_parallel_chunks integer CHECK (max_parallel_chunks BETWEEN 1 AND 256)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE connection DROP COLUMN max_parallel_chunks');
  }
}
