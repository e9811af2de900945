import type { DataSource, EntityManager } from 'typeorm';

/** The associated data each sealed secret of an event source is bound to. */
export const eventSourceSecretAad = (id: string) => `event-source:${id}:secret`;
export const eventSourcePreviousSecretAad = (id: string) => `event-source:${id}:previous-secret`;
export const eventSourceHeadersAad = (id: string) => `event-source:${id}:full-sync-headers`;

export type EventStatus = 'received' | 'applied' | 'skipped' | 'failed';
export const EVENT_STATUSES: readonly EventStatus[] = ['received', 'applied', 'skipped', 'failed'];

/** A mapping as stored: @dbferry/engine's EventMapping (its columns are NeutralColumn[]). */
export interface EventMappingRecord {
  entityType: string;
  connectionId: string;
  table: { schema: string; name: string };
  keyColumn: string;
  versionColumn: string | null;
  fields: Record<string, string>;
  columns: unknown[];
}

export interface SealedRecord {
  keyId: string;
  ciphertext: Buffer;
}

export interface EventSourceRecord {
  id: string;
  name: string;
  mappings: EventMappingRecord[];
  fullSync: { url: string; schedule: string | null; deleteMissing: boolean; hasHeaders: boolean } | null;
  hasPreviousSecret: boolean;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A source with its sealed secrets, for the ingress (never leaves the API process). */
export interface EventSourceSecrets {
  id: string;
  name: string;
  mappings: EventMappingRecord[];
  secret: SealedRecord;
  previous: SealedRecord | null;
}

export interface NewEventSource {
  id: string;
  name: string;
  secret: SealedRecord;
  mappings: EventMappingRecord[];
  fullSync: { url: string; schedule: string | null; deleteMissing?: boolean } | null;
  headers: SealedRecord | null;
  createdBy: string | null;
}

export interface EventSourceChange {
  name?: string;
  /** A new secret (the caller seals the current one again as `previous` to keep accepting it). */
  secret?: SealedRecord;
  /** Set explicitly (a previous secret given), or null to stop accepting the previous one. */
  previous?: SealedRecord | null;
  mappings?: EventMappingRecord[];
  fullSync?: { url: string; schedule: string | null; deleteMissing?: boolean } | null;
  headers?: SealedRecord | null;
}

/** An event as stored by the ingress. */
export interface NewInboxEvent {
  eventId: string;
  eventType: string;
  entityType: string;
  entityId: string;
  version: string | null;
  timestamp: Date;
  ord: string;
  payload: Record<string, unknown> | null;
}

export interface InboxEventRecord {
  id: string;
  sourceId: string;
  source: string;
  eventId: string;
  eventType: 'CREATED' | 'UPDATED' | 'DELETED';
  entityType: string;
  entityId: string;
  version: string | null;
  timestamp: Date;
  ord: string;
  payload: Record<string, unknown> | null;
  status: EventStatus;
  attempts: number;
  error: string | null;
  reason: string | null;
  nextAttemptAt: Date;
  receivedAt: Date;
  settledAt: Date | null;
}

export interface InboxFilter {
  sourceId?: string;
  status?: EventStatus;
  entityType?: string;
  entityId?: string;
  limit: number;
  offset: number;
}

/** An event as the drain claims it: what applying it needs, nothing more. */
export interface ClaimedEvent {
  id: string;
  sourceId: string;
  eventType: 'CREATED' | 'UPDATED' | 'DELETED';
  entityType: string;
  entityId: string;
  ord: string;
  payload: Record<string, unknown> | null;
  attempts: number;
}

/** What applying one event came to. */
export type EventOutcome =
  | { status: 'applied'; position: { ord: string; deleted: boolean } }
  | { status: 'skipped'; reason: string }
  | { status: 'error'; error: string; retryable: boolean };

export interface DrainOptions {
  limit: number;
  maxAttempts: number;
  /** Delay before the attempt after `attempts` failed ones. */
  backoffMs: (attempts: number) => number;
}

const SOURCE_COLUMNS = `id, name, mappings, full_sync, headers_key_id IS NOT NULL AS has_headers, previous_key_id IS NOT NULL AS has_previous, created_by, created_at, updated_at`;
const INBOX_COLUMNS = `i.id::text, i.source_id, s.name AS source, i.event_id, i.event_type, i.entity_type, i.entity_id, i.version::text, i.event_ts, i.ord::text,
  i.payload, i.status, i.attempts, i.error, i.reason, i.next_attempt_at, i.received_at, i.settled_at`;

type Row = Record<string, unknown>;

/** The rows of an UPDATE/DELETE … RETURNING: TypeORM answers those as [rows, affected]. */
const returned = (result: unknown): Row[] =>
  Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? (result[0] as Row[]) : (result as Row[]);

const toSource = (r: Row): EventSourceRecord => {
  const full = r.full_sync as { url: string; schedule: string | null; deleteMissing?: boolean } | null;
  return {
    id: r.id as string,
    name: r.name as string,
    mappings: r.mappings as EventMappingRecord[],
    fullSync: full ? { url: full.url, schedule: full.schedule ?? null, deleteMissing: full.deleteMissing === true, hasHeaders: Boolean(r.has_headers) } : null,
    hasPreviousSecret: Boolean(r.has_previous),
    createdBy: (r.created_by as string) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
};

const toInbox = (r: Row): InboxEventRecord => ({
  id: r.id as string,
  sourceId: r.source_id as string,
  source: r.source as string,
  eventId: r.event_id as string,
  eventType: r.event_type as InboxEventRecord['eventType'],
  entityType: r.entity_type as string,
  entityId: r.entity_id as string,
  version: (r.version as string) ?? null,
  timestamp: r.event_ts as Date,
  ord: r.ord as string,
  payload: (r.payload as Record<string, unknown>) ?? null,
  status: r.status as EventStatus,
  attempts: r.attempts as number,
  error: (r.error as string) ?? null,
  reason: (r.reason as string) ?? null,
  nextAttemptAt: r.next_attempt_at as Date,
  receivedAt: r.received_at as Date,
  settledAt: (r.settled_at as Date) ?? null,
});

/**
 * The owner of upstream-event state (issue 14): event sources (secrets sealed by the caller), the
 * inbox and per entity the position its target holds. The ingress stores a delivery in one INSERT
 * … ON CONFLICT DO NOTHING (a redelivered event id is a duplicate, counted, never stored twice);
 * workers drain the inbox with FOR UPDATE SKIP LOCKED, each entity under its event_entity row lock,
 * and record each event's outcome in the transaction that claimed it: a worker killed mid-batch
 * commits nothing, and the events are claimed again (their target writes are idempotent).
 */
export class EventRepository {
  constructor(private readonly db: DataSource) {}

  async nameTaken(name: string, exceptId?: string): Promise<boolean> {
    const rows = (await this.db.query(`SELECT 1 FROM event_source WHERE name = $1 AND ($2::uuid IS NULL OR id <> $2)`, [name, exceptId ?? null])) as Row[];
    return rows.length > 0;
  }

  async create(source: NewEventSource): Promise<string> {
    await this.db.query(
      `INSERT INTO event_source (id, name, secret_key_id, secret_ciphertext, mappings, full_sync, headers_key_id, headers_ciphertext, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        source.id,
        source.name,
        source.secret.keyId,
        source.secret.ciphertext,
        JSON.stringify(source.mappings),
        source.fullSync ? JSON.stringify(source.fullSync) : null,
        source.headers?.keyId ?? null,
        source.headers?.ciphertext ?? null,
        source.createdBy,
      ],
    );
    return source.id;
  }

  async update(id: string, change: EventSourceChange): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = (await tx.query(`SELECT id FROM event_source WHERE id = $1 FOR UPDATE`, [id])) as Row[];
      if (!rows.length) return false;
      if (change.secret) {
        await tx.query(`UPDATE event_source SET secret_key_id = $2, secret_ciphertext = $3 WHERE id = $1`, [id, change.secret.keyId, change.secret.ciphertext]);
      }
      if (change.previous !== undefined) await tx.query(`UPDATE event_source SET previous_key_id = $2, previous_ciphertext = $3 WHERE id = $1`, [id, change.previous?.keyId ?? null, change.previous?.ciphertext ?? null]);
      if (change.name !== undefined) await tx.query(`UPDATE event_source SET name = $2 WHERE id = $1`, [id, change.name]);
      if (change.mappings) await tx.query(`UPDATE event_source SET mappings = $2 WHERE id = $1`, [id, JSON.stringify(change.mappings)]);
      if (change.fullSync !== undefined) await tx.query(`UPDATE event_source SET full_sync = $2 WHERE id = $1`, [id, change.fullSync ? JSON.stringify(change.fullSync) : null]);
      if (change.headers !== undefined) await tx.query(`UPDATE event_source SET headers_key_id = $2, headers_ciphertext = $3 WHERE id = $1`, [id, change.headers?.keyId ?? null, change.headers?.ciphertext ?? null]);
      await tx.query(`UPDATE event_source SET updated_at = now() WHERE id = $1`, [id]);
      return true;
    });
  }

  async remove(id: string): Promise<boolean> {
    const rows = returned(await this.db.query(`DELETE FROM event_source WHERE id = $1 RETURNING id`, [id]));
    return rows.length > 0;
  }

  async get(id: string): Promise<EventSourceRecord | null> {
    const rows = (await this.db.query(`SELECT ${SOURCE_COLUMNS} FROM event_source WHERE id = $1`, [id])) as Row[];
    return rows[0] ? toSource(rows[0]) : null;
  }

  /** A source by id or by name. */
  async find(idOrName: string): Promise<EventSourceRecord | null> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrName);
    const rows = (await this.db.query(`SELECT ${SOURCE_COLUMNS} FROM event_source WHERE id = $2::uuid OR name = $1 ORDER BY (name = $1) DESC LIMIT 1`, [idOrName, isUuid ? idOrName : null])) as Row[];
    return rows[0] ? toSource(rows[0]) : null;
  }

  async list(): Promise<EventSourceRecord[]> {
    return ((await this.db.query(`SELECT ${SOURCE_COLUMNS} FROM event_source ORDER BY name`)) as Row[]).map(toSource);
  }

  /** The source's sealed secrets and mappings, by name (the ingress's path) or id. */
  async secrets(idOrName: string): Promise<EventSourceSecrets | null> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrName);
    const rows = (await this.db.query(
      `SELECT id, name, mappings, secret_key_id, secret_ciphertext, previous_key_id, previous_ciphertext FROM event_source
       WHERE id = $2::uuid OR name = $1 ORDER BY (name = $1) DESC LIMIT 1`,
      [idOrName, isUuid ? idOrName : null],
    )) as Row[];
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id as string,
      name: r.name as string,
      mappings: r.mappings as EventMappingRecord[],
      secret: { keyId: r.secret_key_id as string, ciphertext: r.secret_ciphertext as Buffer },
      previous: r.previous_key_id ? { keyId: r.previous_key_id as string, ciphertext: r.previous_ciphertext as Buffer } : null,
    };
  }

  /** The sealed full-sync headers of a source, or null. */
  async sealedHeaders(id: string): Promise<SealedRecord | null> {
    const rows = (await this.db.query(`SELECT headers_key_id, headers_ciphertext FROM event_source WHERE id = $1`, [id])) as Row[];
    const r = rows[0];
    return r?.headers_key_id ? { keyId: r.headers_key_id as string, ciphertext: r.headers_ciphertext as Buffer } : null;
  }

  /**
   * Stores a delivery's events in one statement; those whose (source, eventId) is there already
   * (a redelivery, or the same id twice in the batch) are duplicates. Durable when it returns.
   */
  async receive(sourceId: string, events: NewInboxEvent[]): Promise<{ accepted: number; duplicates: number }> {
    if (!events.length) return { accepted: 0, duplicates: 0 };
    const rows = (await this.db.query(
      `INSERT INTO event_inbox (source_id, event_id, event_type, entity_type, entity_id, version, event_ts, ord, payload)
       SELECT $1, e.event_id, e.event_type, e.entity_type, e.entity_id, e.version, e.event_ts, e.ord, e.payload
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[], $8::numeric[], $9::jsonb[])
           AS e(event_id, event_type, entity_type, entity_id, version, event_ts, ord, payload)
       ON CONFLICT (source_id, event_id) DO NOTHING
       RETURNING id`,
      [
        sourceId,
        events.map((e) => e.eventId),
        events.map((e) => e.eventType),
        events.map((e) => e.entityType),
        events.map((e) => e.entityId),
        events.map((e) => e.version),
        events.map((e) => e.timestamp.toISOString()),
        events.map((e) => e.ord),
        events.map((e) => (e.payload === null ? null : JSON.stringify(e.payload))),
      ],
    )) as Row[];
    return { accepted: rows.length, duplicates: events.length - rows.length };
  }

  async listEvents(filter: InboxFilter): Promise<{ items: InboxEventRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.sourceId) add('i.source_id = ?', filter.sourceId);
    if (filter.status) add('i.status = ?', filter.status);
    if (filter.entityType) add('i.entity_type = ?', filter.entityType);
    if (filter.entityId) add('i.entity_id = ?', filter.entityId);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number(((await this.db.query(`SELECT count(*) AS n FROM event_inbox i ${clause}`, params)) as Row[])[0].n);
    const rows = (await this.db.query(
      `SELECT ${INBOX_COLUMNS} FROM event_inbox i JOIN event_source s ON s.id = i.source_id ${clause} ORDER BY i.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, filter.limit, filter.offset],
    )) as Row[];
    return { items: rows.map(toInbox), total };
  }

  async event(id: string): Promise<InboxEventRecord | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const rows = (await this.db.query(`SELECT ${INBOX_COLUMNS} FROM event_inbox i JOIN event_source s ON s.id = i.source_id WHERE i.id = $1`, [id])) as Row[];
    return rows[0] ? toInbox(rows[0]) : null;
  }

  /**
   * Puts settled events back to received (attempts reset, due now): those with the given ids, or
   * those of a source, in the given status (default failed). Returns how many were requeued.
   */
  async redrive(filter: { ids?: string[]; sourceId?: string; status?: EventStatus }): Promise<number> {
    const status = filter.status ?? 'failed';
    if (status === 'received') return 0;
    const params: unknown[] = [status];
    const where = ['status = $1'];
    if (filter.ids) {
      params.push(filter.ids);
      where.push(`id = ANY($${params.length}::bigint[])`);
    }
    if (filter.sourceId) {
      params.push(filter.sourceId);
      where.push(`source_id = $${params.length}`);
    }
    const rows = returned(await this.db.query(
      `UPDATE event_inbox SET status = 'received', attempts = 0, next_attempt_at = now(), settled_at = NULL, reason = NULL WHERE ${where.join(' AND ')} RETURNING id`,
      params,
    ));
    // A skipped event redriven is judged again against the entity's position (it is skipped again while older).
    return rows.length;
  }

  /** Counts per status (for metrics and the drain's tests). */
  async counts(sourceId?: string): Promise<Record<EventStatus, number>> {
    const rows = (await this.db.query(`SELECT status, count(*)::int AS n FROM event_inbox WHERE ($1::uuid IS NULL OR source_id = $1) GROUP BY status`, [sourceId ?? null])) as Row[];
    const counts = { received: 0, applied: 0, skipped: 0, failed: 0 };
    for (const r of rows) counts[r.status as EventStatus] = r.n as number;
    return counts;
  }

  /** The mappings of the sources named, for a batch being drained. */
  async mappingsOf(sourceIds: string[]): Promise<Map<string, EventMappingRecord[]>> {
    const rows = (await this.db.query(`SELECT id, mappings FROM event_source WHERE id = ANY($1::uuid[])`, [sourceIds])) as Row[];
    return new Map(rows.map((r) => [r.id as string, r.mappings as EventMappingRecord[]]));
  }

  /**
   * Claims up to `limit` due events (FOR UPDATE SKIP LOCKED, so workers share the inbox), takes
   * each of their entities' position row lock (entities in one sorted order: two workers never
   * deadlock), and calls `apply` once with every entity's events in the entity's order and the
   * position its target holds; records every outcome (by event id) and each entity's new position
   * (its last applied event in order) in this same transaction. Returns how many events were claimed.
   *
   * Every statement reaches its rows through an index, whatever the planner's statistics say (a
   * fresh store has none, and an inbox that keeps its settled events only grows): the claim walks
   * event_inbox_due_idx in its order and stops at `limit` rows, the outcomes and positions are
   * found by key. With a bitmap scan or a hash join instead, each batch read the whole backlog (a
   * sort of every due row) or the whole inbox, so a batch cost grew with the inbox.
   */
  async drain(options: DrainOptions, apply: (entities: { events: ClaimedEvent[]; held: { ord: string; deleted: boolean } | null }[]) => Promise<Map<string, EventOutcome>>): Promise<number> {
    return this.db.transaction(async (tx: EntityManager) => {
      await tx.query(`SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)`);
      const claimed = ((await tx.query(
        `SELECT id::text, source_id, event_type, entity_type, entity_id, ord::text, payload, attempts FROM event_inbox
          WHERE status = 'received' AND next_attempt_at <= now() ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [options.limit],
      )) as Row[]).map(
        (r): ClaimedEvent => ({
          id: r.id as string,
          sourceId: r.source_id as string,
          eventType: r.event_type as ClaimedEvent['eventType'],
          entityType: r.entity_type as string,
          entityId: r.entity_id as string,
          ord: r.ord as string,
          payload: (r.payload as Record<string, unknown>) ?? null,
          attempts: r.attempts as number,
        }),
      );
      if (!claimed.length) return 0;
      // NUL is in none of the three (the ingress refuses it), so it separates them.
      const entityKey = (sourceId: string, entityType: string, entityId: string) => `${sourceId}\u0000${entityType}\u0000${entityId}`;
      const byEntity = new Map<string, ClaimedEvent[]>();
      for (const e of claimed) {
        const key = entityKey(e.sourceId, e.entityType, e.entityId);
        const list = byEntity.get(key);
        if (list) list.push(e);
        else byEntity.set(key, [e]);
      }
      // Sorted: concurrent drains insert and lock position rows in one order, so they never deadlock.
      const entities = [...byEntity.values()].map((events) => events[0]).sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : a.entityType < b.entityType ? -1 : a.entityType > b.entityType ? 1 : a.entityId < b.entityId ? -1 : a.entityId > b.entityId ? 1 : 0));
      const columns = [entities.map((e) => e.sourceId), entities.map((e) => e.entityType), entities.map((e) => e.entityId)];
      // Every entity's position row, then all their locks in one statement, in one order (no deadlock between workers).
      // Two statements: the lock's own snapshot must see a row another drain inserted while this one waited on it.
      await tx.query(`INSERT INTO event_entity (source_id, entity_type, entity_id) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`, columns);
      const positions = (await tx.query(
        `SELECT source_id, entity_type, entity_id, ord::text, deleted FROM event_entity
          WHERE (source_id, entity_type, entity_id) IN (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]))
          ORDER BY source_id, entity_type, entity_id FOR UPDATE`,
        columns,
      )) as Row[];
      const held = new Map(positions.map((p) => [entityKey(p.source_id as string, p.entity_type as string, p.entity_id as string), p.ord ? { ord: p.ord as string, deleted: Boolean(p.deleted) } : null]));
      const batch = [...byEntity].map(([key, list]) => ({
        events: list.length === 1 ? list : list.sort((a, b) => {
          const d = BigInt(a.ord.split('.')[0]) - BigInt(b.ord.split('.')[0]);
          return d < 0n ? -1 : d > 0n ? 1 : Number(BigInt(a.id) - BigInt(b.id));
        }),
        held: held.get(key) ?? null,
      }));
      const outcomes = await apply(batch);
      const applied: string[] = [];
      const settled: { id: string; status: string; attempts: number; error: string | null; reason: string | null; delayMs: number }[] = [];
      const moved: { sourceId: string; entityType: string; entityId: string; ord: string; deleted: boolean; row: string }[] = [];
      for (const { events } of batch) {
        let last: { id: string; position: { ord: string; deleted: boolean } } | null = null;
        for (const event of events) {
          const outcome: EventOutcome = outcomes.get(event.id) ?? { status: 'error', error: 'the drain returned no outcome for the event', retryable: true };
          if (outcome.status === 'applied') {
            last = { id: event.id, position: outcome.position };
            applied.push(event.id);
          } else if (outcome.status === 'skipped') {
            settled.push({ id: event.id, status: 'skipped', attempts: event.attempts + 1, error: null, reason: outcome.reason, delayMs: 0 });
          } else {
            const attempts = event.attempts + 1;
            const final = !outcome.retryable || attempts >= options.maxAttempts;
            settled.push({ id: event.id, status: final ? 'failed' : 'received', attempts, error: outcome.error.slice(0, 2000), reason: null, delayMs: final ? 0 : options.backoffMs(attempts) });
          }
        }
        if (last) moved.push({ sourceId: events[0].sourceId, entityType: events[0].entityType, entityId: events[0].entityId, ord: last.position.ord, deleted: last.position.deleted, row: last.id });
      }
      if (moved.length) {
        await tx.query(
          `UPDATE event_entity p SET ord = m.ord, deleted = m.deleted, event_row = m.row, updated_at = now()
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::numeric[], $5::boolean[], $6::bigint[]) AS m(source_id, entity_type, entity_id, ord, deleted, row)
            WHERE p.source_id = m.source_id AND p.entity_type = m.entity_type AND p.entity_id = m.entity_id`,
          [moved.map((m) => m.sourceId), moved.map((m) => m.entityType), moved.map((m) => m.entityId), moved.map((m) => m.ord), moved.map((m) => m.deleted), moved.map((m) => m.row)],
        );
      }
      // Every outcome recorded in the transaction that claimed the events: the applied ones (most) by id alone, the rest with their own values.
      if (applied.length) {
        await tx.query(`UPDATE event_inbox SET status = 'applied', attempts = attempts + 1, error = NULL, reason = NULL, settled_at = now(), next_attempt_at = now() WHERE id = ANY($1::bigint[])`, [applied]);
      }
      if (settled.length) {
        await tx.query(
          `UPDATE event_inbox i SET status = o.status, attempts = o.attempts, error = COALESCE(o.error, i.error),
              reason = o.reason, settled_at = CASE WHEN o.status = 'received' THEN NULL ELSE now() END,
              next_attempt_at = now() + make_interval(secs => o.delay_ms::double precision / 1000)
             FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[]) AS o(id, status, attempts, error, reason, delay_ms)
            WHERE i.id = o.id`,
          [settled.map((x) => x.id), settled.map((x) => x.status), settled.map((x) => x.attempts), settled.map((x) => x.error), settled.map((x) => x.reason), settled.map((x) => x.delayMs)],
        );
      }
      return claimed.length;
    });
  }
}
