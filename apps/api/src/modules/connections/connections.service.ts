import { ConflictException, Inject, Injectable, NotFoundException, type OnModuleDestroy, Optional, ServiceUnavailableException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { securityConfig } from '@dbferry/config';
import {
  ConnectionEntity,
  ConnectionSecrets,
  InjectRepo,
  Repository,
  StoredConnection,
  SyncJobEntity,
  isForeignKeyViolation,
  isUniqueViolation,
} from '@dbferry/control-plane';
import {
  ConnectionSpec,
  ConnectionSpecError,
  ConnectOptions,
  DbError,
  type Dialect,
  DialectSession,
  EgressPolicy,
  faultCheck,
  type FaultCheck,
  faultySession,
  InjectedFaultError,
  KeyedSessionPool,
  parseConnectionUrl,
  renderNeutralType,
  settingsVersion,
  testConnection,
} from '@dbferry/dialects-core';
import { dialectFor, prepareConnection } from '@dbferry/dialects';
import { FaultRegistry } from '@dbferry/queue';
import type { AuthUser } from '../../common/auth.decorators';
import type { Page } from '../../common/pagination.dto';
import { fieldError } from '../../common/validation';
import { AuditService } from '../audit/audit.service';
import {
  ConnectionStatusView,
  ConnectionTestView,
  ConnectionView,
  CreateConnectionDto,
  SchemaView,
  TableDetailView,
  TablesQuery,
  TableSummaryView,
  UpdateConnectionDto,
} from './connection.dto';

const view = (row: ConnectionEntity, hasPassword: boolean): ConnectionView => ({
  id: row.id,
  name: row.name,
  dialect: row.dialect,
  host: row.host,
  port: row.port,
  database: row.database,
  username: row.username,
  hasPassword,
  options: row.options,
  readOnly: row.readOnly,
  maxParallelChunks: row.maxParallelChunks,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

/** `job "a" (id), job "b" (id)`, at most ten, then how many more. */
const describeJobs = (jobs: Array<Pick<SyncJobEntity, 'id' | 'name'>>) => {
  const shown = jobs.slice(0, 10).map((j) => `"${j.name}" (${j.id})`);
  const more = jobs.length > 10 ? ` and ${jobs.length - 10} more` : '';
  return `${jobs.length === 1 ? 'job' : 'jobs'} ${shown.join(', ')}${more}`;
};

/** Options that change neither where a connection goes nor how it authenticates; any other change needs the password again. */
const OPTIONS_AWAY_FROM_AUTH = new Set(['application_name', 'charset', 'schema', 'create']);

/** Status probes run a few at a time so one dashboard refresh cannot open fifty sessions. */
const STATUS_PARALLELISM = 8;

@Injectable()
export class ConnectionsService implements OnModuleDestroy {
  private readonly egress: EgressPolicy;
  /**
   * Raw (unfaulted) sessions kept for replica-group multi-writes (withPooledConnection): a few per
   * connection, closed after 30 s idle; not pinged before reuse (a write on a dead one fails and leaves a sync task).
   */
  private readonly pooled = new KeyedSessionPool<{ session: DialectSession }>({ maxIdlePerKey: 4, idleMs: 30_000 });

  constructor(
    @InjectRepo(ConnectionEntity) private readonly connections: Repository<ConnectionEntity>,
    @InjectRepo(SyncJobEntity) private readonly jobs: Repository<SyncJobEntity>,
    private readonly secrets: ConnectionSecrets,
    private readonly audit: AuditService,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
    @Optional() private readonly faults?: FaultRegistry,
  ) {
    this.egress = new EgressPolicy({ allow: security.hostsAllow, deny: security.hostsDeny, protectedDatabases: [security.controlStore] });
  }

  async list(limit: number, offset: number): Promise<Page<ConnectionView>> {
    const [rows, total] = await this.connections
      .createQueryBuilder('c')
      .addSelect('c.secretKeyId')
      .orderBy('lower(c.name)')
      .take(limit)
      .skip(offset)
      .getManyAndCount();
    return { items: rows.map((r) => view(r, !!r.secretKeyId)), total };
  }

  async get(id: string): Promise<ConnectionView> {
    const row = await this.connections.createQueryBuilder('c').addSelect('c.secretKeyId').where('c.id = :id', { id }).getOne();
    if (!row) throw new NotFoundException(`connection ${id} not found`);
    return view(row, !!row.secretKeyId);
  }

  async create(dto: CreateConnectionDto, actor: AuthUser): Promise<ConnectionView> {
    const spec = this.specFrom(dto);
    await this.checked(spec, dto.url ? 'url' : undefined);
    const id = randomUUID();
    const sealed = spec.password ? this.secrets.seal(id, spec.password) : null;
    try {
      await this.connections.insert({
        id,
        name: dto.name,
        dialect: spec.dialect,
        host: spec.host ?? null,
        port: spec.port ?? null,
        database: spec.database,
        username: spec.username ?? null,
        options: spec.options ?? {},
        readOnly: spec.readOnly ?? false,
        maxParallelChunks: dto.maxParallelChunks ?? null,
        secretKeyId: sealed?.keyId ?? null,
        secretCiphertext: sealed?.ciphertext ?? null,
        createdBy: actor.id,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(`a connection named "${dto.name}" exists`);
      throw error;
    }
    await this.audit.record({ actor, action: 'connection.create', targetType: 'connection', targetId: id, details: { name: dto.name, dialect: spec.dialect } });
    return this.get(id);
  }

  async update(id: string, dto: UpdateConnectionDto, actor: AuthUser): Promise<ConnectionView> {
    const current = await this.load(id);
    this.requirePasswordForNewDestination(current, dto);
    const spec: ConnectionSpec = {
      ...current,
      ...Object.fromEntries(Object.entries(dto).filter(([key, v]) => v !== undefined && key !== 'name' && key !== 'maxParallelChunks')),
    };
    if (dto.password === null) spec.password = undefined;
    await this.checked(spec);
    if (spec.readOnly && !current.readOnly) {
      const targeting = await this.jobsUsing(id, 'target');
      if (targeting.length) {
        const message = `readOnly: the connection is the target of ${describeJobs(targeting)}; change their target (or delete them) first`;
        throw new ConflictException({ message, details: [{ field: 'readOnly', message }] });
      }
    }
    const changes: Partial<ConnectionEntity> = {
      name: dto.name ?? current.name,
      host: spec.host ?? null,
      port: spec.port ?? null,
      database: spec.database,
      username: spec.username ?? null,
      options: spec.options ?? {},
      readOnly: spec.readOnly ?? false,
      ...(dto.maxParallelChunks !== undefined ? { maxParallelChunks: dto.maxParallelChunks } : {}),
    };
    if (dto.password !== undefined) {
      const sealed = dto.password === null ? null : this.secrets.seal(id, dto.password);
      changes.secretKeyId = sealed?.keyId ?? null;
      changes.secretCiphertext = sealed?.ciphertext ?? null;
    }
    try {
      await this.connections.update(id, changes);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(`a connection named "${dto.name}" exists`);
      throw error;
    }
    const fields = Object.keys(dto).filter((k) => k !== 'password');
    await this.audit.record({
      actor,
      action: 'connection.update',
      targetType: 'connection',
      targetId: id,
      details: { fields, passwordChanged: dto.password !== undefined },
    });
    return this.get(id);
  }

  async remove(id: string, actor: AuthUser): Promise<void> {
    await this.load(id);
    const using = await this.jobsUsing(id, 'either');
    if (using.length) throw new ConflictException(`the connection is used by ${describeJobs(using)}; change or delete them first`);
    try {
      await this.connections.delete(id);
    } catch (error) {
      // A job saved between the look-up and the delete: the foreign key still holds.
      if (isForeignKeyViolation(error)) {
        throw new ConflictException(`the connection is used by ${describeJobs(await this.jobsUsing(id, 'either'))}; change or delete them first`);
      }
      throw error;
    }
    await this.audit.record({ actor, action: 'connection.delete', targetType: 'connection', targetId: id });
  }

  async test(id: string, actor: AuthUser): Promise<ConnectionTestView> {
    const stored = await this.load(id);
    const result = await this.probe(stored);
    await this.audit.record({
      actor,
      action: 'connection.test',
      targetType: 'connection',
      targetId: id,
      outcome: result.ok ? 'ok' : 'failed',
      details: { latencyMs: result.latencyMs, error: result.error },
    });
    return result;
  }

  /**
   * The catalogue is read whole (one query, milliseconds for thousands of tables) and searched
   * and paged here, so a browser gets only the page it shows.
   */
  async tables(id: string, query: Omit<TablesQuery, 'offset'> & { offset?: number }): Promise<Page<TableSummaryView>> {
    const stored = await this.load(id);
    const all = await this.withSession(stored, (session) => session.listTables(query.schema));
    const needle = query.search?.trim().toLowerCase();
    const found = needle ? all.filter((t) => `${t.schema}.${t.name}`.toLowerCase().includes(needle)) : all;
    const offset = query.offset ?? 0;
    const items = query.limit === undefined ? found.slice(offset) : found.slice(offset, offset + query.limit);
    return { items, total: found.length };
  }

  async schemas(id: string): Promise<Page<SchemaView>> {
    const stored = await this.load(id);
    const names = await this.withSession(stored, (session) => {
      if (!session.data) throw new ServiceUnavailableException(`${stored.dialect} introspection is not available yet`);
      return session.data.introspector.listSchemas();
    });
    return { items: names.map((name) => ({ name })), total: names.length };
  }

  /** The jobs reading from or writing to a connection, by name (the first few, for a message). */
  private async jobsUsing(id: string, role: 'target' | 'either'): Promise<Array<Pick<SyncJobEntity, 'id' | 'name'>>> {
    return this.jobs.find({
      select: { id: true, name: true },
      where: role === 'target' ? { targetId: id } : [{ sourceId: id }, { targetId: id }],
      order: { name: 'ASC' },
    });
  }

  async describeTable(id: string, schema: string, table: string): Promise<TableDetailView> {
    const stored = await this.load(id);
    const described = await this.withSession(stored, (session) => {
      if (!session.data) throw new ServiceUnavailableException(`${stored.dialect} introspection is not available yet`);
      return session.data.introspector.describeTable({ schema, name: table });
    });
    if (!described) throw new NotFoundException(`table ${schema}.${table} not found on connection ${stored.name}`);
    return {
      schema: described.schema,
      name: described.name,
      columns: described.columns.map((c) => ({
        name: c.name,
        nativeType: c.nativeType,
        type: renderNeutralType(c.type),
        neutral: c.type,
        nullable: c.nullable,
        default: c.default ?? null,
        identity: c.identity ?? false,
      })),
      primaryKey: described.primaryKey,
      indexes: described.indexes,
      rowEstimate: described.rowEstimate,
    };
  }

  async status(withTables = true): Promise<Page<ConnectionStatusView>> {
    const rows = await this.connections.createQueryBuilder('c').addSelect(['c.secretKeyId', 'c.secretCiphertext']).orderBy('lower(c.name)').getMany();
    const results: ConnectionStatusView[] = new Array(rows.length);
    let next = 0;
    const work = async () => {
      for (let i = next++; i < rows.length; i = next++) results[i] = await this.statusOf(this.secrets.toSpec(rows[i]), withTables);
    };
    await Promise.all(Array.from({ length: Math.min(STATUS_PARALLELISM, rows.length) }, work));
    return { items: results, total: results.length };
  }

  private async statusOf(stored: StoredConnection, withTables: boolean): Promise<ConnectionStatusView> {
    const base = { id: stored.id, name: stored.name, dialect: stored.dialect };
    const probe = await this.probe(stored);
    const unknown = { tableCount: null, rowEstimate: null, tables: [] };
    if (!probe.ok) return { ...base, reachable: false, latencyMs: probe.latencyMs, error: probe.error, ...unknown };
    const reached = { ...base, reachable: true, latencyMs: probe.latencyMs, serverVersion: probe.serverVersion };
    try {
      const tables = await this.withSession(stored, (session) => session.listTables());
      const estimates = tables.map((t) => t.rowEstimate).filter((n): n is number => n !== null);
      const rowEstimate = estimates.length ? estimates.reduce((sum, n) => sum + n, 0) : null;
      return { ...reached, tableCount: tables.length, rowEstimate, tables: withTables ? tables : [] };
    } catch (error) {
      return { ...reached, error: (error as Error).message, ...unknown };
    }
  }

  /** Egress and path checks run again at use time: DNS may have changed since the row was saved. */
  private async probe(stored: StoredConnection): Promise<ConnectionTestView> {
    const started = Date.now();
    let resolved;
    try {
      resolved = await prepareConnection(stored, { egress: this.egress, sqliteRoot: this.security.sqliteRoot });
    } catch (error) {
      return { ok: false, latencyMs: Date.now() - started, error: (error as Error).message };
    }
    const { ok, latencyMs, serverVersion, error } = await testConnection(
      this.faultyDialect(stored),
      resolved,
      this.security.connectionTestTimeoutMs,
    );
    return { ok, latencyMs, serverVersion, error };
  }

  /** Opens a session on a stored connection (egress re-checked) for the length of `use`. */
  async withConnection<T>(
    id: string,
    use: (session: DialectSession, stored: StoredConnection) => Promise<T>,
    connect: Pick<ConnectOptions, 'missingAsEmpty'> = {},
  ): Promise<T> {
    const stored = await this.load(id);
    return this.withSession(stored, (session) => use(session, stored), connect);
  }

  /**
   * withConnection on a pooled session: a multi-write costs no connect when a session of the
   * same connection settings is idle. Egress is checked on every use, and injected faults apply
   * as to a fresh session (a connect fault fails the use before any session is taken, read and
   * write faults the session's work); a session whose work failed is closed, not pooled.
   */
  async withPooledConnection<T>(id: string, use: (session: DialectSession, stored: StoredConnection) => Promise<T>): Promise<T> {
    const stored = await this.load(id);
    const resolved = await prepareConnection(stored, { egress: this.egress, sqliteRoot: this.security.sqliteRoot });
    // Versioned by what the session is opened with, so an edited connection never reuses a session of its old settings.
    const version = settingsVersion([stored.dialect, resolved]);
    const faults = this.faults?.enabled ? this.faults : undefined;
    const check: FaultCheck | undefined = faults && faultCheck((operation, consume) => faults.hit(stored.id, operation, consume));
    if (check) await check('connect');
    const dialect = dialectFor(stored.dialect);
    return this.pooled.use(
      stored.id,
      version,
      async () => ({ session: await dialect.connect(resolved, { timeoutMs: this.security.connectionTestTimeoutMs, create: false }) }),
      ({ session }) => use(check ? faultySession(session, check) : session, stored),
      // A read or write fault is thrown before the session's work: the session is as it was, so it stays pooled (a
      // faulted member no longer costs a connect and a quit per multi-write batch).
      (error) => error instanceof InjectedFaultError,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.pooled.close();
  }

  private async withSession<T>(
    stored: StoredConnection,
    use: (session: DialectSession) => Promise<T>,
    connect: Pick<ConnectOptions, 'missingAsEmpty'> = {},
  ): Promise<T> {
    const resolved = await prepareConnection(stored, { egress: this.egress, sqliteRoot: this.security.sqliteRoot });
    // The API only reads catalogues: it never creates a missing SQLite file (a run may).
    const session = await this.faultyDialect(stored).connect(resolved, { ...connect, timeoutMs: this.security.connectionTestTimeoutMs, create: false });
    try {
      return await use(session);
    } finally {
      await session.close();
    }
  }

  /**
   * The connection's dialect, whose connect and sessions check injected faults when
   * FAULTS_ENABLED (a connect fault fails the open, read and write faults the session's work);
   * the dialect itself, untouched, when it is off.
   */
  private faultyDialect(stored: StoredConnection): Pick<Dialect, 'connect' | 'classifyError'> {
    const dialect = dialectFor(stored.dialect);
    const faults = this.faults?.enabled ? this.faults : undefined;
    if (!faults) return dialect;
    const check: FaultCheck = faultCheck((operation, consume) => faults.hit(stored.id, operation, consume));
    return {
      connect: async (spec, options) => {
        await check('connect');
        return faultySession(await dialect.connect(spec, options), check);
      },
      classifyError: (error) => dialect.classifyError(error),
    };
  }

  /**
   * The stored password goes only where it was given for: a change of where or how the
   * connection authenticates (host, port, database, or an option other than a few that only
   * name things) needs the password again, so whoever can edit a connection cannot point it at
   * their own server and press test to collect it.
   */
  private requirePasswordForNewDestination(current: StoredConnection, dto: UpdateConnectionDto): void {
    if (!current.password || dto.password !== undefined) return;
    const changed: string[] = (['host', 'port', 'database'] as const).filter((key) => dto[key] !== undefined && dto[key] !== current[key]);
    if (dto.options !== undefined) {
      const before = current.options ?? {};
      const keys = new Set([...Object.keys(before), ...Object.keys(dto.options)]);
      const moved = [...keys].filter((key) => !OPTIONS_AWAY_FROM_AUTH.has(key) && before[key] !== dto.options?.[key]);
      changed.push(...moved.map((key) => `options.${key}`));
    }
    if (changed.length) {
      throw fieldError([
        {
          field: 'password',
          message: `password: is required again when ${changed.join(', ')} change${changed.length === 1 ? 's' : ''} (the stored one is never sent to a new destination); send it, or null to remove it`,
        },
      ]);
    }
  }

  private async load(id: string): Promise<StoredConnection> {
    const stored = await this.secrets.load(id);
    if (!stored) throw new NotFoundException(`connection ${id} not found`);
    return stored;
  }

  private specFrom(dto: CreateConnectionDto): ConnectionSpec {
    if (!dto.url) {
      const { name: _name, url: _url, maxParallelChunks: _limit, ...fields } = dto;
      return { ...fields, database: fields.database ?? '' };
    }
    const clashing = (['host', 'port', 'database', 'username', 'password'] as const).filter((k) => dto[k] !== undefined);
    if (clashing.length) {
      throw fieldError(clashing.map((field) => ({ field, message: `${field} cannot be combined with url` })));
    }
    try {
      const parsed = parseConnectionUrl(dto.dialect, dto.url);
      return { ...parsed, dialect: dto.dialect, options: { ...parsed.options, ...dto.options }, readOnly: dto.readOnly };
    } catch (error) {
      throw this.asFieldError(error, 'url');
    }
  }

  /** Validates the spec as the dialect would use it, and the egress policy, without connecting. */
  private async checked(spec: ConnectionSpec, fieldOverride?: string): Promise<void> {
    try {
      await prepareConnection(spec, { egress: this.egress, sqliteRoot: this.security.sqliteRoot });
    } catch (error) {
      throw this.asFieldError(error, fieldOverride);
    }
  }

  private asFieldError(error: unknown, fieldOverride?: string) {
    if (error instanceof ConnectionSpecError) {
      return fieldError([{ field: fieldOverride ?? error.field, message: `${fieldOverride ?? error.field}: ${error.message}` }]);
    }
    if (error instanceof DbError) {
      // Egress refusals and unresolvable hosts are about the host the caller gave.
      return fieldError([{ field: fieldOverride ?? 'host', message: `${fieldOverride ?? 'host'}: ${error.message}` }]);
    }
    return error;
  }
}
