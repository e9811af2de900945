import { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, connections (secrets sealed by @dbferry/crypto) and the audit log. */
export class Foundation1763870400000 implements MigrationInterface {
  name = 'Foundation1763870400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE app_user (
        id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username             text NOT NULL,
        password_hash        text NOT NULL,
        role                 text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
        must_change_password boolean NOT NULL DEFAULT true,
        last_login_at        timestamptz,
        created_at           timestamptz NOT NULL DEFAULT now(),
        updated_at           timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX app_user_username_key ON app_user (lower(username))`);

    await db.query(`
      CREATE TABLE connection (
        id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name              text NOT NULL,
        dialect           text NOT NULL CHECK (dialect IN ('postgres', 'mysql', 'mssql', 'oracle', 'sqlite')),
        host              text,
        port              integer CHECK (port BETWEEN 1 AND 65535),
        database          text NOT NULL,
        username          text,
        -- password sealed with AES-256-GCM: key id + nonce||ciphertext||tag, AAD = row id
        secret_key_id     text,
        secret_ciphertext bytea,
        options           jsonb NOT NULL DEFAULT '{}',
        read_only         boolean NOT NULL DEFAULT false,
        created_by        uuid REFERENCES app_user (id) ON DELETE SET NULL,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        CHECK ((secret_key_id IS NULL) = (secret_ciphertext IS NULL))
      )`);
    await db.query(`CREATE UNIQUE INDEX connection_name_key ON connection (lower(name))`);

    await db.query(`
      CREATE TABLE audit_log (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at          timestamptz NOT NULL DEFAULT now(),
        actor_id    uuid,
        actor_name  text,
        action      text NOT NULL,
        target_type text,
        target_id   text,
        outcome     text NOT NULL DEFAULT 'ok' CHECK (outcome IN ('ok', 'denied', 'failed')),
        ip          text,
        details     jsonb NOT NULL DEFAULT '{}'
      )`);
    await db.query(`CREATE INDEX audit_log_at_idx ON audit_log (at DESC)`);
    await db.query(`CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE audit_log`);
    await db.query(`DROP TABLE connection`);
    await db.query(`DROP TABLE app_user`);
  }
}
