import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sync jobs and their runs. A run is split into tables and key-range chunks; every unit of
 * work is a row here before it is a queue job (ARCHITECTURE.md, principle 1).
 */
export class SyncJobs1763890000000 implements MigrationInterface {
  name = 'SyncJobs1763890000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE sync_job (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name             text NOT NULL,
        source_id        uuid NOT NULL REFERENCES connection (id) ON DELETE RESTRICT,
        target_id        uuid NOT NULL REFERENCES connection (id) ON DELETE RESTRICT,
        -- [{source, target?, where?, keyColumns?, incrementalColumn?, columns?}]
        tables           jsonb NOT NULL,
        mode             text NOT NULL CHECK (mode IN ('full', 'incremental')),
        write_mode       text NOT NULL CHECK (write_mode IN ('insert', 'upsert', 'replace')),
        create_tables    boolean NOT NULL DEFAULT true,
        evolve_schema    boolean NOT NULL DEFAULT true,
        delete_missing   boolean NOT NULL DEFAULT false,
        schedule         text,
        schedule_tz      text,
        enabled          boolean NOT NULL DEFAULT true,
        batch_size       integer NOT NULL DEFAULT 5000 CHECK (batch_size BETWEEN 1 AND 100000),
        chunk_rows       integer NOT NULL DEFAULT 200000 CHECK (chunk_rows BETWEEN 100 AND 100000000),
        max_rejects      integer NOT NULL DEFAULT 0 CHECK (max_rejects >= 0),
        lookback_seconds integer NOT NULL DEFAULT 0 CHECK (lookback_seconds >= 0),
        created_by       uuid REFERENCES app_user (id) ON DELETE SET NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX sync_job_name_key ON sync_job (lower(name))`);
    await db.query(`CREATE INDEX sync_job_source_idx ON sync_job (source_id)`);
    await db.query(`CREATE INDEX sync_job_target_idx ON sync_job (target_id)`);

    await db.query(`
      CREATE TABLE run (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        job_id           uuid NOT NULL REFERENCES sync_job (id) ON DELETE CASCADE,
        status           text NOT NULL DEFAULT 'queued'
                         CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        trigger          text NOT NULL CHECK (trigger IN ('manual', 'schedule', 'recovery')),
        requested_by     uuid REFERENCES app_user (id) ON DELETE SET NULL,
        queued_at        timestamptz NOT NULL DEFAULT now(),
        started_at       timestamptz,
        finished_at      timestamptz,
        rows_read        bigint NOT NULL DEFAULT 0,
        rows_written     bigint NOT NULL DEFAULT 0,
        rejects          bigint NOT NULL DEFAULT 0,
        cancel_requested boolean NOT NULL DEFAULT false,
        error            text
      )`);
    // At most one active run per job, whatever the number of API replicas triggering it.
    await db.query(`CREATE UNIQUE INDEX run_one_active_per_job ON run (job_id) WHERE status IN ('queued', 'running')`);
    await db.query(`CREATE INDEX run_job_queued_idx ON run (job_id, queued_at DESC)`);
    await db.query(`CREATE INDEX run_unfinished_idx ON run (status) WHERE status IN ('queued', 'running')`);

    await db.query(`
      CREATE TABLE run_table (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_id        uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        ordinal       integer NOT NULL,
        -- which entry of sync_job.tables this table came from (a pattern yields several)
        spec_index    integer NOT NULL,
        source_schema text NOT NULL,
        source_name   text NOT NULL,
        target_schema text NOT NULL,
        target_name   text NOT NULL,
        -- "schema.table" for people; the columns above are what the worker uses
        source_table  text NOT NULL,
        target_table  text NOT NULL,
        status        text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
        key_columns   text[] NOT NULL DEFAULT '{}',
        -- false for tables without a usable key: copied whole through a staging table
        resumable     boolean NOT NULL DEFAULT true,
        rows_read     bigint NOT NULL DEFAULT 0,
        rows_written  bigint NOT NULL DEFAULT 0,
        chunks_total  integer NOT NULL DEFAULT 0,
        chunks_done   integer NOT NULL DEFAULT 0,
        ddl           text[] NOT NULL DEFAULT '{}',
        -- documented lossy mappings and value warnings, reported in the run
        losses        jsonb NOT NULL DEFAULT '[]',
        warnings      jsonb NOT NULL DEFAULT '[]',
        error         text,
        UNIQUE (run_id, ordinal)
      )`);

    await db.query(`
      CREATE TABLE run_chunk (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_table_id  uuid NOT NULL REFERENCES run_table (id) ON DELETE CASCADE,
        ordinal       integer NOT NULL,
        -- key bounds in the lossless JSON encoding of @dbferry/engine (lower exclusive, upper inclusive)
        lower_key     jsonb,
        upper_key     jsonb,
        status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
        attempts      integer NOT NULL DEFAULT 0,
        -- a worker may checkpoint only while it holds the current lease token
        lease_token   uuid,
        leased_until  timestamptz,
        rows_read     bigint NOT NULL DEFAULT 0,
        rows_written  bigint NOT NULL DEFAULT 0,
        started_at    timestamptz,
        finished_at   timestamptz,
        error         text,
        UNIQUE (run_table_id, ordinal)
      )`);
    await db.query(`CREATE INDEX run_chunk_unfinished_idx ON run_chunk (run_table_id) WHERE status <> 'done'`);

    await db.query(`
      CREATE TABLE run_log (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id      uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        at          timestamptz NOT NULL DEFAULT now(),
        level       text NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
        table_name  text,
        message     text NOT NULL
      )`);
    await db.query(`CREATE INDEX run_log_run_idx ON run_log (run_id, id)`);

    await db.query(`
      CREATE TABLE run_reject (
        id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id        uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        run_table_id  uuid NOT NULL REFERENCES run_table (id) ON DELETE CASCADE,
        key           jsonb NOT NULL,
        column_name   text,
        error         text NOT NULL,
        at            timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX run_reject_run_idx ON run_reject (run_id)`);

    await db.query(`
      CREATE TABLE sync_watermark (
        job_id        uuid NOT NULL REFERENCES sync_job (id) ON DELETE CASCADE,
        source_table  text NOT NULL,
        -- (incrementalColumn value, key) of the last row committed, lossless JSON, zone-free text
        column_value  jsonb NOT NULL,
        key_value     jsonb NOT NULL,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (job_id, source_table)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['sync_watermark', 'run_reject', 'run_log', 'run_chunk', 'run_table', 'run', 'sync_job']) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
