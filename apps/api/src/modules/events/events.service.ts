import { HttpException, Injectable, Logger, NotFoundException, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { In } from 'typeorm';
import {
  ConnectionEntity,
  eventSourceHeadersAad,
  eventSourcePreviousSecretAad,
  eventSourceSecretAad,
  type EventMappingRecord,
  EventRepository,
  type EventSourceRecord,
  type InboxEventRecord,
  InjectRepo,
  Repository,
} from '@dbferry/control-plane';
import { SecretBox } from '@dbferry/crypto';
import { type NeutralColumn, type NeutralType, type TableRef } from '@dbferry/dialects-core';
import { defaultSchema } from '@dbferry/dialects';
import { type EventMapping, parseEvents, parseTableRef } from '@dbferry/engine';
import type { AuthUser } from '../../common/auth.decorators';
import { tooDeep } from '../../common/input-guard';
import { fieldError, type FieldProblem } from '../../common/validation';
import { AuditService } from '../audit/audit.service';
import { ConnectionsService } from '../connections/connections.service';
import type { CreateEventSourceDto, EventListQuery, EventMappingDto, EventSourceView, InboxEventView, RedriveDto, UpdateEventSourceDto } from './events.dto';

/** A delivery's timestamp may differ from the server's clock by at most this much. */
export const SIGNATURE_TOLERANCE_S = 300;
/** Events one delivery may carry. */
export const MAX_EVENTS_PER_DELIVERY = 1000;

const secretAad = eventSourceSecretAad;
const previousAad = eventSourcePreviousSecretAad;
const headersAad = eventSourceHeadersAad;
const PATH = /^payload(\.[^.\s]{1,128}){1,16}$/;
const INTEGER_KINDS = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'decimal']);
/** The kinds a mapping may create a column of (createTables), as neutral types. */
const CREATABLE: Record<string, NeutralType> = {
  bool: { kind: 'bool' },
  int16: { kind: 'int16' },
  int32: { kind: 'int32' },
  int64: { kind: 'int64' },
  decimal: { kind: 'decimal', precision: 38, scale: 10 },
  float64: { kind: 'float64' },
  string: { kind: 'string', length: 255 },
  text: { kind: 'text' },
  uuid: { kind: 'uuid' },
  json: { kind: 'json' },
  date: { kind: 'date' },
  timestamptz: { kind: 'timestamptz', precision: 6 },
};

/** One decoder for every delivery: decode() without { stream } keeps no state between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

const tableText = (t: TableRef) => `${t.schema}.${t.name}`;
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The PostgreSQL error classes that are about the data sent, not the store being down. */
const isDataError = (error: unknown) => /^(22|23)/.test(String((error as { code?: unknown })?.code ?? ''));

export interface IngressHeaders {
  timestamp?: string | string[];
  signature?: string | string[];
}

@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    private readonly events: EventRepository,
    private readonly box: SecretBox,
    private readonly connections: ConnectionsService,
    @InjectRepo(ConnectionEntity) private readonly connectionRows: Repository<ConnectionEntity>,
    private readonly audit: AuditService,
  ) {}

  // ---- sources -------------------------------------------------------------------------------

  async create(dto: CreateEventSourceDto, actor: AuthUser): Promise<EventSourceView> {
    if (dto.name === 'redrive') throw fieldError([{ field: 'name', message: 'name: "redrive" is the path of POST /api/events/redrive' }]);
    if (await this.events.nameTaken(dto.name)) throw fieldError([{ field: 'name', message: `name: a source named ${dto.name} exists` }]);
    const mappings = await this.resolveMappings(dto.mappings, dto.createTables ?? false);
    const id = randomUUID();
    await this.events.create({
      id,
      name: dto.name,
      secret: this.box.seal(dto.secret, secretAad(id)),
      mappings,
      fullSync: dto.fullSync ? { url: dto.fullSync.url, schedule: dto.fullSync.schedule ?? null, deleteMissing: dto.fullSync.deleteMissing ?? false } : null,
      headers: dto.fullSync?.headers ? this.sealHeaders(id, dto.fullSync.headers) : null,
      createdBy: actor.id,
    });
    if (dto.previousSecret) await this.events.update(id, { previous: this.box.seal(dto.previousSecret, previousAad(id)) });
    await this.audit.record({ actor, action: 'event-source.create', targetType: 'event-source', targetId: id, details: { name: dto.name, mappings: mappings.map((m) => ({ entityType: m.entityType, connectionId: m.connectionId, table: tableText(m.table) })) } });
    return this.get(id);
  }

  async update(id: string, dto: UpdateEventSourceDto, actor: AuthUser): Promise<EventSourceView> {
    const current = await this.events.get(id);
    if (!current) throw new NotFoundException(`event source ${id} not found`);
    if (dto.previousSecret && dto.clearPrevious) throw fieldError([{ field: 'clearPrevious', message: 'clearPrevious: cannot be given with previousSecret' }]);
    const mappings = dto.mappings ? await this.resolveMappings(dto.mappings, dto.createTables ?? false) : undefined;
    // Rotation: the current secret stays accepted, as the previous one, unless another is given or it is cleared.
    let previous = dto.previousSecret;
    if (dto.secret && previous === undefined && !dto.clearPrevious) {
      const sealed = await this.events.secrets(id);
      if (sealed) previous = this.box.open(sealed.secret, secretAad(id));
    }
    await this.events.update(id, {
      ...(dto.secret && { secret: this.box.seal(dto.secret, secretAad(id)) }),
      ...(previous && { previous: this.box.seal(previous, previousAad(id)) }),
      ...(dto.clearPrevious && { previous: null }),
      ...(mappings && { mappings }),
      ...(dto.fullSync !== undefined && {
        fullSync: dto.fullSync ? { url: dto.fullSync.url, schedule: dto.fullSync.schedule ?? null, deleteMissing: dto.fullSync.deleteMissing ?? false } : null,
        ...(dto.fullSync === null ? { headers: null } : dto.fullSync.headers ? { headers: this.sealHeaders(id, dto.fullSync.headers) } : {}),
      }),
    });
    // The secrets themselves are never audited: only that they changed.
    await this.audit.record({
      actor,
      action: 'event-source.update',
      targetType: 'event-source',
      targetId: id,
      details: { secretRotated: Boolean(dto.secret), previousSecret: dto.previousSecret ? 'set' : dto.clearPrevious ? 'cleared' : 'unchanged', mappings: mappings?.length ?? null, fullSync: dto.fullSync === undefined ? 'unchanged' : dto.fullSync ? 'set' : 'cleared' },
    });
    return this.get(id);
  }

  async remove(id: string, actor: AuthUser): Promise<void> {
    if (!(await this.events.remove(id))) throw new NotFoundException(`event source ${id} not found`);
    await this.audit.record({ actor, action: 'event-source.delete', targetType: 'event-source', targetId: id });
  }

  async get(id: string): Promise<EventSourceView> {
    const source = await this.events.get(id);
    if (!source) throw new NotFoundException(`event source ${id} not found`);
    return this.view(source);
  }

  async list(limit: number, offset: number): Promise<{ items: EventSourceView[]; total: number }> {
    const all = await this.events.list();
    return { items: all.slice(offset, offset + limit).map((s) => this.view(s)), total: all.length };
  }

  private sealHeaders(id: string, headers: Record<string, string>) {
    const problems: FieldProblem[] = [];
    for (const [name, value] of Object.entries(headers)) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(name)) problems.push({ field: `fullSync.headers.${name}`, message: `fullSync.headers.${name}: is not an HTTP header name` });
      else if (typeof value !== 'string' || value.length > 4000 || /[\r\n]/.test(value) || value.includes('\u0000')) problems.push({ field: `fullSync.headers.${name}`, message: `fullSync.headers.${name}: must be a string of at most 4000 characters without CR, LF or NUL` });
    }
    if (problems.length) throw fieldError(problems);
    return this.box.seal(JSON.stringify(headers), headersAad(id));
  }

  /** The full-sync headers in plain text, for the one request that needs them. */
  async fullSyncHeaders(id: string): Promise<Record<string, string>> {
    const sealed = await this.events.sealedHeaders(id);
    return sealed ? (JSON.parse(this.box.open(sealed, headersAad(id))) as Record<string, string>) : {};
  }

  /**
   * Each mapping checked against its table: the connection exists and may be written, the table
   * exists (or is created from `columns` with createTables), the key, version and field columns
   * are columns of it, each field a payload path. Problems name `mappings[i].<field>`.
   */
  private async resolveMappings(dtos: EventMappingDto[], createTables: boolean): Promise<EventMappingRecord[]> {
    const problems: FieldProblem[] = [];
    const seen = new Map<string, number>();
    dtos.forEach((m, i) => {
      if (seen.has(m.entityType)) problems.push({ field: `mappings[${i}].entityType`, message: `mappings[${i}].entityType: ${m.entityType} is mapped already by mappings[${seen.get(m.entityType)}]` });
      seen.set(m.entityType, i);
    });
    const stored = new Map((await this.connectionRows.find({ where: { id: In([...new Set(dtos.map((m) => m.connectionId))]) } })).map((c) => [c.id, c]));
    dtos.forEach((m, i) => {
      const c = stored.get(m.connectionId);
      if (!c) problems.push({ field: `mappings[${i}].connectionId`, message: `mappings[${i}].connectionId: connection ${m.connectionId} not found` });
      else if (c.readOnly) problems.push({ field: `mappings[${i}].connectionId`, message: `mappings[${i}].connectionId: connection ${m.connectionId} is read-only` });
    });
    if (problems.length) throw fieldError(problems);
    const out: EventMappingRecord[] = [];
    for (const [i, m] of dtos.entries()) {
      const at = `mappings[${i}]`;
      const parsed = parseTableRef(m.table) ?? parseTableRef(`x.${m.table.trim()}`);
      if (!parsed || parsed.pattern) throw fieldError([{ field: `${at}.table`, message: `${at}.table: must be schema.table or a table name` }]);
      let table: TableRef = { schema: parsed.schema, name: parsed.name };
      let columns: NeutralColumn[];
      try {
        columns = await this.connections.withConnection(m.connectionId, async (session, conn) => {
          if (!parseTableRef(m.table)) table = { schema: defaultSchema(conn), name: parsed.name };
          const data = session.data;
          if (!data) throw new Error(`${conn.dialect} rows cannot be written yet`);
          let schema = await data.introspector.describeTable(table);
          if (!schema && createTables && m.columns) {
            await data.execute(data.ddl.createTable(table, { columns: this.createColumns(m, at), primaryKey: [m.keyColumn], indexes: [] }).statements);
            schema = await data.introspector.describeTable(table);
          }
          if (!schema) {
            throw fieldError([{ field: `${at}.table`, message: `${at}.table: ${tableText(table)} does not exist on connection ${m.connectionId}${createTables ? ` (give ${at}.columns to create it)` : ' (createTables with columns creates it)'}` }]);
          }
          return schema.columns;
        });
      } catch (error) {
        if (error instanceof HttpException) throw error;
        throw fieldError([{ field: `${at}.connectionId`, message: `${at}.connectionId: connection ${m.connectionId} cannot be read: ${(error as Error).message.slice(0, 300)}` }]);
      }
      const has = (name: string) => columns.find((c) => c.name === name);
      const key = has(m.keyColumn);
      if (!key) throw fieldError([{ field: `${at}.keyColumn`, message: `${at}.keyColumn: ${m.keyColumn} is not a column of ${tableText(table)} (${columns.map((c) => c.name).join(', ')})` }]);
      if (m.versionColumn) {
        const v = has(m.versionColumn);
        if (!v) throw fieldError([{ field: `${at}.versionColumn`, message: `${at}.versionColumn: ${m.versionColumn} is not a column of ${tableText(table)}` }]);
        if (!INTEGER_KINDS.has(v.type.kind)) throw fieldError([{ field: `${at}.versionColumn`, message: `${at}.versionColumn: ${m.versionColumn} is ${v.type.kind}; a version column must be an integer or decimal` }]);
        if (v.name === key.name) throw fieldError([{ field: `${at}.versionColumn`, message: `${at}.versionColumn: is the key column` }]);
      }
      const fields: Record<string, string> = {};
      if (m.fields) {
        for (const [column, path] of Object.entries(m.fields)) {
          const f = `${at}.fields.${column}`;
          if (!has(column)) throw fieldError([{ field: f, message: `${f}: ${column} is not a column of ${tableText(table)}` }]);
          if (column === m.keyColumn || column === m.versionColumn) throw fieldError([{ field: f, message: `${f}: the key and version columns are written from entityId and version` }]);
          if (typeof path !== 'string' || !PATH.test(path)) throw fieldError([{ field: f, message: `${f}: must be a payload path such as payload.name or payload.a.b` }]);
          fields[column] = path;
        }
      } else {
        for (const c of columns) if (c.name !== m.keyColumn && c.name !== m.versionColumn) fields[c.name] = `payload.${c.name}`;
      }
      out.push({ entityType: m.entityType, connectionId: m.connectionId, table, keyColumn: key.name, versionColumn: m.versionColumn ?? null, fields, columns });
    }
    return out;
  }

  private createColumns(m: EventMappingDto, at: string): NeutralColumn[] {
    const entries = Object.entries(m.columns ?? {});
    if (!entries.some(([name]) => name === m.keyColumn)) throw fieldError([{ field: `${at}.columns`, message: `${at}.columns: must name the key column ${m.keyColumn}` }]);
    return entries.map(([name, kind]) => {
      const type = CREATABLE[kind];
      if (!type || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
        throw fieldError([{ field: `${at}.columns.${name}`, message: `${at}.columns.${name}: ${!type ? `must be one of ${Object.keys(CREATABLE).join(', ')}` : 'a column name is letters, digits and _'}` }]);
      }
      const keyType = name === m.keyColumn && type.kind === 'text' ? CREATABLE.string : type;
      return { name, type: keyType, nativeType: '', nullable: name !== m.keyColumn, default: null };
    });
  }

  private view(s: EventSourceRecord): EventSourceView {
    return {
      id: s.id,
      name: s.name,
      ingressPath: `/api/events/${s.name}`,
      mappings: s.mappings.map((m) => ({
        entityType: m.entityType,
        connectionId: m.connectionId,
        table: tableText(m.table),
        keyColumn: m.keyColumn,
        versionColumn: m.versionColumn,
        fields: m.fields,
        columns: (m.columns as NeutralColumn[]).map((c) => ({ name: c.name, kind: c.type.kind, nullable: c.nullable })),
      })),
      fullSync: s.fullSync,
      hasPreviousSecret: s.hasPreviousSecret,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    };
  }

  // ---- ingress -------------------------------------------------------------------------------

  /**
   * One signed delivery: the timestamp within ±300 s and the signature over `timestamp.rawBody`
   * (constant-time, against the current and the previous secret) are checked before the body is
   * parsed; then each event is validated against the source's mappings, and the delivery is
   * stored in the inbox in one statement before the answer. The store down is a 503 (nothing
   * stored, send again); Redis is not on this path.
   */
  async ingest(sourceName: string, headers: IngressHeaders, raw: Buffer | undefined): Promise<{ accepted: number; duplicates: number }> {
    const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
    const timestamp = one(headers.timestamp);
    if (!timestamp || !/^\d{1,12}$/.test(timestamp)) throw new UnauthorizedException('X-Dbferry-Timestamp: required, the delivery time in Unix seconds');
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_S) throw new UnauthorizedException(`X-Dbferry-Timestamp: more than ${SIGNATURE_TOLERANCE_S} s from the server's clock`);
    const signature = one(headers.signature);
    const match = signature ? /^sha256=([0-9a-fA-F]{64})$/.exec(signature) : null;
    if (!match) throw new UnauthorizedException('X-Dbferry-Signature: required, sha256=<hex HMAC-SHA256 of "timestamp.body">');
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(sourceName)) throw new UnauthorizedException('the signature does not verify for this source');
    let source;
    try {
      source = await this.events.secrets(sourceName);
    } catch (error) {
      throw this.storeDown(error);
    }
    if (!source) throw new UnauthorizedException('the signature does not verify for this source');
    const body = raw ?? Buffer.alloc(0);
    const given = Buffer.from(match[1], 'hex');
    const secrets: string[] = [];
    for (const [sealed, aad] of [[source.secret, secretAad(source.id)], [source.previous, previousAad(source.id)]] as const) {
      if (!sealed) continue;
      try {
        secrets.push(this.box.open(sealed, aad));
      } catch (error) {
        // A secret that no longer opens (a key removed from the keyring) verifies nothing: said in the log, never a 500.
        this.logger.error(`event source ${source.name}: a signing secret does not open (${(error as Error).message})`);
      }
    }
    let verified = false;
    for (const secret of secrets) {
      const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
      if (timingSafeEqual(expected, given)) verified = true;
    }
    if (!verified) throw new UnauthorizedException('the signature does not verify for this source');

    if (!body.length) throw fieldError([{ field: 'body', message: 'body: empty; send one event or an array of events as JSON' }]);
    let text: string;
    try {
      text = UTF8.decode(body);
    } catch {
      throw fieldError([{ field: 'body', message: 'body: not UTF-8' }]);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const position = /position (\d+)/.exec((error as Error).message)?.[1];
      throw fieldError([{ field: 'body', message: `body: invalid JSON${position ? ` at position ${position}` : ''}` }]);
    }
    const deep = tooDeep(parsed);
    if (deep !== undefined) throw fieldError([{ field: deep ? `body.${deep}` : 'body', message: `${deep ? `body.${deep}` : 'body'}: nested too deep` }]);
    const mappings = new Map(source.mappings.map((m) => [m.entityType, m as unknown as EventMapping]));
    const { events, problems } = parseEvents(parsed, mappings, MAX_EVENTS_PER_DELIVERY);
    if (problems.length) throw fieldError(problems.slice(0, 100));
    try {
      return await this.events.receive(source.id, events);
    } catch (error) {
      if (isDataError(error)) throw fieldError([{ field: 'body', message: `body: the store refused an event: ${(error as Error).message.slice(0, 200)}` }]);
      throw this.storeDown(error);
    }
  }

  private storeDown(error: unknown): HttpException {
    this.logger.warn(`control store unavailable for an event delivery: ${(error as Error).message}`);
    return new ServiceUnavailableException('the control store (PostgreSQL) is unavailable: nothing was stored; send the delivery again');
  }

  // ---- inbox ---------------------------------------------------------------------------------

  private async sourceId(field: string, idOrName: string | undefined): Promise<string | undefined> {
    if (idOrName === undefined) return undefined;
    const source = await this.events.find(idOrName);
    if (!source) throw fieldError([{ field, message: `${field}: no event source ${idOrName}` }]);
    return source.id;
  }

  async listEvents(query: EventListQuery): Promise<{ items: InboxEventView[]; total: number }> {
    const sourceId = await this.sourceId('source', query.source);
    const page = await this.events.listEvents({ sourceId, status: query.status, entityType: query.entityType, entityId: query.entityId, limit: query.limit, offset: query.offset });
    return { items: page.items.map((e) => this.eventView(e)), total: page.total };
  }

  async event(id: string): Promise<InboxEventView> {
    const found = await this.events.event(id);
    if (!found) throw new NotFoundException(`event ${id} not found`);
    return this.eventView(found);
  }

  async redrive(dto: RedriveDto, actor: AuthUser): Promise<{ requeued: number }> {
    const sourceId = await this.sourceId('source', dto.source);
    const requeued = await this.events.redrive({ ids: dto.ids, sourceId, status: dto.status });
    await this.audit.record({ actor, action: 'event.redrive', targetType: 'event-source', targetId: sourceId, details: { ids: dto.ids?.length ?? null, status: dto.status ?? 'failed', requeued } });
    return { requeued };
  }

  private eventView(e: InboxEventRecord): InboxEventView {
    return {
      id: e.id,
      source: e.source,
      eventId: e.eventId,
      eventType: e.eventType,
      entityType: e.entityType,
      entityId: e.entityId,
      version: e.version,
      timestamp: e.timestamp.toISOString(),
      payload: e.payload,
      status: e.status,
      attempts: e.attempts,
      error: e.error,
      reason: e.reason,
      nextAttemptAt: e.nextAttemptAt.toISOString(),
      receivedAt: e.receivedAt.toISOString(),
      settledAt: iso(e.settledAt),
    };
  }
}

