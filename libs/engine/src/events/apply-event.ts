import { createHash } from 'node:crypto';
import type { DataPlane, DialectName, NeutralColumn, NeutralValue, RowBatch, TableRef } from '@dbferry/dialects-core';
import { sqlStyleOf } from '../dialect-sql';
import { type GroupMemberSnapshot, GroupRowError, memberRow, typedValue, writeGroupRow } from '../groups/group-row';
import { keyInPredicate } from '../incremental/watermark';

/**
 * Upstream events (issue 14): a CREATED/UPDATED/DELETED event of an upstream entity, mapped to a
 * row of a target table, and applied there by key in one target transaction. The order within an
 * entity is its version (else its timestamp); what the target holds is the position of the newest
 * event applied, kept by the caller (the control store's event_entity row): an event older than
 * it is skipped, and after a DELETED the tombstone keeps a late UPDATED from bringing the row back.
 * Applying an event twice writes the same row (an upsert or a delete by key): that is what makes
 * a redelivery or a re-run after a crash harmless.
 */

export type EventType = 'CREATED' | 'UPDATED' | 'DELETED';
export const EVENT_TYPES: readonly EventType[] = ['CREATED', 'UPDATED', 'DELETED'];

/** An entity type's target: a table by key, its columns as introspected (the key column first). */
export interface EventMapping {
  entityType: string;
  connectionId: string;
  table: TableRef;
  keyColumn: string;
  versionColumn: string | null;
  /** column → `payload.a.b`; every mapped column is written from its path. */
  fields: Record<string, string>;
  /** The table's columns as introspected when the mapping was saved. */
  columns: NeutralColumn[];
}

/** An event as validated at ingress. */
export interface InboundEvent {
  eventId: string;
  eventType: EventType;
  entityType: string;
  entityId: string;
  /** A non-negative integer as text, or null. */
  version: string | null;
  timestamp: Date;
  /** The order within the entity: the version, else the timestamp in epoch milliseconds (as text). */
  ord: string;
  payload: Record<string, unknown> | null;
}

/** What the target holds for one entity: the newest event's order applied, and whether it was a delete. */
export interface EntityPosition {
  ord: string;
  deleted: boolean;
}

export interface EventProblem {
  field: string;
  message: string;
}

const MAX_TEXT = 500;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const SURROGATE = /[\ud800-\udfff]/;
/** NUL, or a lone surrogate (not UTF-8; PostgreSQL's jsonb refuses both). The common string has no surrogate at all: the lookaround test only runs when it has one. */
const hasNul = (s: string) => s.includes('\u0000') || (SURROGATE.test(s) && LONE_SURROGATE.test(s));

/** The deterministic id of an event sent without one: a hash of what identifies the change. */
export function derivedEventId(e: { entityType: string; entityId: string; version: string | null; eventType: string; timestamp: Date }): string {
  const digest = createHash('sha256').update(JSON.stringify([e.entityType, e.entityId, e.version, e.eventType, e.timestamp.toISOString()])).digest('hex');
  return `sha256:${digest.slice(0, 40)}`;
}

/** The value at `payload.a.b` (own properties only), or undefined. */
export function valueAtPath(payload: Record<string, unknown> | null, path: string): unknown {
  return valueAtParts(payload, path.split('.'));
}

function valueAtParts(payload: Record<string, unknown> | null, parts: readonly string[]): unknown {
  if (parts[0] !== 'payload') return undefined;
  let at: unknown = payload;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.prototype.hasOwnProperty.call(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** The first string (key or value) holding NUL in a JSON value, as a path below `field`, or null. */
function nulPath(value: unknown, field: string, depth = 0): string | null {
  if (depth > 64) return field;
  if (typeof value === 'string') return hasNul(value) ? field : null;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = nulPath(v, `${field}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (hasNul(k)) return field;
      const found = nulPath(v, `${field}.${k}`, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

interface ColumnWritten {
  column: NeutralColumn;
  path: string;
  /** The path split at its dots. */
  parts: readonly string[];
}

/** Per mapping object (one per source read, used for every event of a delivery or a batch): its columns written. */
const WRITTEN = new WeakMap<EventMapping, ColumnWritten[]>();

/** The columns an event writes: the key from entityId, the version column from its order, each field from its path. */
function columnsWritten(mapping: EventMapping): ColumnWritten[] {
  let written = WRITTEN.get(mapping);
  if (!written) {
    written = mapping.columns
      .filter((c) => c.name !== mapping.keyColumn && c.name !== mapping.versionColumn)
      .filter((c) => Object.prototype.hasOwnProperty.call(mapping.fields, c.name))
      .map((c) => ({ column: c, path: mapping.fields[c.name], parts: mapping.fields[c.name].split('.') }));
    WRITTEN.set(mapping, written);
  }
  return written;
}

const EVENT_FIELDS = new Set(['eventId', 'eventType', 'entityType', 'entityId', 'timestamp', 'version', 'payload']);

/**
 * Validates one event (the body's element `index`, or the whole body when `index` is null) and the
 * payload's mapped values against the mapped table's column types. Problems name the field as
 * `[i].field` (`field` for a body of one event).
 */
export function parseEvent(raw: unknown, index: number | null, mappings: ReadonlyMap<string, EventMapping>): { event?: InboundEvent; problems: EventProblem[] } {
  const at = (field: string) => (index === null ? field : `[${index}].${field}`);
  const problems: EventProblem[] = [];
  const fail = (field: string, message: string) => problems.push({ field: at(field), message: `${at(field)}: ${message}` });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const field = index === null ? 'body' : `[${index}]`;
    return { problems: [{ field, message: `${field}: must be an event object` }] };
  }
  const e = raw as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!EVENT_FIELDS.has(k)) fail(k, 'is not a field of an event (eventId, eventType, entityType, entityId, timestamp, version, payload)');

  let eventId: string | undefined;
  if (e.eventId !== undefined && e.eventId !== null) {
    if (typeof e.eventId !== 'string' || e.eventId.length < 1 || e.eventId.length > 200 || hasNul(e.eventId)) fail('eventId', 'must be a string of 1 to 200 characters without NUL');
    else eventId = e.eventId;
  }
  const eventType = e.eventType as EventType;
  if (!EVENT_TYPES.includes(eventType)) fail('eventType', `must be one of ${EVENT_TYPES.join(', ')}`);
  let mapping: EventMapping | undefined;
  if (typeof e.entityType !== 'string' || e.entityType.length < 1 || e.entityType.length > MAX_TEXT || hasNul(e.entityType)) fail('entityType', 'must be a non-empty string');
  else {
    mapping = mappings.get(e.entityType);
    if (!mapping) fail('entityType', `${JSON.stringify(e.entityType.slice(0, 80))} is not mapped by this source (mapped: ${[...mappings.keys()].join(', ')})`);
  }
  let entityId: string | undefined;
  if (typeof e.entityId === 'number' && Number.isSafeInteger(e.entityId)) entityId = String(e.entityId);
  else if (typeof e.entityId === 'string' && e.entityId.length >= 1 && e.entityId.length <= MAX_TEXT && !hasNul(e.entityId)) entityId = e.entityId;
  else fail('entityId', `must be a non-empty string (at most ${MAX_TEXT} characters, no NUL) or an integer`);
  let timestamp: Date | undefined;
  if (typeof e.timestamp === 'number' && Number.isFinite(e.timestamp) && e.timestamp >= 0 && e.timestamp < 8.64e15) timestamp = new Date(Math.trunc(e.timestamp));
  else if (typeof e.timestamp === 'string' && e.timestamp.length <= 64 && /^\d{4}-\d{2}-\d{2}T/.test(e.timestamp) && !Number.isNaN(Date.parse(e.timestamp))) timestamp = new Date(Date.parse(e.timestamp));
  else fail('timestamp', 'must be an ISO 8601 date-time (2026-01-31T12:00:00Z) or epoch milliseconds');
  let version: string | null = null;
  if (e.version !== undefined && e.version !== null) {
    if (typeof e.version === 'number' && Number.isSafeInteger(e.version) && e.version >= 0) version = String(e.version);
    else if (typeof e.version === 'string' && /^\d{1,18}$/.test(e.version)) version = BigInt(e.version).toString();
    else fail('version', 'must be a non-negative integer');
  }
  let payload: Record<string, unknown> | null = null;
  if (e.payload !== undefined && e.payload !== null) {
    if (typeof e.payload !== 'object' || Array.isArray(e.payload)) fail('payload', 'must be a JSON object');
    else {
      payload = e.payload as Record<string, unknown>;
      const nul = nulPath(payload, 'payload');
      if (nul) fail(nul, 'must not contain NUL (U+0000) or a lone surrogate');
    }
  } else if (eventType === 'CREATED' || eventType === 'UPDATED') fail('payload', `is required for ${eventType}`);
  if (problems.length || !mapping || entityId === undefined || !timestamp) return { problems };

  const keyColumn = mapping.columns.find((c) => c.name === mapping.keyColumn) as NeutralColumn;
  try {
    typedValue(keyColumn, entityId, at('entityId'), true);
  } catch (error) {
    if (error instanceof GroupRowError) problems.push({ field: at('entityId'), message: error.message.replace(/^[^:]*: /, `${at('entityId')}: `) + ` (the key column ${keyColumn.name})` });
    else throw error;
  }
  if (eventType !== 'DELETED') {
    for (const { column, path, parts } of columnsWritten(mapping)) {
      const value = valueAtParts(payload, parts);
      if (value === undefined) continue;
      try {
        typedValue(column, value, at(path), false);
      } catch (error) {
        if (error instanceof GroupRowError) problems.push({ field: at(path), message: `${error.message} (column ${column.name})` });
        else throw error;
      }
    }
  }
  if (problems.length) return { problems };
  const ord = version ?? String(timestamp.getTime());
  const event: InboundEvent = {
    eventId: eventId ?? derivedEventId({ entityType: mapping.entityType, entityId, version, eventType, timestamp }),
    eventType,
    entityType: mapping.entityType,
    entityId,
    version,
    timestamp,
    ord,
    payload,
  };
  return { event, problems };
}

/** A body of one event or an array of them: every event validated, every problem named. */
export function parseEvents(body: unknown, mappings: ReadonlyMap<string, EventMapping>, maxEvents = 1000): { events: InboundEvent[]; problems: EventProblem[] } {
  if (Array.isArray(body)) {
    if (body.length === 0) return { events: [], problems: [{ field: 'body', message: 'body: an empty array holds no event' }] };
    if (body.length > maxEvents) return { events: [], problems: [{ field: 'body', message: `body: at most ${maxEvents} events per delivery` }] };
    const events: InboundEvent[] = [];
    const problems: EventProblem[] = [];
    body.forEach((raw, i) => {
      const parsed = parseEvent(raw, i, mappings);
      if (parsed.event) events.push(parsed.event);
      problems.push(...parsed.problems);
    });
    return { events, problems };
  }
  const parsed = parseEvent(body, null, mappings);
  return { events: parsed.event ? [parsed.event] : [], problems: parsed.problems };
}

/** The row an event writes: the key column from entityId, the version column from its order, the mapped fields present in the payload. */
export function eventRow(mapping: EventMapping, event: Pick<InboundEvent, 'entityId' | 'ord' | 'payload'>): Record<string, unknown> {
  const row: Record<string, unknown> = { [mapping.keyColumn]: event.entityId };
  if (mapping.versionColumn) row[mapping.versionColumn] = event.ord;
  for (const { column, parts } of columnsWritten(mapping)) {
    const value = valueAtParts(event.payload, parts);
    if (value !== undefined) row[column.name] = value;
  }
  return row;
}

const compareOrd = (a: string, b: string) => {
  const x = BigInt(a.split('.')[0]);
  const y = BigInt(b.split('.')[0]);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Whether an event is older than what the target holds, and why (null: apply it). */
export function skipReason(held: EntityPosition | null, event: Pick<InboundEvent, 'ord' | 'eventType'>): string | null {
  if (!held) return null;
  const c = compareOrd(event.ord, held.ord);
  if (c < 0) return `older than what the target holds (order ${event.ord} < ${held.ord}${held.deleted ? ', deleted' : ''})`;
  if (c === 0 && held.deleted) return `the entity was deleted at order ${held.ord}: a tombstone keeps it deleted`;
  return null;
}

export interface ApplyEventSnapshot {
  mapping: EventMapping;
  dialect: DialectName;
  /** What the target holds for the event's entity (null: nothing applied yet). */
  held: EntityPosition | null;
}

export interface ApplyEventPorts {
  target: DataPlane;
  signal?: AbortSignal;
}

export type ApplyEventResult = { status: 'applied'; position: EntityPosition } | { status: 'skipped'; reason: string };

/**
 * Applies one event to its mapped table in one target transaction: an upsert of the mapped row by
 * key for CREATED/UPDATED, a delete by key for DELETED; an event older than `held` is skipped with
 * the reason. The caller holds the entity's lock and stores the returned position with the event's
 * status in the control store.
 */
export async function applyEvent(snapshot: ApplyEventSnapshot, event: Pick<InboundEvent, 'eventType' | 'entityId' | 'ord' | 'payload'>, ports: ApplyEventPorts): Promise<ApplyEventResult> {
  const reason = skipReason(snapshot.held, event);
  if (reason) return { status: 'skipped', reason };
  const { mapping } = snapshot;
  const key = mapping.columns.find((c) => c.name === mapping.keyColumn);
  if (!key) throw new GroupRowError('keyColumn', `keyColumn: ${mapping.keyColumn} is not a column of ${mapping.table.schema}.${mapping.table.name}`);
  const columns = [key, ...mapping.columns.filter((c) => c !== key)];
  const member: GroupMemberSnapshot = { connectionId: mapping.connectionId, dialect: snapshot.dialect, table: mapping.table, columns };
  const names = columns.map((c) => c.name);
  const write =
    event.eventType === 'DELETED' ? { op: 'delete' as const, key: { [key.name]: event.entityId } } : { op: 'upsert' as const, key: { [key.name]: event.entityId }, row: eventRow(mapping, event) };
  await writeGroupRow(ports.target, member, names, 1, write, ports.signal);
  return { status: 'applied', position: { ord: event.ord, deleted: event.eventType === 'DELETED' } };
}

/** An event of a batch being drained: `id` names it in the outcomes. */
export type BatchEvent = Pick<InboundEvent, 'eventType' | 'entityId' | 'ord' | 'payload'> & { id: string };

/** Which events of one entity (sorted in its order) land, and why the others are skipped. */
export interface EntityPlan<E extends BatchEvent = BatchEvent> {
  /** The newest event that applies (null: none does). */
  land: E | null;
  skipped: { event: E; reason: string }[];
}

/**
 * Plans one entity's events in a batch, sorted in the entity's order: judged one after another
 * against the position the target holds (as if each were applied), only the last that applies
 * needs to land; the earlier ones that would apply are superseded by it (skipped, with the reason).
 * So the result is the sequential one (a delete is not undone by a later update of the same order).
 */
export function planEntity<E extends BatchEvent>(events: E[], held: EntityPosition | null): EntityPlan<E> {
  let position = held;
  const applying: E[] = [];
  const skipped: { event: E; reason: string }[] = [];
  for (const event of events) {
    const reason = skipReason(position, event);
    if (reason) skipped.push({ event, reason });
    else {
      applying.push(event);
      position = { ord: event.ord, deleted: event.eventType === 'DELETED' };
    }
  }
  const land = applying.at(-1) ?? null;
  for (const event of applying.slice(0, -1)) skipped.push({ event, reason: `superseded by a newer event of the entity in the same batch (order ${(land as E).ord}, event ${(land as E).id})` });
  return { land, skipped };
}

/** What writing a target group came to, per event id: applied, or the error (`transient` false: it will not succeed on a retry). */
export type BatchWriteResult = Map<string, { ok: true } | { ok: false; error: Error }>;

/** Keys per delete statement, rows per upsert write. */
const EVENT_BATCH_CHUNK = 1000;

/**
 * Writes the landing events of one target table (one mapping): the upserts' rows in one bulk
 * upsert per set of columns present (the dialect writer's batch path: one target transaction),
 * the deletes by key in one statement. Entities are distinct (one event each), so the order
 * between them does not matter; each write is by key, so writing the batch again holds the same.
 * If a write fails, its events are written one at a time so one bad event fails alone with its
 * error. An event whose values the columns cannot hold fails alone before anything is written.
 */
export async function writeEventBatch(snapshot: { mapping: EventMapping; dialect: DialectName }, events: BatchEvent[], ports: ApplyEventPorts): Promise<BatchWriteResult> {
  const { mapping } = snapshot;
  const result: BatchWriteResult = new Map();
  const key = mapping.columns.find((c) => c.name === mapping.keyColumn);
  if (!key) {
    const error = new GroupRowError('keyColumn', `keyColumn: ${mapping.keyColumn} is not a column of ${mapping.table.schema}.${mapping.table.name}`);
    for (const e of events) result.set(e.id, { ok: false, error });
    return result;
  }
  const columns = [key, ...mapping.columns.filter((c) => c !== key)];
  const member: GroupMemberSnapshot = { connectionId: mapping.connectionId, dialect: snapshot.dialect, table: mapping.table, columns };
  const names = columns.map((c) => c.name);
  const deletes: { event: BatchEvent; key: NeutralValue[] }[] = [];
  const upserts = new Map<string, { columns: NeutralColumn[]; rows: { event: BatchEvent; values: NeutralValue[] }[] }>();
  for (const event of events) {
    try {
      if (event.eventType === 'DELETED') deletes.push({ event, key: [typedValue(key, event.entityId, `key.${key.name}`, true, mapping.connectionId)] });
      else {
        const row = memberRow(member, names, eventRow(mapping, event));
        const signature = row.columns.map((c) => c.name).join('\u0000');
        const group = upserts.get(signature) ?? { columns: row.columns, rows: [] };
        group.rows.push({ event, values: row.values });
        upserts.set(signature, group);
      }
    } catch (error) {
      result.set(event.id, { ok: false, error: error as Error });
    }
  }
  const one = async (event: BatchEvent) => {
    try {
      await applyEvent({ mapping, dialect: snapshot.dialect, held: null }, event, ports);
      result.set(event.id, { ok: true });
    } catch (error) {
      result.set(event.id, { ok: false, error: error as Error });
    }
  };
  const style = sqlStyleOf(snapshot.dialect);
  for (let i = 0; i < deletes.length; i += EVENT_BATCH_CHUNK) {
    const chunk = deletes.slice(i, i + EVENT_BATCH_CHUNK);
    try {
      await ports.target.execute([style.deleteWhere(ports.target.ddl.qualify(mapping.table), keyInPredicate(snapshot.dialect, [key], chunk.map((d) => d.key)))]);
      for (const d of chunk) result.set(d.event.id, { ok: true });
    } catch {
      for (const d of chunk) await one(d.event);
    }
  }
  for (const group of upserts.values()) {
    for (let i = 0; i < group.rows.length; i += EVENT_BATCH_CHUNK) {
      const chunk = group.rows.slice(i, i + EVENT_BATCH_CHUNK);
      const batch: RowBatch = { columns: group.columns, rows: chunk.map((r) => r.values) };
      try {
        await ports.target.writer.write(
          { table: mapping.table, columns: group.columns, keyColumns: [key.name], mode: 'upsert', nul: 'reject', ...(ports.signal && { signal: ports.signal }) },
          (async function* () {
            yield batch;
          })(),
        );
        for (const r of chunk) result.set(r.event.id, { ok: true });
      } catch {
        for (const r of chunk) await one(r.event);
      }
    }
  }
  return result;
}
