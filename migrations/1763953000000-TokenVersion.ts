import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A per-user token version, copied into every JWT at login and compared on each request: a
 * password change, a role change or a reset by an admin bumps it, so every token issued
 * before is refused at once.
 */
export class TokenVersion1763953000000 implements MigrationInterface {
  name = 'TokenVersion1763953000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE app_user ADD COLUMN token_version integer NOT NULL DEFAULT 0');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE app_user DROP COLUMN token_version');
  }
}
