import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Diffs (issue 12): a reference connection compared with others, per table, in key-range
 * segments that are queue jobs. Every segment and every differing key is a row here before or
 * as it is settled, so a killed worker or a flushed Redis resumes the diff instead of restarting it.
 * Connection ids carry no foreign key: a diff's history outlives a deleted connection, and a
 * diff naming a connection gone by plan time fails that table, not the worker.
 */
export class Diffs1763980000000 implements MigrationInterface {
  name = 'Diffs1763980000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE diff (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status           text NOT NULL DEFAULT 'queued'
                         CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        -- why the diff exists: asked for by a user, a repair's re-verify, a verified run
        trigger          text NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual', 'repair', 'run')),
        reference_id     uuid NOT NULL,
        other_ids        uuid[] NOT NULL,
        -- the POST body's tables: [{reference, others?, keyColumns?, columns?, where?}]
        request          jsonb NOT NULL,
        -- {bisectionFactor?, bisectionThreshold?}
        options          jsonb NOT NULL DEFAULT '{}',
        created_by       uuid REFERENCES app_user (id) ON DELETE SET NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        started_at       timestamptz,
        finished_at      timestamptz,
        cancel_requested boolean NOT NULL DEFAULT false,
        error            text
      )`);
    await db.query(`CREATE INDEX diff_created_idx ON diff (created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX diff_unfinished_idx ON diff (status) WHERE status IN ('queued', 'running')`);

    await db.query(`
      CREATE TABLE diff_table (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        diff_id          uuid NOT NULL REFERENCES diff (id) ON DELETE CASCADE,
        position         integer NOT NULL,
        -- which entry of diff.request this table came from (a pattern yields several)
        spec_index       integer NOT NULL,
        -- "schema.table" on the reference, and {connId: "schema.table"} on the others
        reference_table  text NOT NULL,
        other_tables     jsonb NOT NULL,
        status           text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
        -- the DiffSnapshot of @dbferry/engine every segment executes; null when planning failed
        snapshot         jsonb,
        rows_compared    bigint NOT NULL DEFAULT 0,
        segments_total   integer NOT NULL DEFAULT 0,
        segments_done    integer NOT NULL DEFAULT 0,
        -- {connId: n}, settled by finish-diff from diff_row
        missing          jsonb NOT NULL DEFAULT '{}',
        extra            jsonb NOT NULL DEFAULT '{}',
        different        jsonb NOT NULL DEFAULT '{}',
        -- {connId: [column]}: the columns that differ on at least one row
        columns          jsonb NOT NULL DEFAULT '{}',
        -- [{connectionId, column, note}]: where a column pair cannot be compared exactly
        notes            jsonb NOT NULL DEFAULT '[]',
        -- [{key, kind, connectionId, columns, values: {connId: row | null}}]
        samples          jsonb NOT NULL DEFAULT '[]',
        started_at       timestamptz,
        finished_at      timestamptz,
        error            text,
        UNIQUE (diff_id, position)
      )`);

    await db.query(`
      CREATE TABLE diff_segment (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        diff_table_id  uuid NOT NULL REFERENCES diff_table (id) ON DELETE CASCADE,
        -- the segment that split into this one (null for a table's initial segment)
        parent_id      uuid REFERENCES diff_segment (id) ON DELETE CASCADE,
        ordinal        integer NOT NULL,
        -- the DiffSegment of @dbferry/engine: key bounds in the lossless codec, others, depth
        segment        jsonb NOT NULL,
        depth          integer NOT NULL DEFAULT 0,
        status         text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'running', 'done', 'split', 'failed', 'cancelled')),
        attempts       integer NOT NULL DEFAULT 0,
        rows_compared  bigint NOT NULL DEFAULT 0,
        missing        integer NOT NULL DEFAULT 0,
        extra          integer NOT NULL DEFAULT 0,
        different      integer NOT NULL DEFAULT 0,
        started_at     timestamptz,
        finished_at    timestamptz,
        error          text
      )`);
    // One child per (parent, ordinal): a split stored twice cannot double the work.
    await db.query(`CREATE UNIQUE INDEX diff_segment_child_key ON diff_segment (diff_table_id, parent_id, ordinal) NULLS NOT DISTINCT`);
    await db.query(`CREATE INDEX diff_segment_unfinished_idx ON diff_segment (diff_table_id) WHERE status IN ('pending', 'running')`);

    await db.query(`
      CREATE TABLE diff_row (
        id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        diff_table_id  uuid NOT NULL REFERENCES diff_table (id) ON DELETE CASCADE,
        connection_id  uuid NOT NULL,
        kind           text NOT NULL CHECK (kind IN ('missing', 'extra', 'different')),
        -- the key's values in the lossless JSON of @dbferry/engine's key codec (EncodedValue[])
        key            jsonb NOT NULL,
        -- for 'different': the columns whose values differ
        columns        text[] NOT NULL DEFAULT '{}',
        segment_id     uuid,
        -- a key of any length stays indexable: the unique check is on its digest
        key_hash       bytea GENERATED ALWAYS AS (decode(md5(key::text), 'hex')) STORED
      )`);
    // A re-run segment writes the same keys again: they do not double.
    await db.query(`CREATE UNIQUE INDEX diff_row_key ON diff_row (diff_table_id, connection_id, key_hash)`);
    await db.query(`CREATE INDEX diff_row_page_idx ON diff_row (diff_table_id, connection_id, kind, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['diff_row', 'diff_segment', 'diff_table', 'diff']) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
