import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Repairs (issue 12, item 3): a plan of upserts and deletes per target, decided by a rule from a
 * diff's differing keys (or a key list), stored in segments before anything is written so that
 * `apply` runs it as planned. Each segment is one target transaction: its still-needed actions
 * are staged here first, written to the target, then marked done, so a SIGKILLed worker resumes
 * the segment with the same actions and the same counts.
 */
export class Repairs1763990000000 implements MigrationInterface {
  name = 'Repairs1763990000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE repair (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status          text NOT NULL DEFAULT 'running' CHECK (status IN ('planned', 'running', 'succeeded', 'failed')),
        -- what 'running' is doing: deciding the plan, or writing it
        phase           text NOT NULL DEFAULT 'plan' CHECK (phase IN ('plan', 'apply')),
        dry_run         boolean NOT NULL DEFAULT false,
        diff_id         uuid REFERENCES diff (id) ON DELETE SET NULL,
        diff_table_id   uuid REFERENCES diff_table (id) ON DELETE SET NULL,
        -- {kind: source, connectionId} | {kind: newest, column} | {kind: majority}
        rule            jsonb NOT NULL,
        source_id       uuid,
        target_ids      uuid[] NOT NULL,
        delete_extra    boolean NOT NULL DEFAULT false,
        -- "schema.table" on the reference (or the source of a key-list repair)
        "table"         text,
        -- a key-list repair's keys (EncodedValue[][] of @dbferry/engine's key codec) and key columns
        keys            jsonb,
        key_columns     text[],
        -- the RepairSnapshot of @dbferry/engine every segment is applied with
        snapshot        jsonb,
        keys_planned    integer NOT NULL DEFAULT 0,
        applies         integer NOT NULL DEFAULT 0,
        created_by      uuid REFERENCES app_user (id) ON DELETE SET NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        planned_at      timestamptz,
        started_at      timestamptz,
        finished_at     timestamptz,
        verify_diff_id  uuid REFERENCES diff (id) ON DELETE SET NULL,
        verify_clean    boolean,
        error           text
      )`);
    await db.query(`CREATE INDEX repair_created_idx ON repair (created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX repair_unfinished_idx ON repair (status) WHERE status = 'running'`);

    await db.query(`
      CREATE TABLE repair_target (
        repair_id      uuid NOT NULL REFERENCES repair (id) ON DELETE CASCADE,
        connection_id  uuid NOT NULL,
        -- the plan
        upserts        integer NOT NULL DEFAULT 0,
        deletes        integer NOT NULL DEFAULT 0,
        -- keys no rule settled (a majority tie) and segments that failed
        unresolved     integer NOT NULL DEFAULT 0,
        errors         integer NOT NULL DEFAULT 0,
        -- rows the latest apply changed
        upserted       integer NOT NULL DEFAULT 0,
        deleted        integer NOT NULL DEFAULT 0,
        PRIMARY KEY (repair_id, connection_id)
      )`);

    await db.query(`
      CREATE TABLE repair_segment (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        repair_id      uuid NOT NULL REFERENCES repair (id) ON DELETE CASCADE,
        connection_id  uuid NOT NULL,
        ordinal        integer NOT NULL,
        kind           text NOT NULL CHECK (kind IN ('upsert', 'delete')),
        -- RepairAction[] as planned
        actions        jsonb NOT NULL,
        status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'staged', 'done')),
        -- the planned actions still needed when this apply reached the segment (written, then 'done')
        staged         jsonb,
        applied        integer NOT NULL DEFAULT 0,
        finished_at    timestamptz,
        UNIQUE (repair_id, connection_id, ordinal)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['repair_segment', 'repair_target', 'repair']) await db.query(`DROP TABLE ${table}`);
  }
}
