import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Full syncs of an event source (issue 14 item 4): a run that pulls the upstream snapshot over
 * HTTP, stores every entity in the inbox as an event of the run (event id `full-sync:<run>:…`, so
 * a retried page is a duplicate, never a second row) and lets the drain apply them through the same
 * per-entity position as live events (a snapshot row older than what the target holds is skipped);
 * with deleteMissing, target rows whose key the snapshot no longer has are deleted unless an event
 * was applied to them after the snapshot started. Progress and logs are on the run.
 */
export class EventFullSync1764030000000 implements MigrationInterface {
  name = 'EventFullSync1764030000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE event_full_sync (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        source_id        uuid NOT NULL REFERENCES event_source (id) ON DELETE CASCADE,
        status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        trigger          text NOT NULL CHECK (trigger IN ('manual', 'schedule')),
        delete_missing   boolean NOT NULL DEFAULT false,
        -- when the first page was asked for: snapshot rows without a version are ordered at this instant
        snapshot_at      timestamptz,
        pages            integer NOT NULL DEFAULT 0,
        entities         integer NOT NULL DEFAULT 0,
        applied          integer NOT NULL DEFAULT 0,
        skipped          integer NOT NULL DEFAULT 0,
        failed           integer NOT NULL DEFAULT 0,
        deleted          integer NOT NULL DEFAULT 0,
        error            text,
        requested_by     uuid REFERENCES app_user (id) ON DELETE SET NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        started_at       timestamptz,
        finished_at      timestamptz
      )`);
    await db.query(`CREATE INDEX event_full_sync_source_idx ON event_full_sync (source_id, created_at DESC)`);
    // One active full sync per source: a schedule tick or a second POST while one runs is coalesced.
    await db.query(`CREATE UNIQUE INDEX event_full_sync_active_idx ON event_full_sync (source_id) WHERE status IN ('queued', 'running')`);
    await db.query(`
      CREATE TABLE event_full_sync_log (
        id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id    uuid NOT NULL REFERENCES event_full_sync (id) ON DELETE CASCADE,
        at        timestamptz NOT NULL DEFAULT now(),
        level     text NOT NULL CHECK (level IN ('info', 'warn', 'error')),
        message   text NOT NULL
      )`);
    await db.query(`CREATE INDEX event_full_sync_log_run_idx ON event_full_sync_log (run_id, id)`);
    // The run's own events, found by event id prefix (progress, and the keys the snapshot holds).
    await db.query(`CREATE INDEX event_inbox_full_sync_idx ON event_inbox (source_id, event_id text_pattern_ops) WHERE event_id LIKE 'full-sync:%'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX event_inbox_full_sync_idx');
    await db.query('DROP TABLE event_full_sync_log');
    await db.query('DROP TABLE event_full_sync');
  }
}
