import type { DataSource } from 'typeorm';

export type FullSyncStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type FullSyncTrigger = 'manual' | 'schedule';

export interface FullSyncRecord {
  id: string;
  sourceId: string;
  source: string;
  status: FullSyncStatus;
  trigger: FullSyncTrigger;
  deleteMissing: boolean;
  snapshotAt: Date | null;
  pages: number;
  entities: number;
  applied: number;
  skipped: number;
  failed: number;
  deleted: number;
  error: string | null;
  requestedBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface FullSyncLogRecord {
  id: string;
  at: Date;
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** How the run's own inbox events stand (received: not applied yet). */
export interface FullSyncProgress {
  received: number;
  applied: number;
  skipped: number;
  failed: number;
  deleted: number;
}

type Row = Record<string, unknown>;

/** The event id prefix of a run's inbox events: `full-sync:<run>:`. */
export const fullSyncEventPrefix = (runId: string) => `full-sync:${runId}:`;
/** The sealed full-sync headers' associated data (as the API seals them, see EventsService). */
export const fullSyncHeadersAad = (sourceId: string) => `event-source:${sourceId}:full-sync-headers`;

const returned = (result: unknown): Row[] =>
  Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? (result[0] as Row[]) : (result as Row[]);

const COLUMNS = `f.id, f.source_id, s.name AS source, f.status, f.trigger, f.delete_missing, f.snapshot_at, f.pages, f.entities, f.applied, f.skipped, f.failed, f.deleted,
  f.error, f.requested_by, f.created_at, f.started_at, f.finished_at`;

const toRecord = (r: Row): FullSyncRecord => ({
  id: r.id as string,
  sourceId: r.source_id as string,
  source: r.source as string,
  status: r.status as FullSyncStatus,
  trigger: r.trigger as FullSyncTrigger,
  deleteMissing: Boolean(r.delete_missing),
  snapshotAt: (r.snapshot_at as Date) ?? null,
  pages: r.pages as number,
  entities: r.entities as number,
  applied: r.applied as number,
  skipped: r.skipped as number,
  failed: r.failed as number,
  deleted: r.deleted as number,
  error: (r.error as string) ?? null,
  requestedBy: (r.requested_by as string) ?? null,
  createdAt: r.created_at as Date,
  startedAt: (r.started_at as Date) ?? null,
  finishedAt: (r.finished_at as Date) ?? null,
});

/**
 * Full-sync runs of event sources (issue 14 item 4): the run row (one active per source, by a
 * partial unique index), its progress and log. The snapshot's entities are not kept here: they
 * are the run's events in the inbox (event id `full-sync:<run>:…`), applied by the drain like any
 * event, so the run's progress is counted from there.
 */
export class FullSyncRepository {
  constructor(private readonly db: DataSource) {}

  /** A queued run, or null when the source has an active one already (coalesced). */
  async queue(input: { sourceId: string; trigger: FullSyncTrigger; deleteMissing: boolean; requestedBy: string | null }): Promise<string | null> {
    const rows = (await this.db.query(
      `INSERT INTO event_full_sync (source_id, trigger, delete_missing, requested_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (source_id) WHERE status IN ('queued', 'running') DO NOTHING RETURNING id`,
      [input.sourceId, input.trigger, input.deleteMissing, input.requestedBy],
    )) as Row[];
    return rows[0] ? (rows[0].id as string) : null;
  }

  /** The source's active run, if any. */
  async active(sourceId: string): Promise<string | null> {
    const rows = (await this.db.query(`SELECT id FROM event_full_sync WHERE source_id = $1 AND status IN ('queued', 'running')`, [sourceId])) as Row[];
    return rows[0] ? (rows[0].id as string) : null;
  }

  async get(id: string): Promise<FullSyncRecord | null> {
    const rows = (await this.db.query(`SELECT ${COLUMNS} FROM event_full_sync f JOIN event_source s ON s.id = f.source_id WHERE f.id = $1`, [id])) as Row[];
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(filter: { sourceId?: string; limit: number; offset: number }): Promise<{ items: FullSyncRecord[]; total: number }> {
    const total = Number(((await this.db.query(`SELECT count(*) AS n FROM event_full_sync WHERE ($1::uuid IS NULL OR source_id = $1)`, [filter.sourceId ?? null])) as Row[])[0].n);
    const rows = (await this.db.query(
      `SELECT ${COLUMNS} FROM event_full_sync f JOIN event_source s ON s.id = f.source_id WHERE ($1::uuid IS NULL OR f.source_id = $1) ORDER BY f.created_at DESC LIMIT $2 OFFSET $3`,
      [filter.sourceId ?? null, filter.limit, filter.offset],
    )) as Row[];
    return { items: rows.map(toRecord), total };
  }

  async logs(id: string, limit = 500): Promise<FullSyncLogRecord[]> {
    const rows = (await this.db.query(`SELECT id::text, at, level, message FROM event_full_sync_log WHERE run_id = $1 ORDER BY id LIMIT $2`, [id, limit])) as Row[];
    return rows.map((r) => ({ id: r.id as string, at: r.at as Date, level: r.level as FullSyncLogRecord['level'], message: r.message as string }));
  }

  async log(id: string, level: FullSyncLogRecord['level'], message: string): Promise<void> {
    await this.db.query(`INSERT INTO event_full_sync_log (run_id, level, message) VALUES ($1, $2, $3)`, [id, level, message.slice(0, 4000)]);
  }

  /**
   * Marks the run running (again, after a worker died: its snapshot instant is kept, so snapshot
   * rows stored before keep their order). Null when the run is settled or gone.
   */
  async claim(id: string): Promise<FullSyncRecord | null> {
    const rows = returned(await this.db.query(
      `UPDATE event_full_sync SET status = 'running', started_at = COALESCE(started_at, now()), snapshot_at = COALESCE(snapshot_at, now())
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [id],
    ));
    return rows.length ? this.get(id) : null;
  }

  async pageDone(id: string, entities: number): Promise<void> {
    await this.db.query(`UPDATE event_full_sync SET pages = pages + 1, entities = entities + $2 WHERE id = $1`, [id, entities]);
  }

  /** Restarts the page counters (a resumed run pulls the snapshot again from its first page). */
  async resetPages(id: string): Promise<void> {
    await this.db.query(`UPDATE event_full_sync SET pages = 0, entities = 0 WHERE id = $1`, [id]);
  }

  /** Counts the run's events per outcome in the inbox and stores them on the run. */
  async progress(id: string, sourceId: string): Promise<FullSyncProgress> {
    const rows = (await this.db.query(
      `SELECT count(*) FILTER (WHERE status = 'received')::int AS received,
              count(*) FILTER (WHERE status = 'applied' AND event_type <> 'DELETED')::int AS applied,
              count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
              count(*) FILTER (WHERE status = 'failed')::int AS failed,
              count(*) FILTER (WHERE status = 'applied' AND event_type = 'DELETED')::int AS deleted
         FROM event_inbox WHERE source_id = $1 AND event_id LIKE $2`,
      [sourceId, `${fullSyncEventPrefix(id)}%`],
    )) as Row[];
    const p = rows[0] as unknown as FullSyncProgress;
    await this.db.query(`UPDATE event_full_sync SET applied = $2, skipped = $3, failed = $4, deleted = $5 WHERE id = $1`, [id, p.applied, p.skipped, p.failed, p.deleted]);
    return p;
  }

  /** The entity ids of one entity type the run's snapshot held. */
  async snapshotIds(id: string, sourceId: string, entityType: string): Promise<Set<string>> {
    const rows = (await this.db.query(
      `SELECT entity_id FROM event_inbox WHERE source_id = $1 AND event_id LIKE $2 AND entity_type = $3 AND event_type <> 'DELETED'`,
      [sourceId, `${fullSyncEventPrefix(id)}%`, entityType],
    )) as Row[];
    return new Set(rows.map((r) => r.entity_id as string));
  }

  /**
   * Of the candidate entity ids (target rows the snapshot does not have), those that no event
   * touched since the snapshot started: none applied to them after `since`, none received after
   * it and still waiting. Each comes with the order the target holds (null: no event applied yet).
   */
  async untouchedSince(sourceId: string, entityType: string, ids: string[], since: Date): Promise<{ entityId: string; ord: string | null }[]> {
    if (!ids.length) return [];
    const rows = (await this.db.query(
      `SELECT c.id AS entity_id, p.ord::text AS ord
         FROM unnest($3::text[]) AS c(id)
         LEFT JOIN event_entity p ON p.source_id = $1 AND p.entity_type = $2 AND p.entity_id = c.id
        WHERE (p.entity_id IS NULL OR (p.updated_at < $4 AND NOT p.deleted))
          AND NOT EXISTS (SELECT 1 FROM event_inbox i WHERE i.source_id = $1 AND i.entity_type = $2 AND i.entity_id = c.id
                          AND i.received_at >= $4 AND i.status = 'received' AND i.event_id NOT LIKE 'full-sync:%')`,
      [sourceId, entityType, ids, since],
    )) as Row[];
    return rows.map((r) => ({ entityId: r.entity_id as string, ord: (r.ord as string) ?? null }));
  }

  async finish(id: string, status: 'succeeded' | 'failed', error: string | null): Promise<void> {
    await this.db.query(`UPDATE event_full_sync SET status = $2, error = $3, finished_at = now() WHERE id = $1 AND status IN ('queued', 'running')`, [id, status, error?.slice(0, 2000) ?? null]);
  }

  /** Active runs queued more than `graceSeconds` ago (the full-sync reconciler compares them with Redis). */
  async activeOlderThan(graceSeconds: number): Promise<{ id: string; status: 'queued' | 'running' }[]> {
    return (await this.db.query(
      `SELECT id, status FROM event_full_sync WHERE status IN ('queued', 'running') AND created_at < now() - make_interval(secs => $1) ORDER BY created_at`,
      [graceSeconds],
    )) as { id: string; status: 'queued' | 'running' }[];
  }

  /** How many of the run's log lines start with `prefix`. */
  async countLog(id: string, prefix: string): Promise<number> {
    const rows = (await this.db.query(`SELECT count(*)::int AS n FROM event_full_sync_log WHERE run_id = $1 AND left(message, length($2)) = $2`, [id, prefix])) as Row[];
    return rows[0].n as number;
  }

  /** Sources with a full-sync schedule (the API keeps one BullMQ job scheduler per source). */
  async scheduled(): Promise<{ sourceId: string; schedule: string }[]> {
    const rows = (await this.db.query(`SELECT id, full_sync->>'schedule' AS schedule FROM event_source WHERE full_sync IS NOT NULL AND COALESCE(full_sync->>'schedule', '') <> ''`)) as Row[];
    return rows.map((r) => ({ sourceId: r.id as string, schedule: r.schedule as string }));
  }
}
