import type { DataSource, EntityManager } from 'typeorm';

export type SyncTaskStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
export const SYNC_TASK_STATUSES: readonly SyncTaskStatus[] = ['pending', 'running', 'done', 'failed', 'skipped'];

/** One column of a group: its name, its neutral kind on the first member, and whether it may be null there. */
export interface GroupColumnRecord {
  name: string;
  kind: string;
  nullable: boolean;
}

export interface GroupMemberRecord {
  connectionId: string;
  ordinal: number;
  table: { schema: string; name: string };
  /** The member's NeutralColumn[] (of @dbferry/dialects-core) aligned with the group's columns, keys first. */
  columns: unknown[];
}

export interface GroupRecord {
  id: string;
  name: string;
  keyColumns: string[];
  columns: GroupColumnRecord[];
  differences: unknown[];
  autoExecute: boolean;
  debtAlertSeconds: number;
  adoptDiffId: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  members: GroupMemberRecord[];
}

export interface NewGroup {
  name: string;
  keyColumns: string[];
  columns: GroupColumnRecord[];
  differences: unknown[];
  autoExecute: boolean;
  debtAlertSeconds: number;
  members: GroupMemberRecord[];
  createdBy: string | null;
}

export interface GroupWriteRecord {
  version: string;
  groupId: string;
  keyDigest: string;
  key: Record<string, unknown>;
  op: 'upsert' | 'delete';
  row: Record<string, unknown> | null;
  writeTo: string[];
  createdAt: Date;
}

export interface SyncTaskRecord {
  id: string;
  groupId: string;
  connectionId: string;
  version: string;
  keyDigest: string;
  key: Record<string, unknown>;
  op: 'upsert' | 'delete';
  status: SyncTaskStatus;
  attempts: number;
  error: string | null;
  round: number;
  queued: boolean;
  skippedFor: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface MemberDebt {
  groupId: string;
  connectionId: string;
  pending: number;
  failed: number;
  oldestPendingAt: Date | null;
}

/** What applying a key's newest write to one member settled. */
export interface MemberKeyOutcome {
  /** The version the member holds now (the newest write of the key, or what it already held). */
  appliedVersion: string;
  /** False when the member already held the newest write: nothing was written. */
  wrote: boolean;
  /** Open tasks of the key settled: done (the version written) or skipped (an older one). */
  done: string[];
  skipped: string[];
}

/** What one GroupRepository.applyKeys call settled. */
export interface KeysOutcome {
  /** Keys brought up to date: those given and those claimed. */
  keys: number;
  /** Keys whose newest write was written to the member (the others it held already). */
  written: string[];
  /** Per key, the version the member holds now. */
  held: Record<string, string>;
  /** Open tasks settled: done (the version written) or skipped (an older one). */
  done: string[];
  skipped: string[];
}

const GROUP_COLUMNS = `g.id, g.name, g.key_columns AS "keyColumns", g.columns, g.differences, g.auto_execute AS "autoExecute",
  g.debt_alert_seconds AS "debtAlertSeconds", g.adopt_diff_id AS "adoptDiffId", g.created_by AS "createdBy", g.created_at AS "createdAt", g.updated_at AS "updatedAt"`;
const TASK_COLUMNS = `t.id, t.group_id AS "groupId", t.connection_id AS "connectionId", t.version::text AS version, t.key_digest AS "keyDigest", w.key, w.op,
  t.status, t.attempts, t.error, t.round, t.queued, t.skipped_for::text AS "skippedFor", t.created_at AS "createdAt", t.updated_at AS "updatedAt", t.finished_at AS "finishedAt"`;
const WRITE_COLUMNS = `version::text AS version, group_id AS "groupId", key_digest AS "keyDigest", key, op, row, write_to AS "writeTo", created_at AS "createdAt"`;

/**
 * The one owner of replica-group state in the control store: groups and members, writes with
 * their sync tasks (one transaction), and per member and key the version it holds. Applying a
 * write to a member happens under that (group, member, key) row's lock, so two appliers of one
 * key (the API's synchronous write, a worker's task, a retried job) take turns and each applies
 * the key's newest write or nothing: a late task never overwrites a newer write.
 */
export class GroupRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  private transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return 'createQueryRunner' in this.db ? (this.db as DataSource).transaction(work) : (this.db as EntityManager).transaction(work);
  }

  async create(group: NewGroup): Promise<string> {
    return this.transaction(async (tx) => {
      const [row] = (await tx.query(
        `INSERT INTO replica_group (name, key_columns, columns, differences, auto_execute, debt_alert_seconds, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [group.name, group.keyColumns, JSON.stringify(group.columns), JSON.stringify(group.differences), group.autoExecute, group.debtAlertSeconds, group.createdBy],
      )) as { id: string }[];
      for (const m of group.members) {
        await tx.query(`INSERT INTO replica_group_member (group_id, connection_id, ordinal, table_schema, table_name, columns) VALUES ($1, $2, $3, $4, $5, $6)`, [
          row.id,
          m.connectionId,
          m.ordinal,
          m.table.schema,
          m.table.name,
          JSON.stringify(m.columns),
        ]);
      }
      return row.id;
    });
  }

  async nameTaken(name: string, exceptId?: string): Promise<boolean> {
    const rows = (await this.db.query(`SELECT 1 FROM replica_group WHERE name = $1 AND id IS DISTINCT FROM $2`, [name, exceptId ?? null])) as unknown[];
    return rows.length > 0;
  }

  async update(id: string, patch: { name?: string; autoExecute?: boolean; debtAlertSeconds?: number }): Promise<boolean> {
    const [, count] = (await this.db.query(
      `UPDATE replica_group SET name = coalesce($2, name), auto_execute = coalesce($3, auto_execute), debt_alert_seconds = coalesce($4, debt_alert_seconds), updated_at = now() WHERE id = $1`,
      [id, patch.name ?? null, patch.autoExecute ?? null, patch.debtAlertSeconds ?? null],
    )) as [unknown, number];
    return count > 0;
  }

  async setAdoptDiff(id: string, diffId: string): Promise<void> {
    await this.db.query(`UPDATE replica_group SET adopt_diff_id = $2, updated_at = now() WHERE id = $1`, [id, diffId]);
  }

  async remove(id: string): Promise<boolean> {
    return this.transaction(async (tx) => {
      // Tasks reference writes and members: gone with the group, in one transaction.
      await tx.query(`DELETE FROM sync_task WHERE group_id = $1`, [id]);
      await tx.query(`DELETE FROM group_write WHERE group_id = $1`, [id]);
      const [, count] = (await tx.query(`DELETE FROM replica_group WHERE id = $1`, [id])) as [unknown, number];
      return count > 0;
    });
  }

  async group(id: string): Promise<GroupRecord | null> {
    const [group] = (await this.db.query(`SELECT ${GROUP_COLUMNS} FROM replica_group g WHERE g.id = $1`, [id])) as Omit<GroupRecord, 'members'>[];
    if (!group) return null;
    return { ...group, members: await this.members(id) };
  }

  async list(limit: number, offset: number): Promise<{ items: GroupRecord[]; total: number }> {
    const groups = (await this.db.query(`SELECT ${GROUP_COLUMNS} FROM replica_group g ORDER BY g.name LIMIT $1 OFFSET $2`, [limit, offset])) as Omit<GroupRecord, 'members'>[];
    const [{ total }] = (await this.db.query(`SELECT count(*)::int AS total FROM replica_group`)) as { total: number }[];
    const items: GroupRecord[] = [];
    for (const g of groups) items.push({ ...g, members: await this.members(g.id) });
    return { items, total };
  }

  private async members(groupId: string): Promise<GroupMemberRecord[]> {
    const rows = (await this.db.query(
      `SELECT connection_id AS "connectionId", ordinal, table_schema AS schema, table_name AS name, columns FROM replica_group_member WHERE group_id = $1 ORDER BY ordinal`,
      [groupId],
    )) as { connectionId: string; ordinal: number; schema: string; name: string; columns: unknown[] }[];
    return rows.map((r) => ({ connectionId: r.connectionId, ordinal: r.ordinal, table: { schema: r.schema, name: r.name }, columns: r.columns }));
  }

  /**
   * Records a write (the next version) and, in the same transaction, one pending task per
   * member in `owedBy`. Returns the version and the tasks by connection id.
   */
  async recordWrite(write: {
    groupId: string;
    keyDigest: string;
    key: Record<string, unknown>;
    op: 'upsert' | 'delete';
    row: Record<string, unknown> | null;
    writeTo: string[];
    owedBy: string[];
    queued: boolean;
    createdBy: string | null;
  }): Promise<{ version: string; tasks: Record<string, string> }> {
    // One statement, so one transaction and one round trip (a multi-write's hot path): the write, its tasks, and the
    // (group, member, key) rows of the members that owe it, so a drain can lock them without inserting (applyKeys).
    const [row] = (await this.db.query(
      `WITH w AS (
         INSERT INTO group_write (group_id, key_digest, key, op, row, write_to, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING version
       ), t AS (
         INSERT INTO sync_task (group_id, connection_id, version, key_digest, queued)
         SELECT $1, o.c, w.version, $2, $9 FROM w, unnest($8::uuid[]) WITH ORDINALITY AS o (c, n) ORDER BY o.n
         RETURNING id, connection_id
       ), k AS (
         INSERT INTO group_member_key (group_id, connection_id, key_digest) SELECT $1, c, $2 FROM unnest($8::uuid[]) AS c ORDER BY c ON CONFLICT DO NOTHING
       )
       SELECT (SELECT version::text FROM w) AS version, coalesce((SELECT json_object_agg(connection_id, id) FROM t), '{}'::json) AS tasks`,
      [
        write.groupId,
        write.keyDigest,
        JSON.stringify(write.key),
        write.op,
        write.row === null ? null : JSON.stringify(write.row),
        write.writeTo,
        write.createdBy,
        write.owedBy,
        write.queued,
      ],
    )) as { version: string; tasks: Record<string, string> }[];
    // In the order of owedBy, as the caller lists them.
    return { version: row.version, tasks: Object.fromEntries(write.owedBy.map((c) => [c, row.tasks[c]])) };
  }

  /** A task for a member whose synchronous write failed: it owes the write, with the error and one attempt spent. */
  async failedWriteTask(groupId: string, connectionId: string, version: string, keyDigest: string, error: string, queued: boolean): Promise<string> {
    const [t] = (await this.db.query(
      `WITH k AS (INSERT INTO group_member_key (group_id, connection_id, key_digest) VALUES ($1, $2, $4) ON CONFLICT DO NOTHING)
       INSERT INTO sync_task (group_id, connection_id, version, key_digest, queued, error, attempts) VALUES ($1, $2, $3, $4, $5, $6, 1) RETURNING id`,
      [groupId, connectionId, version, keyDigest, queued, error],
    )) as { id: string }[];
    return t.id;
  }

  async newestWrite(groupId: string, keyDigest: string): Promise<GroupWriteRecord | null> {
    const [w] = (await this.db.query(`SELECT ${WRITE_COLUMNS} FROM group_write w WHERE w.group_id = $1 AND w.key_digest = $2 ORDER BY w.version DESC LIMIT 1`, [groupId, keyDigest])) as GroupWriteRecord[];
    return w ?? null;
  }

  /**
   * Brings one member's copy of one key up to the key's newest write, under the lock of the
   * (group, member, key) row: `write` is called with that write only when the member holds an
   * older version (it must write the row to the member in one target transaction and throw on
   * failure). Then, in the same store transaction, the version held is recorded and the key's
   * open (and failed, now paid) tasks for the member are settled: the one of the written version done, older ones
   * skipped. A failure rolls everything back here (the target write is idempotent, so a write
   * that committed on the target before a crash is simply written again).
   */
  async applyNewest(groupId: string, connectionId: string, keyDigest: string, write: (newest: GroupWriteRecord) => Promise<void>): Promise<MemberKeyOutcome> {
    return this.transaction(async (tx) => {
      await tx.query(`INSERT INTO group_member_key (group_id, connection_id, key_digest) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [groupId, connectionId, keyDigest]);
      const [held] = (await tx.query(
        `SELECT applied_version::text AS version FROM group_member_key WHERE group_id = $1 AND connection_id = $2 AND key_digest = $3 FOR UPDATE`,
        [groupId, connectionId, keyDigest],
      )) as { version: string }[];
      const [newest] = (await tx.query(`SELECT ${WRITE_COLUMNS} FROM group_write w WHERE w.group_id = $1 AND w.key_digest = $2 ORDER BY w.version DESC LIMIT 1`, [groupId, keyDigest])) as GroupWriteRecord[];
      let appliedVersion = held.version;
      let wrote = false;
      if (newest && BigInt(newest.version) > BigInt(held.version)) {
        await write(newest);
        wrote = true;
        appliedVersion = newest.version;
        await tx.query(`UPDATE group_member_key SET applied_version = $4, deleted = $5, updated_at = now() WHERE group_id = $1 AND connection_id = $2 AND key_digest = $3`, [
          groupId,
          connectionId,
          keyDigest,
          appliedVersion,
          newest.op === 'delete',
        ]);
      }
      const settled = (await tx.query(
        `UPDATE sync_task SET status = CASE WHEN version = $4 THEN 'done' ELSE 'skipped' END,
                skipped_for = CASE WHEN version = $4 THEN NULL ELSE $4::bigint END, finished_at = now(), updated_at = now()
          WHERE group_id = $1 AND connection_id = $2 AND key_digest = $3 AND status IN ('pending', 'running', 'failed') AND version <= $4
          RETURNING id, status`,
        [groupId, connectionId, keyDigest, appliedVersion],
      )) as [{ id: string; status: string }[], number];
      const rows = settled[0];
      return { appliedVersion, wrote, done: rows.filter((r) => r.status === 'done').map((r) => r.id), skipped: rows.filter((r) => r.status === 'skipped').map((r) => r.id) };
    });
  }

  /**
   * Brings one member up to date on several keys in one store transaction and one call of
   * `write` (issue 13, H4): the API's coalesced multi-writes (the keys of the writes in flight to
   * that member) and the worker's drain (a task's key and more keys the member owes).
   *
   * - `keys` are locked waiting, in sorted order (two appliers never deadlock on them), as
   *   `applyNewest` locks its one key.
   * - `claim`: also take up to `limit` keys of the member's oldest pending tasks the fleet may
   *   run (`autoExecute`, or queued by hand; a held task is never taken), but only keys whose
   *   task rows and (group, member, key) row no one else holds (SKIP LOCKED): a key the API is
   *   writing now is left to it, and nothing waits while holding what another applier waits on.
   * - `serialize`: one such call per member at a time across the fleet (a transaction-scoped
   *   advisory lock): a SQLite member has one writer, and two drains never pick the same keys.
   * - `write` gets each key's newest write the member does not hold yet (one per key) and must
   *   write them all or throw. Then the versions held are recorded and the keys' open (and failed,
   *   now paid) tasks settled: the written version done (a pending one counts one attempt), older
   *   ones skipped. Task rows locked by someone else are left open (their own apply finds the
   *   version held and settles them), except with `waitForTasks`, which waits for `keys`' rows.
   * - A failure rolls all of it back here: the tasks stay as they were (the target writes are
   *   idempotent, so rows that reached the member before a crash are simply written again).
   */
  async applyKeys(
    groupId: string,
    connectionId: string,
    keys: string[],
    options: { claim?: { limit: number; autoExecute: boolean }; serialize?: boolean; waitForTasks?: boolean },
    write: (writes: GroupWriteRecord[]) => Promise<void>,
  ): Promise<KeysOutcome> {
    const own = [...new Set(keys)].sort();
    return this.transaction(async (tx) => {
      if (options.serialize) await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`dbferry:group-member:${groupId}:${connectionId}`]);
      const held = new Map<string, string>();
      const newest = new Map<string, GroupWriteRecord>();
      const keep = (rows: (GroupWriteRecord & { held: string; newestVersion: string | null })[]) => {
        for (const r of rows) {
          held.set(r.keyDigest, r.held);
          if (r.newestVersion !== null) newest.set(r.keyDigest, { ...r, version: r.newestVersion });
        }
      };
      // Each key's newest write beside the (group, member, key) row: one statement where the lock and the read were two.
      const newestOf = `LEFT JOIN LATERAL (SELECT w.version::text AS "newestVersion", w.key, w.op, w.row, w.write_to AS "writeTo", w.created_at AS "createdAt"
          FROM group_write w WHERE w.group_id = m.group_id AND w.key_digest = m.key_digest ORDER BY w.version DESC LIMIT 1) w ON true`;
      if (own.length) {
        // The rows made where missing and locked in one go, in key order (a no-op update locks an existing row as FOR UPDATE would).
        // A write committed while this waited for a lock may be missed here: the member then holds it or newer (held), or its own
        // apply (its request, its task) writes it after this one.
        keep(
          (await tx.query(
            `WITH m AS (
               INSERT INTO group_member_key AS g (group_id, connection_id, key_digest) SELECT $1, $2, k FROM unnest($3::text[]) AS k ORDER BY k
               ON CONFLICT (group_id, connection_id, key_digest) DO UPDATE SET applied_version = g.applied_version
               RETURNING group_id, connection_id, key_digest, applied_version
             )
             SELECT m.key_digest AS "keyDigest", m.applied_version::text AS held, $1::uuid AS "groupId", w.* FROM m ${newestOf}`,
            [groupId, connectionId, own],
          )) as (GroupWriteRecord & { held: string; newestVersion: string | null })[],
        );
      }
      if (options.claim && options.claim.limit > 0) {
        const claimed = (await tx.query(
          `SELECT key_digest AS "keyDigest" FROM sync_task
            WHERE group_id = $1 AND connection_id = $2 AND status = 'pending' AND NOT (key_digest = ANY($3::text[])) AND ($4 OR queued)
            ORDER BY version LIMIT $5 FOR UPDATE SKIP LOCKED`,
          [groupId, connectionId, own, options.claim.autoExecute, options.claim.limit * 2],
        )) as { keyDigest: string }[];
        const more = [...new Set(claimed.map((c) => c.keyDigest))].slice(0, options.claim.limit);
        if (more.length) {
          // No insert here (it could wait on another applier's uncommitted one): a task's row exists from its write on (recordWrite, failedWriteTask).
          keep(
            (await tx.query(
              `SELECT m.key_digest AS "keyDigest", m.applied_version::text AS held, $1::uuid AS "groupId", w.* FROM group_member_key m ${newestOf}
                WHERE m.group_id = $1 AND m.connection_id = $2 AND m.key_digest = ANY($3::text[]) FOR UPDATE OF m SKIP LOCKED`,
              [groupId, connectionId, more],
            )) as (GroupWriteRecord & { held: string; newestVersion: string | null })[],
          );
        }
      }
      const all = [...held.keys()];
      const due = [...newest.values()].filter((w) => BigInt(w.version) > BigInt(held.get(w.keyDigest) as string)).sort((a, b) => (a.keyDigest < b.keyDigest ? -1 : a.keyDigest > b.keyDigest ? 1 : 0));
      if (due.length) {
        await write(due.map(({ version, groupId: g, keyDigest, key, op, row, writeTo, createdAt }) => ({ version, groupId: g, keyDigest, key, op, row, writeTo, createdAt })));
        for (const w of due) held.set(w.keyDigest, w.version);
      }
      // The versions held recorded and the keys' tasks settled in one statement: the written version done (a pending one counts one
      // attempt), older ones skipped; rows locked by someone else are left open (SKIP LOCKED) unless waitForTasks names their key.
      const waited = options.waitForTasks ? own : [];
      const [settled] = (await tx.query(
        `WITH d AS (
           UPDATE group_member_key m SET applied_version = d.version, deleted = d.deleted, updated_at = now()
             FROM unnest($3::text[], $4::bigint[], $5::boolean[]) AS d (key_digest, version, deleted)
            WHERE m.group_id = $1 AND m.connection_id = $2 AND m.key_digest = d.key_digest
         ), open AS (
           SELECT id FROM sync_task WHERE group_id = $1 AND connection_id = $2 AND key_digest = ANY($8::text[]) AND status IN ('pending', 'running', 'failed')
           UNION ALL
           SELECT id FROM (SELECT id FROM sync_task WHERE group_id = $1 AND connection_id = $2 AND key_digest = ANY($6::text[]) AND NOT (key_digest = ANY($8::text[]))
                            AND status IN ('pending', 'running', 'failed') FOR UPDATE SKIP LOCKED) s
         )
         UPDATE sync_task t SET status = CASE WHEN t.version = a.version THEN 'done' ELSE 'skipped' END,
                skipped_for = CASE WHEN t.version = a.version THEN NULL ELSE a.version END,
                attempts = t.attempts + CASE WHEN t.status = 'pending' AND t.version = a.version THEN 1 ELSE 0 END,
                finished_at = now(), updated_at = now()
           FROM unnest($6::text[], $7::bigint[]) AS a (key_digest, version)
          WHERE t.group_id = $1 AND t.connection_id = $2 AND t.key_digest = a.key_digest AND t.version <= a.version AND t.id IN (SELECT id FROM open)
          RETURNING t.id, t.status`,
        [
          groupId,
          connectionId,
          due.map((w) => w.keyDigest),
          due.map((w) => w.version),
          due.map((w) => w.op === 'delete'),
          all,
          all.map((k) => held.get(k)),
          waited,
        ],
      )) as [{ id: string; status: string }[], number];
      return {
        keys: all.length,
        written: due.map((w) => w.keyDigest),
        held: Object.fromEntries(held),
        done: settled.filter((r) => r.status === 'done').map((r) => r.id),
        skipped: settled.filter((r) => r.status === 'skipped').map((r) => r.id),
      };
    });
  }

  async task(id: string): Promise<SyncTaskRecord | null> {
    const [t] = (await this.db.query(`SELECT ${TASK_COLUMNS} FROM sync_task t JOIN group_write w ON w.version = t.version WHERE t.id = $1`, [id])) as SyncTaskRecord[];
    return t ?? null;
  }

  async tasks(filter: { status?: SyncTaskStatus; groupId?: string; connectionId?: string }, limit: number, offset: number): Promise<{ items: SyncTaskRecord[]; total: number }> {
    const where = `($1::text IS NULL OR t.status = $1) AND ($2::uuid IS NULL OR t.group_id = $2) AND ($3::uuid IS NULL OR t.connection_id = $3)`;
    const params = [filter.status ?? null, filter.groupId ?? null, filter.connectionId ?? null];
    const items = (await this.db.query(
      `SELECT ${TASK_COLUMNS} FROM sync_task t JOIN group_write w ON w.version = t.version WHERE ${where} ORDER BY t.created_at DESC, t.version DESC LIMIT $4 OFFSET $5`,
      [...params, limit, offset],
    )) as SyncTaskRecord[];
    const [{ total }] = (await this.db.query(`SELECT count(*)::int AS total FROM sync_task t WHERE ${where}`, params)) as { total: number }[];
    return { items, total };
  }

  /** Open tasks (pending, or running when a worker died) a manual execute asks for: marked queued, returned with their round. */
  async queueOpen(filter: { taskId?: string; groupId?: string }): Promise<{ id: string; round: number }[]> {
    // Rows are locked in scan order, so this can meet a drain (applyKeys) holding one row and waiting on another: PostgreSQL
    // breaks such a deadlock by failing one side; this side tries again (the drain's job is retried by the queue).
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.queueOpenOnce(filter);
      } catch (error) {
        const e = error as { code?: string; driverError?: { code?: string } };
        if (attempt >= 3 || (e.driverError?.code ?? e.code) !== '40P01') throw error;
      }
    }
  }

  private async queueOpenOnce(filter: { taskId?: string; groupId?: string }): Promise<{ id: string; round: number }[]> {
    const [rows] = (await this.db.query(
      `UPDATE sync_task SET queued = true, updated_at = now()
        WHERE status IN ('pending', 'running') AND ($1::uuid IS NULL OR id = $1) AND ($2::uuid IS NULL OR group_id = $2)
        RETURNING id, round`,
      [filter.taskId ?? null, filter.groupId ?? null],
    )) as [{ id: string; round: number }[], number];
    return rows;
  }

  /** A failed task executed again by hand: pending in a new round (a new queue job id), attempts kept. */
  async retryFailed(taskId: string): Promise<{ id: string; round: number } | null> {
    const [rows] = (await this.db.query(
      `UPDATE sync_task SET status = 'pending', round = round + 1, queued = true, finished_at = NULL, updated_at = now() WHERE id = $1 AND status = 'failed' RETURNING id, round`,
      [taskId],
    )) as [{ id: string; round: number }[], number];
    return rows[0] ?? null;
  }

  /** A worker takes a task: running, one more attempt. Null when it is settled already (or gone). */
  async start(taskId: string): Promise<SyncTaskRecord | null> {
    const [rows] = (await this.db.query(
      `UPDATE sync_task SET status = 'running', attempts = attempts + 1, updated_at = now() WHERE id = $1 AND status IN ('pending', 'running') RETURNING id`,
      [taskId],
    )) as [{ id: string }[], number];
    return rows.length ? this.task(taskId) : null;
  }

  /** An attempt failed: back to pending with its error (the queue retries it), or failed for good. */
  async attemptFailed(taskId: string, error: string, final: boolean): Promise<boolean> {
    const [rows] = (await this.db.query(
      `UPDATE sync_task SET status = $3, error = $2, updated_at = now(), finished_at = CASE WHEN $3 = 'failed' THEN now() END
        WHERE id = $1 AND status IN ('pending', 'running') RETURNING id`,
      [taskId, error.slice(0, 2000), final ? 'failed' : 'pending'],
    )) as [{ id: string }[], number];
    return rows.length > 0;
  }

  /**
   * Open tasks whose queue job may be lost (a Redis flush): those of groups that execute by
   * themselves, or asked for by hand, older than `graceSeconds` since their last move.
   */
  async openTasks(graceSeconds: number, limit = 1000): Promise<{ id: string; round: number }[]> {
    return (await this.db.query(
      `SELECT t.id, t.round FROM sync_task t JOIN replica_group g ON g.id = t.group_id
        WHERE t.status IN ('pending', 'running') AND (g.auto_execute OR t.queued) AND t.updated_at < now() - make_interval(secs => $1)
        ORDER BY t.created_at LIMIT $2`,
      [graceSeconds, limit],
    )) as { id: string; round: number }[];
  }

  /** Per member of every group (or one): pending (with running) and failed tasks, and the oldest pending task's time. */
  async debt(groupId?: string): Promise<MemberDebt[]> {
    const rows = (await this.db.query(
      `SELECT m.group_id AS "groupId", m.connection_id AS "connectionId",
              count(t.id) FILTER (WHERE t.status IN ('pending', 'running'))::int AS pending,
              count(t.id) FILTER (WHERE t.status = 'failed')::int AS failed,
              min(t.created_at) FILTER (WHERE t.status IN ('pending', 'running')) AS "oldestPendingAt"
         FROM replica_group_member m
         LEFT JOIN sync_task t ON t.group_id = m.group_id AND t.connection_id = m.connection_id AND t.status IN ('pending', 'running', 'failed')
        WHERE ($1::uuid IS NULL OR m.group_id = $1)
        GROUP BY m.group_id, m.connection_id, m.ordinal
        ORDER BY m.group_id, m.ordinal`,
      [groupId ?? null],
    )) as MemberDebt[];
    return rows;
  }

  /** Members whose oldest pending task is older than their group's alert threshold. */
  async overdue(): Promise<(MemberDebt & { groupName: string; debtAlertSeconds: number })[]> {
    return (await this.db.query(
      `SELECT g.id AS "groupId", g.name AS "groupName", g.debt_alert_seconds AS "debtAlertSeconds", t.connection_id AS "connectionId",
              count(*)::int AS pending, 0 AS failed, min(t.created_at) AS "oldestPendingAt"
         FROM sync_task t JOIN replica_group g ON g.id = t.group_id
        WHERE t.status IN ('pending', 'running')
        GROUP BY g.id, g.name, g.debt_alert_seconds, t.connection_id
       HAVING min(t.created_at) < now() - make_interval(secs => g.debt_alert_seconds)`,
    )) as (MemberDebt & { groupName: string; debtAlertSeconds: number })[];
  }
}
