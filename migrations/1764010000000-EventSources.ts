import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Upstream events (issue 14): an event source (its signing secret sealed, a previous secret kept
 * during rotation, its mappings from entity type to a target table), the inbox every signed
 * delivery lands in before it is answered 202 (unique per source and event id, so a redelivery is
 * a duplicate, never a second row), and per entity the position the target holds (a delete is a
 * tombstone there), so an event older than what was applied is skipped and a late UPDATED never
 * brings a deleted row back. Workers drain the inbox with FOR UPDATE SKIP LOCKED: Redis is not on
 * this path at all.
 */
export class EventSources1764010000000 implements MigrationInterface {
  name = 'EventSources1764010000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE event_source (
        id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name                    text NOT NULL UNIQUE,
        secret_key_id           text NOT NULL,
        secret_ciphertext       bytea NOT NULL,
        -- the secret before the last rotation, still accepted until cleared
        previous_key_id         text,
        previous_ciphertext     bytea,
        -- [{entityType, connectionId, table:{schema,name}, keyColumn, versionColumn, fields:{column: path}, columns: NeutralColumn[]}]
        mappings                jsonb NOT NULL,
        -- {url, schedule} or null; its headers sealed beside it
        full_sync               jsonb,
        headers_key_id          text,
        headers_ciphertext      bytea,
        created_by              uuid REFERENCES app_user (id) ON DELETE SET NULL,
        created_at              timestamptz NOT NULL DEFAULT now(),
        updated_at              timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE event_inbox (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        source_id       uuid NOT NULL REFERENCES event_source (id) ON DELETE CASCADE,
        event_id        text NOT NULL,
        event_type      text NOT NULL CHECK (event_type IN ('CREATED', 'UPDATED', 'DELETED')),
        entity_type     text NOT NULL,
        entity_id       text NOT NULL,
        version         bigint,
        event_ts        timestamptz NOT NULL,
        -- the order within the entity: the version, else the timestamp in epoch milliseconds
        ord             numeric NOT NULL,
        payload         jsonb,
        status          text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'applied', 'skipped', 'failed')),
        attempts        integer NOT NULL DEFAULT 0,
        error           text,
        -- why a skipped event was not applied
        reason          text,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        received_at     timestamptz NOT NULL DEFAULT now(),
        settled_at      timestamptz,
        UNIQUE (source_id, event_id)
      )`);
    await db.query(`CREATE INDEX event_inbox_due_idx ON event_inbox (next_attempt_at, id) WHERE status = 'received'`);
    await db.query(`CREATE INDEX event_inbox_list_idx ON event_inbox (source_id, status, id DESC)`);
    await db.query(`CREATE INDEX event_inbox_status_idx ON event_inbox (status, id DESC)`);
    await db.query(`
      CREATE TABLE event_entity (
        source_id       uuid NOT NULL REFERENCES event_source (id) ON DELETE CASCADE,
        entity_type     text NOT NULL,
        entity_id       text NOT NULL,
        -- the order of the newest event applied (null: none yet)
        ord             numeric,
        deleted         boolean NOT NULL DEFAULT false,
        -- the inbox row last applied
        event_row       bigint,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source_id, entity_type, entity_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE event_entity');
    await db.query('DROP TABLE event_inbox');
    await db.query('DROP TABLE event_source');
  }
}
