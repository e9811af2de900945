import { join } from 'node:path';
import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { type DialectName, type DialectSession, parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase, readableMail, type SmtpSink, spawnWorker, startSmtpSink, waitFor, type WorkerProcess } from '@dbferry/testing';
import { JobProducer } from '@dbferry/queue';
import { groupsJobId, JobName } from '@dbferry/queue-contracts';
import { FAST_STALLS } from './fault-rig';
import { type ApiHarness, saveConnection, startApi } from './harness';

interface WriteBody {
  key: Record<string, unknown>;
  version: string;
  written: string[];
  pending: string[];
  failed: { connectionId: string; error: string; taskId: string }[];
}
interface TaskBody {
  id: string;
  groupId: string;
  connectionId: string;
  version: string;
  status: string;
  attempts: number;
  error: string | null;
  skippedFor: string | null;
}
interface ArbiterBody {
  consistent: boolean;
  rows: Record<string, Record<string, unknown> | null>;
  majority: string[];
}

/**
 * Replica groups (issue 13) on the real API and real worker processes over live PostgreSQL,
 * MariaDB and SQLite members: a write to two members leaves the third a pending task that the
 * worker applies when executed (the arbiter then finds the row consistent); a newer write
 * supersedes an older pending task (skipped, never applied), a delete stays a delete whatever
 * task comes late; several pending writes of one key apply as the newest; an auto-executing
 * group drains its debt by itself; a task failing for good is mailed once; a worker SIGKILLed
 * while applying loses no task; every bad input is a 400 naming its field, a viewer gets 403.
 */
describe('replica groups (e2e)', () => {
  let api: ApiHarness;
  let pgDb: EphemeralDatabase;
  let mariaDb: EphemeralDatabase;
  let sink: SmtpSink;
  const sessions: DialectSession[] = [];
  const workers: WorkerProcess[] = [];
  let operator: string;
  let viewer: string;
  let pg: string;
  let maria: string;
  let lite: string;
  let groupId: string;

  const auth = (token = operator) => ({ Authorization: `Bearer ${token}` });
  const workerOutput = () => workers.map((w) => w.output().slice(-800)).join('\n');
  const ok = async <T>(res: request.Test, status = 200): Promise<T> => {
    const r = await res;
    if (r.status !== status) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  };
  const post = (path: string, body: object, token = operator) => request(api.http).post(path).set(auth(token)).send(body);
  const write = (row: object, writeTo?: string[], group = groupId) => ok<WriteBody>(post(`/api/groups/${group}/rows`, { row, ...(writeTo && { writeTo }) }));
  const task = (id: string) => ok<TaskBody>(request(api.http).get(`/api/sync-tasks?limit=500`).set(auth())).then((b) => (b as unknown as { items: TaskBody[] }).items.find((t) => t.id === id) as TaskBody);
  const arbiter = (key: string | number, group = groupId) => ok<ArbiterBody>(request(api.http).get(`/api/groups/${group}/rows/${encodeURIComponent(String(key))}`).set(auth(viewer)));
  const waitTask = async (id: string, statuses: string[], timeoutMs = 40_000) => {
    try {
      return await waitFor(async () => {
        const t = await task(id);
        return statuses.includes(t.status) && t;
      }, timeoutMs, `task ${id} to be ${statuses.join('/')}`);
    } catch (error) {
      const t = await task(id);
      const state = await api.app.get(JobProducer).getJobState(JobName.ApplySyncTask, groupsJobId.task(id, 0));
      const c = new Client({ connectionString: api.db.url });
      await c.connect();
      const dump = {
        writes: (await c.query(`SELECT version, key_digest, op FROM group_write WHERE group_id = $1 ORDER BY version`, [t.groupId])).rows,
        ledger: (await c.query(`SELECT * FROM group_member_key WHERE group_id = $1`, [t.groupId])).rows,
        tasks: (await c.query(`SELECT id, connection_id, version, key_digest, status, attempts FROM sync_task WHERE group_id = $1 ORDER BY version`, [t.groupId])).rows,
      };
      await c.end();
      throw new Error(`${(error as Error).message}: ${JSON.stringify(t)}, job ${state}, store ${JSON.stringify(dump)} (worker said: ${workerOutput()})`);
    }
  };
  const debt = (group = groupId) => ok<{ members: { connectionId: string; pending: number; failed: number; oldestPendingAt: string | null }[] }>(request(api.http).get(`/api/groups/${group}/debt`).set(auth(viewer)));

  const open = async (dialect: DialectName, database: string) => {
    const spec = dialect === 'sqlite' ? { database } : parseConnectionUrl(dialect, database);
    const session = await dialectFor(dialect).connect({ dialect, ...spec }, { timeoutMs: 10_000, create: true });
    sessions.push(session);
    return session.data!;
  };
  const mariaQuery = async (sql: string) => {
    const c = await createConnection(mariaDb.url);
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  const pgCount = async (table: string) => {
    const c = new Client({ connectionString: pgDb.url });
    await c.connect();
    try {
      return Number((await c.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    } finally {
      await c.end();
    }
  };
  const startWorker = async (env: Record<string, string> = {}) => {
    const worker = await spawnWorker({ LOG_LEVEL: 'warn', WORKER_CONCURRENCY: '2', RECONCILE_INTERVAL: '1000', ...FAST_STALLS, ...env });
    workers.push(worker);
    await worker.ready();
    return worker;
  };
  const mailToSink = async () =>
    request(api.http)
      .put('/api/alerts/settings')
      .set(auth(await api.adminToken()))
      .send({ host: '127.0.0.1', port: sink.port, secure: false, from: 'dbferry@example.com', recipients: ['ops@example.com'], dedupeWindowSeconds: 900, enabled: true })
      .expect(200);
  const createGroup = async (name: string, table: string, extra: object = {}) =>
    (await ok<{ id: string }>(post('/api/groups', { name, keyColumns: ['id'], members: [{ connectionId: pg, table }, { connectionId: maria, table }, { connectionId: lite, table }], ...extra }), 201)).id;

  const faultsBefore = process.env.FAULTS_ENABLED;

  beforeAll(async () => {
    // Fault injection on in the API and (through the environment) in every worker spawned here.
    process.env.FAULTS_ENABLED = 'true';
    sink = await startSmtpSink();
    api = await startApi();
    [pgDb, mariaDb] = await Promise.all([createPostgresDatabase('dbferry_groups'), createMysqlDatabase('dbferry_groups')]);
    const [pgData, mariaData, liteData] = await Promise.all([open('postgres', pgDb.url), open('mysql', mariaDb.url), open('sqlite', join(api.env.SQLITE_ROOT, 'groups.db'))]);
    const tables = ['customers', 'auto', 'bulk', 'alerting', 'adopted', 'faulted'];
    await pgData.execute([
      'CREATE TABLE checked (id integer PRIMARY KEY, email varchar(100) NOT NULL, score numeric(10,2), note text)',
      ...tables.map((t) => `CREATE TABLE ${t} (id integer PRIMARY KEY, email varchar(100) NOT NULL, score numeric(10,2), note text)`),
      'CREATE TABLE textkey (id varchar(20) PRIMARY KEY, email varchar(100))',
      'CREATE TABLE strict (id integer PRIMARY KEY, email varchar(100))',
    ]);
    await mariaData.execute([
      ...tables.map((t) => `CREATE TABLE ${t} (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, score DECIMAL(10,2), note TEXT, extra INT DEFAULT 7)`),
      'CREATE TABLE textkey (id INT PRIMARY KEY, email VARCHAR(100))',
      'CREATE TABLE strict (id INT PRIMARY KEY, email VARCHAR(100), must INT NOT NULL)',
      // Only here is the score checked: a row scoring 100 or more is refused by this member alone.
      'CREATE TABLE checked (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, score DECIMAL(10,2) CHECK (score < 100), note TEXT)',
    ]);
    await liteData.execute([
      'CREATE TABLE checked (id INTEGER PRIMARY KEY, email TEXT NOT NULL, score DECIMAL_TEXT(10,2), note TEXT)',
      ...tables.map((t) => `CREATE TABLE ${t} (id INTEGER PRIMARY KEY, email TEXT NOT NULL, score DECIMAL_TEXT(10,2), note TEXT)`),
      'CREATE TABLE textkey (id TEXT PRIMARY KEY, email TEXT)',
      'CREATE TABLE strict (id INTEGER PRIMARY KEY, email TEXT)',
    ]);
    const admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    viewer = await api.tokenFor('viewer');
    pg = await saveConnection(api, admin, 'grp-pg', 'postgres', pgDb);
    maria = await saveConnection(api, admin, 'grp-maria', 'mysql', mariaDb);
    lite = (await request(api.http).post('/api/connections').set(auth(admin)).send({ name: 'grp-lite', dialect: 'sqlite', database: 'groups.db' }).expect(201)).body.id;
    // Existing rows to adopt: MariaDB lacks 4 and 5, SQLite holds 3 with another email.
    await pgData.execute(["INSERT INTO adopted (id, email) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')"]);
    await mariaData.execute(["INSERT INTO adopted (id, email) VALUES (1, 'a'), (2, 'b'), (3, 'c')"]);
    await liteData.execute(["INSERT INTO adopted (id, email) VALUES (1, 'a'), (2, 'b'), (3, 'changed'), (4, 'd'), (5, 'e')"]);
    groupId = await createGroup('customers', 'customers', { autoExecute: false });
    await startWorker();
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(workers.map((w) => w.stop('SIGTERM', 10_000)));
    for (const session of sessions) await session.close();
    await pgDb?.drop();
    await mariaDb?.drop();
    await api?.close();
    await sink?.close();
    if (faultsBefore === undefined) delete process.env.FAULTS_ENABLED;
    else process.env.FAULTS_ENABLED = faultsBefore;
  }, 60_000);

  it('creates a group over three dialects, listing the differences that do not stop it', async () => {
    const group = await ok<{ columns: { name: string }[]; members: { connectionId: string; table: string }[]; differences: { connectionId: string; column: string }[]; autoExecute: boolean }>(
      request(api.http).get(`/api/groups/${groupId}`).set(auth(viewer)),
    );
    expect(group.columns.map((c) => c.name)).toEqual(['id', 'email', 'score', 'note']);
    expect(group.members).toEqual([
      { connectionId: pg, table: 'public.customers' },
      { connectionId: maria, table: `${mariaDb.name}.customers` },
      { connectionId: lite, table: 'main.customers' },
    ]);
    expect(group.differences).toContainEqual(expect.objectContaining({ connectionId: maria, column: 'extra' }));
    expect(group.autoExecute).toBe(false);
    const list = await ok<{ items: { id: string }[]; total: number }>(request(api.http).get('/api/groups').set(auth(viewer)));
    expect(list.items.map((g) => g.id)).toContain(groupId);
  });

  it('writes to two members, leaves the third a pending task, and executing it makes all three equal', async () => {
    const res = await write({ id: 1, email: 'ada@example.com', score: '10.50', note: 'first' }, [pg, maria]);
    expect(res).toMatchObject({ key: { id: 1 }, written: [pg, maria], failed: [] });
    expect(res.pending).toHaveLength(1);
    const [taskId] = res.pending;
    expect(await task(taskId)).toMatchObject({ status: 'pending', connectionId: lite, version: res.version, attempts: 0 });
    expect((await debt()).members.find((m) => m.connectionId === lite)).toMatchObject({ pending: 1, failed: 0, oldestPendingAt: expect.any(String) });
    const before = await arbiter(1);
    expect(before).toMatchObject({ consistent: false, majority: [pg, maria] });
    expect(before.rows[lite]).toBeNull();
    // Held for manual execution: nothing happens by itself.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await task(taskId)).status).toBe('pending');

    expect(await ok(post(`/api/sync-tasks/${taskId}/execute`, {}), 202)).toEqual({ queued: [taskId] });
    expect(await waitTask(taskId, ['done'])).toMatchObject({ status: 'done', attempts: 1, error: null });
    const after = await arbiter(1);
    expect(after).toMatchObject({ consistent: true, majority: [pg, maria, lite] });
    expect(after.rows[lite]).toMatchObject({ email: 'ada@example.com', note: 'first' });
    expect((await debt()).members.map((m) => m.pending)).toEqual([0, 0, 0]);
    expect((await ok<{ groupDebt: { groupId: string; connectionId: string; pending: number }[] }>(request(api.http).get('/api/dashboard').set(auth(viewer)))).groupDebt).toContainEqual(
      expect.objectContaining({ groupId, connectionId: lite, pending: 0, failed: 0 }),
    );
    // Done is done: executing it again is a conflict, not a second write.
    expect((await post(`/api/sync-tasks/${taskId}/execute`, {})).status).toBe(409);
  }, 60_000);

  it('shows the debt in the dashboard and in Prometheus while a member owes writes', async () => {
    const res = await write({ id: 5, email: 'owed@example.com' }, [pg]);
    const dashboard = await ok<{ groupDebt: { groupId: string; connectionId: string; pending: number; oldestPendingAt: string | null }[] }>(request(api.http).get('/api/dashboard').set(auth(viewer)));
    expect(dashboard.groupDebt).toContainEqual({ groupId, connectionId: maria, pending: 1, failed: 0, oldestPendingAt: expect.any(String) });
    const metrics = (await request(api.http).get('/metrics').expect(200)).text;
    expect(metrics).toContain(`dbferry_sync_tasks{group="${groupId}",connection="${lite}",status="pending"} 1`);
    expect(metrics).toMatch(new RegExp(`dbferry_sync_task_oldest_pending_seconds\\{group="${groupId}",connection="${maria}"\\} [0-9.]+`));
    await ok(post('/api/sync-tasks/execute', { groupId }), 202);
    for (const t of res.pending) await waitTask(t, ['done']);
    expect((await request(api.http).get('/metrics').expect(200)).text).toContain(`dbferry_sync_tasks{group="${groupId}",connection="${lite}",status="pending"} 0`);
  }, 60_000);

  it('adopting existing tables starts a diff of the members whose counts are the starting debt', async () => {
    const adopted = await ok<{ id: string; adoptDiffId: string }>(
      post('/api/groups', { name: 'adopted', keyColumns: ['id'], adopt: true, members: [{ connectionId: pg, table: 'adopted' }, { connectionId: maria, table: 'adopted' }, { connectionId: lite, table: 'adopted' }] }),
      201,
    );
    expect(adopted.adoptDiffId).toEqual(expect.any(String));
    const diff = await waitFor(async () => {
      const d = await ok<{ status: string; tables: { missing: Record<string, number>; different: Record<string, number>; extra: Record<string, number> }[] }>(request(api.http).get(`/api/diffs/${adopted.adoptDiffId}`).set(auth()));
      return ['succeeded', 'failed'].includes(d.status) && d;
    }, 60_000, `the adopt diff to end (${workerOutput()})`);
    expect(diff.status).toBe('succeeded');
    // Counts by connection, zeros left out: MariaDB owes 2 rows, SQLite 1 changed row.
    expect(diff.tables[0]).toMatchObject({ missing: { [maria]: 2 }, different: { [lite]: 1 }, extra: {} });
    expect([diff.tables[0].missing[lite], diff.tables[0].different[maria]]).toEqual([undefined, undefined]);
  }, 90_000);

  it('skips a pending task superseded by a newer write: v1 everywhere, v2 without SQLite, v3 everywhere → SQLite at v3', async () => {
    await write({ id: 2, email: 'v1@example.com' });
    const v2 = await write({ id: 2, email: 'v2@example.com' }, [pg, maria]);
    const v3 = await write({ id: 2, email: 'v3@example.com' });
    expect(v3).toMatchObject({ written: [pg, maria, lite], pending: [], failed: [] });
    expect(await task(v2.pending[0])).toMatchObject({ status: 'skipped', skippedFor: v3.version });
    const view = await arbiter(2);
    expect(view).toMatchObject({ consistent: true });
    expect(view.rows[lite]).toMatchObject({ email: 'v3@example.com' });
  });

  it('keeps a deleted row deleted when an older update task runs late', async () => {
    await write({ id: 3, email: 'keep@example.com' });
    const update = await write({ id: 3, email: 'late@example.com' }, [pg]);
    const del = await ok<WriteBody>(request(api.http).delete(`/api/groups/${groupId}/rows/3?writeTo=${pg}`).set(auth()));
    expect(del).toMatchObject({ key: { id: 3 }, written: [pg] });
    const lateMaria = (await Promise.all(update.pending.map(task))).find((t) => t.connectionId === maria)?.id as string;
    // The older update's task runs first: the key's newest write is the delete, so that is what the member gets.
    await ok(post(`/api/sync-tasks/${lateMaria}/execute`, {}), 202);
    const settled = await waitTask(lateMaria, ['done', 'skipped']);
    expect(settled).toMatchObject({ status: 'skipped', skippedFor: del.version });
    await ok(post('/api/sync-tasks/execute', { groupId }), 202);
    await waitFor(async () => (await debt()).members.every((m) => m.pending === 0), 30_000, `the debt to drain (${workerOutput()})`);
    for (const t of [...update.pending, ...del.pending]) expect(['done', 'skipped']).toContain((await task(t)).status);
    const view = await arbiter(3);
    expect(view).toMatchObject({ consistent: true, rows: { [pg]: null, [maria]: null, [lite]: null } });
  }, 60_000);

  it('coalesces several pending writes of one key to one member: applied once, as the newest', async () => {
    const writes = [];
    for (let i = 1; i <= 4; i++) writes.push(await write({ id: 4, email: `n${i}@example.com`, score: i }, [pg, maria]));
    const tasks = writes.map((w) => w.pending[0]);
    await ok(post('/api/sync-tasks/execute', { groupId }), 202);
    const settled = await Promise.all(tasks.map((t) => waitTask(t, ['done', 'skipped'])));
    expect(settled.map((t) => t.status)).toEqual(['skipped', 'skipped', 'skipped', 'done']);
    for (const t of settled.slice(0, 3)) expect(t.skippedFor).toBe(writes[3].version);
    const view = await arbiter(4);
    expect(view).toMatchObject({ consistent: true });
    expect(view.rows[lite]).toMatchObject({ email: 'n4@example.com', score: '4.00' });
  }, 120_000);

  it('an auto-executing group drains its debt by itself', async () => {
    const auto = await createGroup('auto', 'auto');
    const writes = [];
    for (let i = 1; i <= 20; i++) writes.push(await write({ id: i, email: `auto${i}@example.com` }, [pg], auto));
    expect(writes.every((w) => w.pending.length === 2)).toBe(true);
    await waitFor(async () => (await debt(auto)).members.every((m) => m.pending === 0 && m.failed === 0), 60_000, `the auto group's debt to drain (${workerOutput()})`);
    for (const i of [1, 10, 20]) expect(await arbiter(i, auto)).toMatchObject({ consistent: true, majority: [pg, maria, lite] });
  }, 90_000);

  it('a member that refuses the write: failed with its error and a task; failing for good is mailed once; executed again once repaired', async () => {
    await mailToSink();
    const alerting = await createGroup('alerting', 'alerting');
    // The member's table goes away behind the group: its write is refused for good (not an outage).
    await mariaQuery('RENAME TABLE alerting TO alerting_away');
    const first = await write({ id: 1, email: 'x@example.com' }, undefined, alerting);
    expect(first.written).toEqual([pg, lite]);
    expect(first.failed).toEqual([{ connectionId: maria, error: expect.stringMatching(/alerting/), taskId: expect.any(String) }]);
    const failed = await waitTask(first.failed[0].taskId, ['failed'], 60_000);
    expect(failed.attempts).toBeGreaterThanOrEqual(2);
    expect(failed.error).toMatch(/alerting/);
    expect((await debt(alerting)).members.find((m) => m.connectionId === maria)).toMatchObject({ failed: 1 });
    await waitFor(async () => sink.mails.length >= 1, 30_000, 'the alert mail');
    const second = await write({ id: 2, email: 'y@example.com' }, undefined, alerting);
    await waitTask(second.failed[0].taskId, ['failed'], 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    // De-duplicated per group member: one mail in the window.
    expect(sink.mails).toHaveLength(1);
    const { headers, body } = readableMail(sink.mails[0].raw);
    expect(headers).toContain('alerting');
    expect(body).toContain(maria);

    await mariaQuery('RENAME TABLE alerting_away TO alerting');
    await ok(post(`/api/sync-tasks/${first.failed[0].taskId}/execute`, {}), 202);
    await ok(post(`/api/sync-tasks/${second.failed[0].taskId}/execute`, {}), 202);
    await waitTask(first.failed[0].taskId, ['done'], 30_000);
    await waitTask(second.failed[0].taskId, ['done'], 30_000);
    expect(await arbiter(1, alerting)).toMatchObject({ consistent: true });
    expect(await arbiter(2, alerting)).toMatchObject({ consistent: true });
  }, 180_000);

  it('a write fault on one member: the write answers its failure and a task, the debt is mailed, and once the fault ends the worker applies it by itself', async () => {
    await mailToSink();
    const faulted = await createGroup('faulted', 'faulted', { debtAlertSeconds: 10 });
    const admin = auth(await api.adminToken());
    const fault = (await request(api.http).post('/api/faults').set(admin).send({ connectionId: maria, operation: 'write', seconds: 15 }).expect(201)).body as { id: string };
    const mailsBefore = sink.mails.length;
    const res = await write({ id: 1, email: 'fault@example.com' }, undefined, faulted);
    expect(res.written).toEqual([pg, lite]);
    expect(res.failed).toEqual([{ connectionId: maria, error: expect.stringContaining(`injected fault ${fault.id}`), taskId: expect.any(String) }]);
    expect(['pending', 'running']).toContain((await task(res.failed[0].taskId)).status);
    expect(await arbiter(1, faulted)).toMatchObject({ consistent: false, majority: [pg, lite] });
    // Owed for longer than the group's 10 s: mailed (by the worker's reconciler), once.
    await waitFor(async () => sink.mails.length > mailsBefore, 45_000, `the debt alert (${workerOutput()})`);
    const { headers, body } = readableMail(sink.mails[sink.mails.length - 1].raw);
    expect(headers).toContain('replica group faulted');
    expect(body).toContain(maria);
    // The fault ends after 15 s; the queue's backoff brings the task back and it applies by itself.
    const done = await waitTask(res.failed[0].taskId, ['done'], 90_000);
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(await arbiter(1, faulted)).toMatchObject({ consistent: true, majority: [pg, maria, lite] });
    expect((await debt(faulted)).members.every((m) => m.pending === 0 && m.failed === 0)).toBe(true);
    expect(sink.mails.length).toBe(mailsBefore + 1);
  }, 150_000);

  it('writes in flight are written together; a row one member refuses fails alone there and is owed as its task', async () => {
    const checked = await createGroup('checked', 'checked', { autoExecute: false });
    // 30 writes at once (MemberWrites batches those in flight per member); row 8 breaks a CHECK only MariaDB has.
    const rows = Array.from({ length: 30 }, (_, i) => ({ id: i + 1, email: `c${i + 1}@example.com`, score: i + 1 === 8 ? 500 : i }));
    const answers = await Promise.all(rows.map((row) => write(row, undefined, checked)));
    const refused = answers.filter((a) => a.failed.length > 0);
    expect(refused.map((a) => a.key)).toEqual([{ id: 8 }]);
    expect(refused[0]).toMatchObject({ written: [pg, lite], failed: [{ connectionId: maria, error: expect.stringMatching(/check|constraint/i), taskId: expect.any(String) }] });
    expect(answers.filter((a) => a !== refused[0]).every((a) => a.written.length === 3 && a.failed.length === 0)).toBe(true);
    expect(await pgCount('checked')).toBe(30);
    expect((await debt(checked)).members.map((m) => m.pending)).toEqual([0, 1, 0]);
    expect(await arbiter(7, checked)).toMatchObject({ consistent: true });
    expect(await arbiter(8, checked)).toMatchObject({ consistent: false, majority: [pg, lite] });
  }, 60_000);

  it('a worker SIGKILLed while applying tasks loses none and applies none twice in effect', async () => {
    const bulk = await createGroup('bulk', 'bulk', { autoExecute: false });
    const N = 120;
    const pending: string[] = [];
    for (let i = 1; i <= N; i++) pending.push(...(await write({ id: i, email: `bulk${i}@example.com`, note: `n${i}` }, [pg], bulk)).pending);
    expect(pending).toHaveLength(2 * N);
    for (const w of workers.splice(0)) await w.stop('SIGTERM', 10_000);
    // Small batches (GROUPS_BATCH_KEYS), so the drain is still under way when the worker is killed.
    const victim = await startWorker({ WORKER_CONCURRENCY: '4', GROUPS_BATCH_KEYS: '3' });
    await ok(post('/api/sync-tasks/execute', { groupId: bulk }), 202);
    await waitFor(async () => {
      const page = await ok<{ total: number }>(request(api.http).get(`/api/sync-tasks?groupId=${bulk}&status=done&limit=1`).set(auth()));
      return page.total >= N / 2;
    }, 120_000, `half the tasks done (${workerOutput()})`);
    victim.child.kill('SIGKILL');
    await victim.exited;
    workers.splice(workers.indexOf(victim), 1);
    const atKill = await ok<{ total: number }>(request(api.http).get(`/api/sync-tasks?groupId=${bulk}&status=done&limit=1`).set(auth()));
    expect(atKill.total).toBeLessThan(2 * N);

    await startWorker();
    await waitFor(async () => (await debt(bulk)).members.every((m) => m.pending === 0), 180_000, `the bulk debt to drain (${workerOutput()})`);
    const done = await ok<{ total: number }>(request(api.http).get(`/api/sync-tasks?groupId=${bulk}&status=done&limit=1`).set(auth()));
    expect(done.total).toBe(2 * N);
    const all = await ok<{ items: TaskBody[] }>(request(api.http).get(`/api/sync-tasks?groupId=${bulk}&limit=500`).set(auth()));
    // A task taken again after the kill is one more attempt, never a new task or a skipped one.
    expect(all.items.every((t) => t.attempts >= 1 && t.attempts <= 3 && t.status === 'done')).toBe(true);
    expect(await pgCount('bulk')).toBe(N);
    for (const i of [1, N / 2, N]) expect(await arbiter(i, bulk)).toMatchObject({ consistent: true });
  }, 420_000);

  it('refuses bad input with a 400 naming the field, and writes from a viewer with 403', async () => {
    const bad = async (res: request.Test, field: string) => {
      const r = await res;
      expect({ status: r.status, message: r.body.message }).toEqual({ status: 400, message: expect.stringContaining(field) });
      expect((r.body.details as { field: string }[]).map((d) => d.field)).toContain(field);
    };
    const members = (table: string) => [{ connectionId: pg, table }, { connectionId: maria, table }, { connectionId: lite, table }];
    await bad(post('/api/groups', { name: 'x', keyColumns: ['id'], members: members('nope') }), 'members[0]');
    await bad(post('/api/groups', { name: 'x', keyColumns: ['id'], members: members('textkey') }), 'members[1]');
    await bad(post('/api/groups', { name: 'x', keyColumns: ['id'], members: members('strict') }), 'members[1]');
    await bad(post('/api/groups', { name: 'x', keyColumns: ['nope'], members: members('customers') }), 'keyColumns');
    await bad(post('/api/groups', { name: 'x', keyColumns: ['id'], members: [{ connectionId: '00000000-0000-4000-8000-000000000000', table: 'customers' }, { connectionId: pg, table: 'customers' }] }), 'members[0].connectionId');
    await bad(post('/api/groups', { name: 'x', keyColumns: ['id'], members: [{ connectionId: pg, table: 'customers' }] }), 'members');
    await bad(post('/api/groups', { name: 'customers', keyColumns: ['id'], members: members('customers') }), 'name');
    await bad(post(`/api/groups/${groupId}/rows`, { row: { id: 9, email: 'a@b.c', nope: 1 } }), 'row.nope');
    await bad(post(`/api/groups/${groupId}/rows`, { row: { id: 9, email: 'a@b.c', score: 'lots' } }), 'row.score');
    await bad(post(`/api/groups/${groupId}/rows`, { row: { id: 'nine', email: 'a@b.c' } }), 'row.id');
    await bad(post(`/api/groups/${groupId}/rows`, { row: { email: 'a@b.c' } }), 'row.id');
    await bad(post(`/api/groups/${groupId}/rows`, { row: { id: 9 } }), 'row.email');
    await bad(post(`/api/groups/${groupId}/rows`, { row: { id: 9, email: 'a@b.c' }, writeTo: ['00000000-0000-4000-8000-000000000000'] }), 'writeTo[0]');
    await bad(post(`/api/groups/${groupId}/rows`, { row: 'x' }), 'row');
    await bad(request(api.http).put(`/api/groups/${groupId}/rows/9`).set(auth()).send({ row: { id: 10, email: 'a@b.c' } }), 'row.id');
    await bad(request(api.http).delete(`/api/groups/${groupId}/rows/${encodeURIComponent('{"id":')}`).set(auth()), 'key');
    await bad(request(api.http).delete(`/api/groups/${groupId}/rows/${encodeURIComponent('{"nope":1}')}`).set(auth()), 'key.nope');
    await bad(request(api.http).get(`/api/groups/${groupId}/rows/abc`).set(auth(viewer)), 'key.id');
    await bad(request(api.http).get('/api/sync-tasks?status=lost').set(auth(viewer)), 'status');
    await bad(post('/api/sync-tasks/execute', { groupId: 'x' }), 'groupId');
    expect((await request(api.http).get('/api/groups/00000000-0000-4000-8000-000000000000').set(auth(viewer))).status).toBe(404);
    // Nothing was written by any of these.
    expect(await arbiter(9)).toMatchObject({ consistent: true, rows: { [pg]: null, [maria]: null, [lite]: null } });

    expect((await post('/api/groups', { name: 'y', keyColumns: ['id'], members: members('customers') }, viewer)).status).toBe(403);
    expect((await post(`/api/groups/${groupId}/rows`, { row: { id: 9, email: 'a@b.c' } }, viewer)).status).toBe(403);
    expect((await request(api.http).delete(`/api/groups/${groupId}/rows/9`).set(auth(viewer))).status).toBe(403);
    expect((await post('/api/sync-tasks/execute', {}, viewer)).status).toBe(403);
    expect((await request(api.http).get('/api/sync-tasks').set(auth(viewer))).status).toBe(200);
  }, 60_000);
});
