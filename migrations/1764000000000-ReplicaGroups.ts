import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replica groups (issue 13): a group of member tables written together. Every write is a
 * versioned row of group_write (the version is one store-wide sequence, so a newer write always
 * has the larger number); the members that did not get it synchronously owe it as a sync_task,
 * stored in the same transaction as the write. group_member_key holds, per member and key, the
 * version the member holds (a delete is a tombstone there), so a late task never overwrites a
 * newer write: a task applies the key's newest write under that row's lock, or nothing.
 */
export class ReplicaGroups1764000000000 implements MigrationInterface {
  name = 'ReplicaGroups1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE replica_group (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name                text NOT NULL UNIQUE,
        key_columns         text[] NOT NULL,
        -- the group's columns (keys first) as [{name, kind, nullable}], the first member's types
        columns             jsonb NOT NULL,
        -- schema differences between members that do not stop the group ([{connectionId, column, note}])
        differences         jsonb NOT NULL DEFAULT '[]',
        -- true: the worker fleet applies tasks by itself; false: held until executed by hand
        auto_execute        boolean NOT NULL DEFAULT true,
        -- the oldest pending task older than this is mailed
        debt_alert_seconds  integer NOT NULL DEFAULT 900 CHECK (debt_alert_seconds > 0),
        -- the diff of the members started when existing tables were adopted
        adopt_diff_id       uuid REFERENCES diff (id) ON DELETE SET NULL,
        created_by          uuid REFERENCES app_user (id) ON DELETE SET NULL,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE replica_group_member (
        group_id        uuid NOT NULL REFERENCES replica_group (id) ON DELETE CASCADE,
        connection_id   uuid NOT NULL REFERENCES connection (id) ON DELETE RESTRICT,
        ordinal         integer NOT NULL,
        table_schema    text NOT NULL,
        table_name      text NOT NULL,
        -- the member's NeutralColumn[] aligned with the group's columns (keys first), as introspected
        columns         jsonb NOT NULL,
        PRIMARY KEY (group_id, connection_id),
        UNIQUE (group_id, ordinal)
      )`);
    await db.query(`
      CREATE TABLE group_write (
        version         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        group_id        uuid NOT NULL REFERENCES replica_group (id) ON DELETE CASCADE,
        -- the key's canonical text (its values in the key codec, as JSON): one row's identity
        key_digest      text NOT NULL,
        -- the key as {column: value}
        key             jsonb NOT NULL,
        op              text NOT NULL CHECK (op IN ('upsert', 'delete')),
        -- the validated row as {column: value} (null for a delete)
        row             jsonb,
        write_to        uuid[] NOT NULL,
        created_by      uuid REFERENCES app_user (id) ON DELETE SET NULL,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX group_write_key_idx ON group_write (group_id, key_digest, version DESC)`);
    await db.query(`
      CREATE TABLE sync_task (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        group_id        uuid NOT NULL,
        connection_id   uuid NOT NULL,
        version         bigint NOT NULL REFERENCES group_write (version) ON DELETE CASCADE,
        key_digest      text NOT NULL,
        status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed', 'skipped')),
        attempts        integer NOT NULL DEFAULT 0,
        error           text,
        -- bumped by a manual execute of a failed task: the queue job id of the new round
        round           integer NOT NULL DEFAULT 0,
        -- a held task (group without auto_execute) someone asked to run: the reconciler keeps it queued
        queued          boolean NOT NULL DEFAULT false,
        -- the version that superseded a skipped task
        skipped_for     bigint,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        finished_at     timestamptz,
        FOREIGN KEY (group_id, connection_id) REFERENCES replica_group_member (group_id, connection_id) ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX sync_task_open_idx ON sync_task (group_id, connection_id, key_digest) WHERE status IN ('pending', 'running')`);
    await db.query(`CREATE INDEX sync_task_status_idx ON sync_task (status, group_id, created_at)`);
    await db.query(`
      CREATE TABLE group_member_key (
        group_id          uuid NOT NULL,
        connection_id     uuid NOT NULL,
        key_digest        text NOT NULL,
        -- the newest write the member holds (0: none yet); a delete is held as a tombstone
        applied_version   bigint NOT NULL DEFAULT 0,
        deleted           boolean NOT NULL DEFAULT false,
        updated_at        timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, connection_id, key_digest),
        FOREIGN KEY (group_id, connection_id) REFERENCES replica_group_member (group_id, connection_id) ON DELETE CASCADE
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE group_member_key`);
    await db.query(`DROP TABLE sync_task`);
    await db.query(`DROP TABLE group_write`);
    await db.query(`DROP TABLE replica_group_member`);
    await db.query(`DROP TABLE replica_group`);
  }
}
