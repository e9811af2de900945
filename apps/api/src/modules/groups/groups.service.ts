import { ConflictException, GatewayTimeoutException, Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { In } from 'typeorm';
import { ConnectionEntity, DiffRepository, GroupRepository, type GroupRecord, InjectRepo, isForeignKeyViolation, Repository, type SyncTaskRecord } from '@dbferry/control-plane';
import type { DialectName, TableRef, TableSchema } from '@dbferry/dialects-core';
import { defaultSchema } from '@dbferry/dialects';
import {
  arbitrate,
  ArbiterError,
  type GroupMemberSnapshot,
  groupKey,
  groupMembership,
  groupRow,
  GroupRowError,
  type GroupWrite,
  jsonSafeRow,
  type MembershipInput,
  parseTableRef,
} from '@dbferry/engine';
import { JobProducer } from '@dbferry/queue';
import { arbitrationJobId, groupsJobId, JobName } from '@dbferry/queue-contracts';
import type { AuthUser } from '../../common/auth.decorators';
import { fieldError, type FieldProblem } from '../../common/validation';
import type { ArbiterView } from '../arbitration/arbiter.dto';
import { AuditService } from '../audit/audit.service';
import { ConnectionsService } from '../connections/connections.service';
import type { CreateGroupDto, GroupDebtView, GroupView, GroupWriteView, UpdateGroupDto } from './groups.dto';
import { MemberWrites } from './member-writes';

/** One arbiter view reads one row per member: past this, the databases are not answering. */
const ARBITER_TIMEOUT_MS = 30_000;
/** A key in the path longer than this is no key a table holds. */
const MAX_KEY_LENGTH = 4000;
/**
 * How long a multi-write reuses the group it read (its members and columns never change after
 * creation; a name, autoExecute or threshold changed by another API process shows within this):
 * a write then reads no group, member or connection rows, three store round trips fewer.
 */
const WRITE_CACHE_MS = 1000;

const tableText = (t: TableRef) => `${t.schema}.${t.name}`;

/** `key` in the path: a JSON object for a composite key (it starts with `{`), else the one column's value as text. */
function parseKey(text: string): unknown {
  if (text.length > MAX_KEY_LENGTH) throw fieldError([{ field: 'key', message: `key: at most ${MAX_KEY_LENGTH} characters` }]);
  if (!text.trimStart().startsWith('{')) return text;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed;
  } catch (error) {
    throw fieldError([{ field: 'key', message: `key: starts with { but is not a JSON object naming each key column (${(error as Error).message.slice(0, 120)})` }]);
  }
}

/** A member's table as given: schema.table, or a bare name in the connection's default schema. */
function memberTable(text: string, fallbackSchema: string): TableRef | null {
  const parsed = parseTableRef(text) ?? parseTableRef(`x.${text.trim()}`);
  if (!parsed || parsed.pattern) return null;
  return parseTableRef(text) ? { schema: parsed.schema, name: parsed.name } : { schema: fallbackSchema, name: parsed.name };
}

const rowError = (error: unknown): never => {
  if (error instanceof GroupRowError) throw fieldError([{ field: error.field, message: error.message }]);
  throw error;
};

@Injectable()
export class GroupsService {
  private readonly logger = new Logger(GroupsService.name);
  private readonly writeCache = new Map<string, { at: number; group: GroupRecord; members: GroupMemberSnapshot[] }>();

  constructor(
    private readonly groups: GroupRepository,
    private readonly diffs: DiffRepository,
    private readonly connections: ConnectionsService,
    @InjectRepo(ConnectionEntity) private readonly connectionRows: Repository<ConnectionEntity>,
    private readonly producer: JobProducer,
    private readonly audit: AuditService,
    private readonly memberWrites: MemberWrites,
  ) {}

  async create(dto: CreateGroupDto, actor: AuthUser): Promise<GroupView> {
    if (await this.groups.nameTaken(dto.name)) throw fieldError([{ field: 'name', message: `name: a group named ${dto.name} exists` }]);
    const ids = dto.members.map((m) => m.connectionId);
    const stored = new Map((await this.connectionRows.find({ where: { id: In(ids) } })).map((c) => [c.id, c]));
    const problems: FieldProblem[] = [];
    dto.members.forEach((m, i) => {
      if (!stored.has(m.connectionId)) problems.push({ field: `members[${i}].connectionId`, message: `members[${i}].connectionId: connection ${m.connectionId} not found` });
    });
    if (problems.length) throw fieldError(problems);
    const inputs: MembershipInput[] = [];
    for (const [i, m] of dto.members.entries()) {
      const connection = stored.get(m.connectionId) as ConnectionEntity;
      // A bare name's schema is the connection's default, known once it is opened.
      const table = memberTable(m.table, '');
      if (!table) throw fieldError([{ field: `members[${i}].table`, message: `members[${i}].table: must be schema.table or a table name (quote a name holding a dot: "a.b")` }]);
      let schema: TableSchema | null;
      try {
        schema = await this.connections.withConnection(m.connectionId, async (session, conn) => {
          const resolved = parseTableRef(m.table) ? table : { schema: defaultSchema(conn), name: table.name };
          table.schema = resolved.schema;
          if (!session.data) throw new Error(`${conn.dialect} rows cannot be written yet`);
          return session.data.introspector.describeTable(resolved);
        });
      } catch (error) {
        if (error instanceof NotFoundException) throw fieldError([{ field: `members[${i}].connectionId`, message: `members[${i}].connectionId: connection ${m.connectionId} not found` }]);
        throw fieldError([{ field: `members[${i}]`, message: `members[${i}]: connection ${m.connectionId} cannot be read: ${(error as Error).message.slice(0, 300)}` }]);
      }
      inputs.push({ connectionId: m.connectionId, dialect: connection.dialect, table, schema, readOnly: connection.readOnly });
    }
    const membership = groupMembership(dto.keyColumns, inputs);
    if (membership.problems.length) {
      throw fieldError(membership.problems.map((p) => ({ field: p.message.startsWith('key column') && p.index === 0 ? 'keyColumns' : `members[${p.index}]`, message: `${p.message.startsWith('key column') && p.index === 0 ? 'keyColumns' : `members[${p.index}]`}: ${p.message}` })));
    }
    const id = await this.groups.create({
      name: dto.name,
      keyColumns: membership.columns.slice(0, dto.keyColumns.length).map((c) => c.name),
      columns: membership.columns,
      differences: membership.differences,
      autoExecute: dto.autoExecute ?? true,
      debtAlertSeconds: dto.debtAlertSeconds ?? 900,
      members: membership.members.map((m, ordinal) => ({ connectionId: m.connectionId, ordinal, table: m.table, columns: m.columns })),
      createdBy: actor.id,
    });
    await this.audit.record({ actor, action: 'group.create', targetType: 'group', targetId: id, details: { name: dto.name, members: membership.members.map((m) => ({ connectionId: m.connectionId, table: tableText(m.table) })) } });
    if (dto.adopt) await this.adopt(id, actor);
    return this.get(id);
  }

  /** Starts a diff of every member against the first (the POST /api/diffs machinery): its counts are the debt the group starts with. */
  async adopt(id: string, actor: AuthUser): Promise<{ diffId: string }> {
    const group = await this.load(id);
    const [first, ...others] = group.members;
    const diffId = await this.diffs.create({
      referenceId: first.connectionId,
      otherIds: others.map((m) => m.connectionId),
      request: [{ reference: tableText(first.table), others: Object.fromEntries(others.map((m) => [m.connectionId, tableText(m.table)])), keyColumns: group.keyColumns }],
      options: {},
      createdBy: actor.id,
    });
    await this.groups.setAdoptDiff(id, diffId);
    await this.audit.record({ actor, action: 'group.adopt', targetType: 'group', targetId: id, details: { diffId } });
    try {
      await this.producer.enqueue(JobName.PlanDiff, { v: 1, diffId }, { jobId: arbitrationJobId.planDiff(diffId) });
    } catch {
      this.logger.warn(`group ${id}: diff ${diffId} is stored as queued; the worker's reconciler enqueues it once Redis is back`);
    }
    return { diffId };
  }

  async list(limit: number, offset: number): Promise<{ items: GroupView[]; total: number }> {
    const page = await this.groups.list(limit, offset);
    return { items: page.items.map(view), total: page.total };
  }

  async get(id: string): Promise<GroupView> {
    return view(await this.load(id));
  }

  async update(id: string, dto: UpdateGroupDto, actor: AuthUser): Promise<GroupView> {
    await this.load(id);
    if (dto.name !== undefined && (await this.groups.nameTaken(dto.name, id))) throw fieldError([{ field: 'name', message: `name: a group named ${dto.name} exists` }]);
    await this.groups.update(id, dto);
    this.writeCache.delete(id);
    await this.audit.record({ actor, action: 'group.update', targetType: 'group', targetId: id, details: { ...dto } });
    return this.get(id);
  }

  async remove(id: string, actor: AuthUser): Promise<void> {
    this.writeCache.delete(id);
    if (!(await this.groups.remove(id))) throw new NotFoundException(`group ${id} not found`);
    await this.audit.record({ actor, action: 'group.delete', targetType: 'group', targetId: id });
  }

  async debt(id: string): Promise<GroupDebtView> {
    await this.load(id);
    return { members: (await this.groups.debt(id)).map((d) => ({ connectionId: d.connectionId, pending: d.pending, failed: d.failed, oldestPendingAt: d.oldestPendingAt })) };
  }

  /** POST rows: an upsert of the row; PUT rows/:key: the same with the key from the path. */
  async upsert(id: string, row: Record<string, unknown>, writeTo: string[] | undefined, actor: AuthUser, pathKey?: string): Promise<GroupWriteView> {
    const { group, members } = await this.forWrite(id);
    let given = row;
    if (pathKey !== undefined) {
      let key: Record<string, unknown>;
      try {
        key = groupKey(members[0], group.keyColumns.length, parseKey(pathKey)).key;
      } catch (error) {
        return rowError(error);
      }
      for (const name of group.keyColumns) {
        if (name in row && String(row[name]) !== String(key[name])) throw fieldError([{ field: `row.${name}`, message: `row.${name}: differs from the key in the path` }]);
      }
      given = { ...row, ...key };
    }
    let checked: ReturnType<typeof groupRow>;
    try {
      checked = groupRow(members, group.keyColumns.length, given);
    } catch (error) {
      return rowError(error);
    }
    return this.write(group, members, { op: 'upsert', row: checked.row, key: checked.key }, checked.digest, writeTo, actor);
  }

  async delete(id: string, pathKey: string, writeTo: string[] | undefined, actor: AuthUser): Promise<GroupWriteView> {
    const { group, members } = await this.forWrite(id);
    let key: ReturnType<typeof groupKey>;
    try {
      key = groupKey(members[0], group.keyColumns.length, parseKey(pathKey));
    } catch (error) {
      return rowError(error);
    }
    return this.write(group, members, { op: 'delete', key: key.key }, key.digest, writeTo, actor);
  }

  /**
   * Records the write and the tasks of the members not in writeTo in one store transaction, then
   * writes each named member in its own target transaction (the key's newest write, under the
   * store's lock), together with the other writes in flight to that member (MemberWrites). A
   * member that fails gets a task holding the error.
   */
  private async write(group: GroupRecord, members: GroupMemberSnapshot[], write: GroupWrite, digest: string, writeTo: string[] | undefined, actor: AuthUser): Promise<GroupWriteView> {
    const ids = members.map((m) => m.connectionId);
    const named = writeTo ?? ids;
    const problems = named.flatMap((c, i) => (ids.includes(c) ? [] : [{ field: `writeTo[${i}]`, message: `writeTo[${i}]: connection ${c} is not a member of the group` }]));
    if (problems.length) throw fieldError(problems);
    const recorded = await this.recordWrite({
      groupId: group.id,
      keyDigest: digest,
      key: write.key,
      op: write.op,
      row: write.op === 'upsert' ? write.row : null,
      writeTo: named,
      owedBy: ids.filter((c) => !named.includes(c)),
      queued: false,
      createdBy: actor.id,
    });
    const written: string[] = [];
    const failed: { connectionId: string; error: string; taskId: string }[] = [];
    const newTasks = Object.values(recorded.tasks);
    await Promise.all(
      members
        .filter((m) => named.includes(m.connectionId))
        .map(async (member) => {
          try {
            await this.memberWrites.write(group, member, digest);
            written.push(member.connectionId);
          } catch (error) {
            const message = ((error as Error).message ?? String(error)).slice(0, 1000);
            const taskId = await this.groups.failedWriteTask(group.id, member.connectionId, recorded.version, digest, message, false);
            newTasks.push(taskId);
            failed.push({ connectionId: member.connectionId, error: message, taskId });
          }
        }),
    );
    if (group.autoExecute) await this.enqueue(newTasks.map((t) => ({ id: t, round: 0 })));
    await this.audit.record({
      actor,
      action: `group.${write.op === 'delete' ? 'delete-row' : 'write-row'}`,
      targetType: 'group',
      targetId: group.id,
      outcome: failed.length ? 'failed' : 'ok',
      details: { key: write.key, version: recorded.version, written, pending: Object.keys(recorded.tasks), failed: failed.map((f) => f.connectionId) },
    });
    const order = (list: string[]) => ids.filter((c) => list.includes(c));
    return { key: write.key, version: recorded.version, written: order(written), pending: Object.values(recorded.tasks), failed: ids.flatMap((c) => failed.filter((f) => f.connectionId === c)) };
  }

  /** The arbiter (issue 12) over the group's members: the row on each, compared exactly, with the majority. */
  async arbiter(id: string, pathKey: string): Promise<ArbiterView> {
    const group = await this.load(id);
    const members = await this.snapshots(group);
    let key: Record<string, unknown>;
    try {
      key = groupKey(members[0], group.keyColumns.length, parseKey(pathKey)).key;
    } catch (error) {
      return rowError(error);
    }
    const signal = AbortSignal.timeout(ARBITER_TIMEOUT_MS);
    const open = async (i: number, sides: Parameters<typeof arbitrate>[0]['sides']): Promise<ArbiterView> => {
      if (i === members.length) {
        try {
          const result = await arbitrate({ key, sides, keyColumns: group.keyColumns, columns: group.columns.map((c) => c.name), signal });
          return {
            key: result.key,
            keyColumns: result.keyColumns,
            columns: result.columns,
            rows: Object.fromEntries(Object.entries(result.rows).map(([c, row]) => [c, row && jsonSafeRow(result.columns, row)])),
            consistent: result.consistent,
            majority: result.majority,
            groups: result.groups,
            differingColumns: result.differingColumns,
            tables: Object.fromEntries(sides.map((s) => [s.connectionId, tableText(s.table)])),
            notes: result.notes,
          };
        } catch (error) {
          if (error instanceof ArbiterError) throw fieldError([{ field: error.field === 'key' ? 'key' : 'members', message: error.message }]);
          if (signal.aborted) throw new GatewayTimeoutException(`the members did not answer within ${ARBITER_TIMEOUT_MS / 1000} s`);
          throw error;
        }
      }
      const m = members[i];
      return this.connections.withConnection(m.connectionId, (session) => {
        if (!session.data) throw new ServiceUnavailableException(`${m.dialect} rows cannot be read yet`);
        return open(i + 1, [...sides, { connectionId: m.connectionId, dialect: m.dialect, data: session.data, table: m.table }]);
      });
    };
    return open(0, []);
  }

  async tasks(filter: { status?: SyncTaskRecord['status']; groupId?: string; connectionId?: string }, limit: number, offset: number) {
    const page = await this.groups.tasks(filter, limit, offset);
    return { items: page.items.map(taskView), total: page.total };
  }

  /** Hands one task to the worker fleet now (a failed one starts a new round, its attempts kept). */
  async executeTask(taskId: string, actor: AuthUser): Promise<{ queued: string[] }> {
    const task = await this.groups.task(taskId);
    if (!task) throw new NotFoundException(`sync task ${taskId} not found`);
    const queued = task.status === 'failed' ? [await this.groups.retryFailed(taskId)].filter((t): t is { id: string; round: number } => !!t) : await this.groups.queueOpen({ taskId });
    if (!queued.length) throw new ConflictException(`sync task ${taskId} is ${task.status}: nothing left to apply`);
    await this.enqueue(queued, true);
    await this.audit.record({ actor, action: 'sync-task.execute', targetType: 'sync-task', targetId: taskId, details: { groupId: task.groupId } });
    return { queued: queued.map((t) => t.id) };
  }

  /** Hands every open task (of one group) to the worker fleet. */
  async executeAll(groupId: string | undefined, actor: AuthUser): Promise<{ queued: string[] }> {
    if (groupId) await this.load(groupId, 'groupId');
    const queued = await this.groups.queueOpen({ groupId });
    await this.enqueue(queued, true);
    await this.audit.record({ actor, action: 'sync-task.execute-all', targetType: 'group', ...(groupId && { targetId: groupId }), details: { tasks: queued.length } });
    return { queued: queued.map((t) => t.id) };
  }

  /** Stable job ids: a task enqueued twice (a retry, the reconciler) is one job. Redis down: the reconciler enqueues them later. */
  private async enqueue(tasks: { id: string; round: number }[], strict = false): Promise<void> {
    try {
      // 1,000 tasks of an execute-all were 1,000 Redis round trips here: one per 500 now.
      for (let i = 0; i < tasks.length; i += 500) {
        await this.producer.enqueueBulk(
          JobName.ApplySyncTask,
          tasks.slice(i, i + 500).map((t) => ({ data: { v: 1 as const, taskId: t.id }, jobId: groupsJobId.task(t.id, t.round) })),
        );
      }
    } catch (error) {
      if (strict) throw new ServiceUnavailableException(`the queue (Redis) is unavailable: the tasks are marked for execution and the worker's reconciler enqueues them once Redis is back`);
      this.logger.warn(`sync tasks not enqueued (${(error as Error).message}); the worker's reconciler enqueues them once Redis is back`);
    }
  }

  /** The group and its member snapshots for a write, read at most every WRITE_CACHE_MS. */
  private async forWrite(id: string): Promise<{ group: GroupRecord; members: GroupMemberSnapshot[] }> {
    const hit = this.writeCache.get(id);
    if (hit && Date.now() - hit.at < WRITE_CACHE_MS) return hit;
    const group = await this.load(id);
    const entry = { at: Date.now(), group, members: await this.snapshots(group) };
    if (this.writeCache.size >= 1000) this.writeCache.clear();
    this.writeCache.set(id, entry);
    return entry;
  }

  /** A group deleted (by another API process) since it was cached: its writes are refused as for any missing group. */
  private async recordWrite(write: Parameters<GroupRepository['recordWrite']>[0]): ReturnType<GroupRepository['recordWrite']> {
    try {
      return await this.groups.recordWrite(write);
    } catch (error) {
      if (!isForeignKeyViolation(error)) throw error;
      this.writeCache.delete(write.groupId);
      throw new NotFoundException(`group ${write.groupId} not found`);
    }
  }

  private async load(id: string, field?: string): Promise<GroupRecord> {
    const group = await this.groups.group(id);
    if (!group) {
      if (field) throw fieldError([{ field, message: `${field}: group ${id} not found` }]);
      throw new NotFoundException(`group ${id} not found`);
    }
    return group;
  }

  private async snapshots(group: GroupRecord): Promise<GroupMemberSnapshot[]> {
    const stored = new Map((await this.connectionRows.find({ where: { id: In(group.members.map((m) => m.connectionId)) }, select: { id: true, dialect: true } })).map((c) => [c.id, c.dialect]));
    return group.members.map((m) => ({ connectionId: m.connectionId, dialect: stored.get(m.connectionId) as DialectName, table: m.table, columns: m.columns as GroupMemberSnapshot['columns'] }));
  }
}

function view(group: GroupRecord): GroupView {
  return {
    id: group.id,
    name: group.name,
    keyColumns: group.keyColumns,
    columns: group.columns,
    members: group.members.map((m) => ({ connectionId: m.connectionId, table: tableText(m.table) })),
    differences: group.differences as GroupView['differences'],
    autoExecute: group.autoExecute,
    debtAlertSeconds: group.debtAlertSeconds,
    adoptDiffId: group.adoptDiffId,
    createdAt: group.createdAt,
    updatedAt: group.updatedAt,
  };
}

function taskView(t: SyncTaskRecord) {
  return {
    id: t.id,
    groupId: t.groupId,
    connectionId: t.connectionId,
    version: t.version,
    key: t.key,
    op: t.op,
    status: t.status,
    attempts: t.attempts,
    error: t.error,
    skippedFor: t.skippedFor,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    finishedAt: t.finishedAt,
  };
}
