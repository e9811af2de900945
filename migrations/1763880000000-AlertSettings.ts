import { MigrationInterface, QueryRunner } from 'typeorm';

/** SMTP settings and recipients of alert mail: one row, its password sealed like a connection's. */
export class AlertSettings1763880000000 implements MigrationInterface {
  name = 'AlertSettings1763880000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE alert_settings (
        id                    smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        smtp_host             text NOT NULL,
        smtp_port             integer NOT NULL CHECK (smtp_port BETWEEN 1 AND 65535),
        smtp_secure           boolean NOT NULL DEFAULT false,
        smtp_username         text,
        smtp_from             text NOT NULL,
        -- SMTP password sealed with AES-256-GCM, AAD 'alert-settings:1:smtp-password'
        secret_key_id         text,
        secret_ciphertext     bytea,
        recipients            text[] NOT NULL DEFAULT '{}',
        dedupe_window_seconds integer NOT NULL DEFAULT 3600 CHECK (dedupe_window_seconds BETWEEN 60 AND 86400),
        enabled               boolean NOT NULL DEFAULT true,
        updated_at            timestamptz NOT NULL DEFAULT now(),
        updated_by            uuid REFERENCES app_user (id) ON DELETE SET NULL,
        CHECK ((secret_key_id IS NULL) = (secret_ciphertext IS NULL)),
        CHECK (cardinality(recipients) <= 50)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE alert_settings`);
  }
}
