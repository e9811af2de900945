import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { JobProducer } from '@dbferry/queue';
import { arbitrationJobId, JobName } from '@dbferry/queue-contracts';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase, readableMail, type SmtpSink, spawnWorker, startSmtpSink, waitFor, WorkerProcess } from '@dbferry/testing';
import { changeReference, copyWithJob, type DiffBody, kindsTableSql, pgExec, startDiff, waitForDiff } from './diff-fixture';
import { FAST_STALLS } from './fault-rig';
import { ApiHarness, saveConnection, startApi } from './harness';

const ROWS = 1200;
const BIG = 40_000;

interface RepairBody {
  id: string;
  status: string;
  dryRun: boolean;
  error: string | null;
  keys: number;
  applies: number;
  targets: Record<string, { upserts: number; deletes: number; errors: number; unresolved: number; upserted: number; deleted: number }>;
  verify: { diffId: string | null; clean: boolean | null };
}

async function mysqlExec(url: string, ...statements: string[]): Promise<void> {
  const connection = await createConnection(url);
  try {
    for (const sql of statements) await connection.query(sql);
  } finally {
    await connection.end();
  }
}

/**
 * Issue 12, item 3, end to end on a real API and worker processes: a diff (PostgreSQL against
 * MariaDB) → a dry run (counts and the SQL) → apply → a clean re-verify → apply again changes
 * nothing; the newest and majority rules across three databases; a key list; deleteExtra; bad
 * input; and a worker SIGKILLed mid-apply: the repair finishes with the same counts and a
 * clean re-verify.
 */
describe('repairs (e2e)', () => {
  let api: ApiHarness;
  let admin: string;
  let operator: string;
  let viewer: string;
  let pg: EphemeralDatabase;
  let pg2: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let pgId: string;
  let pg2Id: string;
  let mariaId: string;
  let store: Client;
  let sink: SmtpSink;
  const workers: WorkerProcess[] = [];
  const output = () => workers.map((w) => w.output().slice(-800)).join('\n');
  const auth = (token = operator) => ({ Authorization: `Bearer ${token}` });

  const getRepair = async (id: string): Promise<RepairBody> => (await request(api.http).get(`/api/repairs/${id}`).set(auth()).expect(200)).body as RepairBody;
  const waitForRepair = (id: string, statuses: string[], timeoutMs = 180_000): Promise<RepairBody> =>
    waitFor(async () => {
      const repair = await getRepair(id);
      return statuses.includes(repair.status) && repair;
    }, timeoutMs, `repair ${id} to reach ${statuses.join('|')} (${output()})`);
  const startRepair = async (body: object): Promise<string> => {
    const res = await request(api.http).post('/api/repairs').set(auth()).send(body);
    if (res.status !== 202) throw new Error(`POST /api/repairs ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.repairId as string;
  };
  const diffOf = async (body: object): Promise<DiffBody> => {
    const diff = await waitForDiff(api, operator, await startDiff(api, operator, body), 180_000, output);
    expect(diff.status).toBe('succeeded');
    return diff;
  };
  const counts = (diff: DiffBody, id: string) => ({ missing: diff.tables[0].missing[id] ?? 0, extra: diff.tables[0].extra[id] ?? 0, different: diff.tables[0].different[id] ?? 0 });

  beforeAll(async () => {
    sink = await startSmtpSink();
    api = await startApi();
    admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    viewer = await api.tokenFor('viewer');
    pg = await createPostgresDatabase('dbferry_repairs_ref');
    pg2 = await createPostgresDatabase('dbferry_repairs_pg2');
    maria = await createMysqlDatabase('dbferry_repairs_maria');
    store = new Client({ connectionString: api.db.url });
    await store.connect();
    await pgExec(
      pg.url,
      ...kindsTableSql('kinds', ROWS),
      'CREATE TABLE votes (id int PRIMARY KEY, label text, version int NOT NULL)',
      "INSERT INTO votes SELECT g, 'v' || g, 1 FROM generate_series(1, 40) g",
      'CREATE TABLE big (id bigint PRIMARY KEY, note text)',
      `INSERT INTO big SELECT g, 'note ' || g FROM generate_series(1, ${BIG}) g`,
    );
    pgId = await saveConnection(api, admin, 'repair-pg', 'postgres', pg);
    pg2Id = await saveConnection(api, admin, 'repair-pg2', 'postgres', pg2);
    mariaId = await saveConnection(api, admin, 'repair-maria', 'mysql', maria);
    workers.push(await spawnWorker({ WORKER_CONCURRENCY: '2', LOG_LEVEL: 'warn' }));
    await workers[0].ready();
    for (const name of ['kinds', 'votes', 'big']) await copyWithJob(api, operator, pgId, mariaId, name);
    await copyWithJob(api, operator, pgId, pg2Id, 'votes');
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled(workers.map((w) => w.stop('SIGTERM', 10_000)));
    await store?.end();
    await api?.close();
    await sink?.close();
    await pg?.drop();
    await pg2?.drop();
    await maria?.drop();
  }, 60_000);

  it('repairs a diff from the reference: a dry run with counts and SQL, the apply, a clean re-verify, and nothing the second time', async () => {
    await changeReference(pg.url, 'kinds', ROWS);
    const diff = await diffOf({ referenceId: pgId, otherIds: [mariaId], tables: [{ reference: 'public.kinds' }] });
    expect(counts(diff, mariaId)).toEqual({ missing: 50, extra: 50, different: 100 });

    const repairId = await startRepair({ diffId: diff.id, sourceId: pgId, targetIds: [mariaId], deleteExtra: true, dryRun: true });
    const planned = await waitForRepair(repairId, ['planned', 'failed']);
    expect(planned).toMatchObject({ status: 'planned', dryRun: true, keys: 200, verify: { diffId: null, clean: null } });
    expect(planned.targets[mariaId]).toEqual({ upserts: 150, deletes: 50, errors: 0, unresolved: 0, upserted: 0, deleted: 0 });
    // The dry run wrote nothing.
    expect(counts(await diffOf({ referenceId: pgId, otherIds: [mariaId], tables: [{ reference: 'public.kinds' }] }), mariaId)).toEqual({ missing: 50, extra: 50, different: 100 });

    const sql = await request(api.http).get(`/api/repairs/${repairId}/sql`).query({ connectionId: mariaId }).set(auth()).expect(200);
    expect(sql.headers['content-type']).toMatch(/^text\/plain/);
    expect(sql.text).toMatch(/^-- MySQL: 150 upsert\(s\) and 50 delete\(s\)/);
    expect(sql.text).toMatch(/INSERT INTO `[^`]+`\.`kinds` \(`id`, /);
    expect(sql.text).toMatch(/ON DUPLICATE KEY UPDATE `i32` = VALUES\(`i32`\)/);
    const deletes = /DELETE FROM `[^`]+`\.`kinds` WHERE `id` IN \(([\d, ]+)\);/.exec(sql.text);
    expect(deletes?.[1].split(', ').map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 1001 + i));
    await request(api.http).get(`/api/repairs/${repairId}/sql`).set(auth()).expect(400).expect((res) => expect(res.body.message).toMatch(/connectionId/));
    await request(api.http).get(`/api/repairs/${repairId}/sql`).query({ connectionId: pgId }).set(auth()).expect(400).expect((res) => expect(res.body.message).toMatch(/connectionId/));
    await request(api.http).get(`/api/repairs/${repairId}/sql`).query({ connectionId: mariaId }).set(auth(viewer)).expect(403);
    await request(api.http).get(`/api/repairs/${repairId}`).set(auth(viewer)).expect(403);
    await request(api.http).post(`/api/repairs/${repairId}/apply`).set(auth(viewer)).expect(403);

    await request(api.http).post(`/api/repairs/${repairId}/apply`).set(auth()).expect(202);
    const applied = await waitForRepair(repairId, ['succeeded', 'failed']);
    expect(applied).toMatchObject({ status: 'succeeded', applies: 1, error: null, verify: { clean: true } });
    expect(applied.targets[mariaId]).toEqual({ upserts: 150, deletes: 50, errors: 0, unresolved: 0, upserted: 150, deleted: 50 });
    const verify = (await request(api.http).get(`/api/diffs/${applied.verify.diffId}`).set(auth()).expect(200)).body as DiffBody & { trigger: string };
    expect(verify).toMatchObject({ status: 'succeeded', trigger: 'repair' });
    expect(verify.tables[0].rowsCompared).toBe(200);
    expect(counts(await diffOf({ referenceId: pgId, otherIds: [mariaId], tables: [{ reference: 'public.kinds' }] }), mariaId)).toEqual({ missing: 0, extra: 0, different: 0 });

    // Applied again, as planned: every row is already right, nothing changes.
    await request(api.http).post(`/api/repairs/${repairId}/apply`).set(auth()).expect(202);
    const again = await waitForRepair(repairId, ['succeeded', 'failed']);
    expect(again).toMatchObject({ status: 'succeeded', applies: 2, verify: { clean: true } });
    expect(again.targets[mariaId]).toEqual({ upserts: 150, deletes: 50, errors: 0, unresolved: 0, upserted: 0, deleted: 0 });
    const metrics = await (await fetch(`http://127.0.0.1:${workers[0].port}/metrics`)).text();
    expect(metrics).toMatch(/dbferry_repair_rows_total\{kind="upserted"\} 150/);
    expect(metrics).toMatch(/dbferry_repair_rows_total\{kind="deleted"\} 50/);
    expect(metrics).toMatch(/dbferry_repair_duration_seconds_count\{status="succeeded"\} 2/);

    const audit = await store.query<{ action: string; outcome: string; details: Record<string, unknown> }>(
      `SELECT action, outcome, details FROM audit_log WHERE target_type = 'repair' AND target_id = $1 ORDER BY id`,
      [repairId],
    );
    expect(audit.rows.map((r) => `${r.action}:${r.outcome}`)).toEqual(['repair.create:ok', 'repair.apply:ok', 'repair.apply:ok', 'repair.apply:ok', 'repair.apply:ok']);
    expect(audit.rows[2].details).toMatchObject({ targets: { [mariaId]: { upserts: 150, deletes: 50, upserted: 150, deleted: 50 } }, clean: true });
  }, 600_000);

  it('settles three databases by the majority, then by the newest version', async () => {
    // pg2 changes rows 1-5, MariaDB rows 6-10: for each, the other two agree.
    await pgExec(pg2.url, "UPDATE votes SET label = 'pg2', version = 2 WHERE id BETWEEN 1 AND 5");
    await mysqlExec(maria.url, "UPDATE votes SET label = 'maria', version = 3 WHERE id BETWEEN 6 AND 10");
    const body = { referenceId: pgId, otherIds: [mariaId, pg2Id], tables: [{ reference: 'public.votes' }] };
    const diff = await diffOf(body);
    expect(counts(diff, mariaId)).toEqual({ missing: 0, extra: 0, different: 5 });
    expect(counts(diff, pg2Id)).toEqual({ missing: 0, extra: 0, different: 5 });
    const majorityId = await startRepair({ diffId: diff.id, rule: { kind: 'majority' }, targetIds: [pgId, mariaId, pg2Id] });
    const majority = await waitForRepair(majorityId, ['succeeded', 'failed']);
    expect(majority).toMatchObject({ status: 'succeeded', verify: { clean: true } });
    expect(majority.targets).toEqual({
      [pgId]: { upserts: 0, deletes: 0, errors: 0, unresolved: 0, upserted: 0, deleted: 0 },
      [mariaId]: { upserts: 5, deletes: 0, errors: 0, unresolved: 0, upserted: 5, deleted: 0 },
      [pg2Id]: { upserts: 5, deletes: 0, errors: 0, unresolved: 0, upserted: 5, deleted: 0 },
    });
    const clean = await diffOf(body);
    expect([counts(clean, mariaId), counts(clean, pg2Id)]).toEqual([{ missing: 0, extra: 0, different: 0 }, { missing: 0, extra: 0, different: 0 }]);

    // Now pg2 holds the newest version of rows 1-3 and MariaDB of rows 4-5: each wins its rows everywhere.
    await pgExec(pg2.url, "UPDATE votes SET label = 'newest pg2', version = 9 WHERE id BETWEEN 1 AND 3");
    await mysqlExec(maria.url, "UPDATE votes SET label = 'newest maria', version = 7 WHERE id BETWEEN 4 AND 5");
    const newestDiff = await diffOf(body);
    const newestId = await startRepair({ diffId: newestDiff.id, rule: { kind: 'newest', column: 'version' }, targetIds: [pgId, mariaId, pg2Id] });
    const newest = await waitForRepair(newestId, ['succeeded', 'failed']);
    expect(newest).toMatchObject({ status: 'succeeded', verify: { clean: true } });
    expect(newest.targets[pgId]).toMatchObject({ upserts: 5, upserted: 5 });
    expect(newest.targets[mariaId]).toMatchObject({ upserts: 3, upserted: 3 });
    expect(newest.targets[pg2Id]).toMatchObject({ upserts: 2, upserted: 2 });
    const after = await diffOf(body);
    expect([counts(after, mariaId), counts(after, pg2Id)]).toEqual([{ missing: 0, extra: 0, different: 0 }, { missing: 0, extra: 0, different: 0 }]);
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    const labels = (await client.query<{ label: string }>('SELECT label FROM votes WHERE id BETWEEN 1 AND 5 ORDER BY id')).rows.map((r) => r.label);
    await client.end();
    expect(labels).toEqual(['newest pg2', 'newest pg2', 'newest pg2', 'newest maria', 'newest maria']);
  }, 600_000);

  it('repairs an explicit key list from a source, and deletes only with deleteExtra', async () => {
    await mysqlExec(maria.url, "UPDATE votes SET label = 'drift' WHERE id IN (21, 22, 23)", 'DELETE FROM votes WHERE id = 24', "INSERT INTO votes VALUES (100, 'extra', 1)");
    const repairId = await startRepair({ sourceId: pgId, targetIds: [mariaId], table: 'public.votes', keys: [21, [22], { id: 24 }, 100], keyColumns: ['id'] });
    const repair = await waitForRepair(repairId, ['succeeded', 'failed']);
    // The re-verify covers the keys repaired (21, 22, 24): 23 was not asked for, and 100 is extra but deleteExtra is off.
    expect(repair).toMatchObject({ status: 'succeeded', keys: 4, verify: { clean: true } });
    expect(repair.targets[mariaId]).toMatchObject({ upserts: 3, deletes: 0, upserted: 3, deleted: 0 });
    const diff = await diffOf({ referenceId: pgId, otherIds: [mariaId], tables: [{ reference: 'public.votes' }] });
    expect(counts(diff, mariaId)).toEqual({ missing: 0, extra: 1, different: 1 });

    const withDelete = await startRepair({ sourceId: pgId, targetIds: [mariaId], table: 'public.votes', keys: [23, 100], deleteExtra: true });
    const deleted = await waitForRepair(withDelete, ['succeeded', 'failed']);
    expect(deleted).toMatchObject({ status: 'succeeded', verify: { clean: true } });
    expect(deleted.targets[mariaId]).toMatchObject({ upserts: 1, deletes: 1, upserted: 1, deleted: 1 });
    expect(counts(await diffOf({ referenceId: pgId, otherIds: [mariaId], tables: [{ reference: 'public.votes' }] }), mariaId)).toEqual({ missing: 0, extra: 0, different: 0 });
  }, 300_000);

  it('answers bad input with a 400 naming the field, and a viewer with 403', async () => {
    const bad = async (body: object, field: RegExp) => {
      const res = await request(api.http).post('/api/repairs').set(auth()).send(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(field);
    };
    const missing = '00000000-0000-4000-8000-000000000000';
    const diff = await diffOf({ referenceId: pgId, otherIds: [mariaId], tables: [{ reference: 'public.votes' }] });
    await bad({ sourceId: pgId, table: 'public.votes', keys: [1] }, /targetIds/);
    await bad({ sourceId: pgId, targetIds: [mariaId], keys: [1] }, /table/);
    await bad({ sourceId: pgId, targetIds: [mariaId], table: 'public.votes' }, /keys/);
    await bad({ sourceId: pgId, targetIds: [mariaId], table: 'public.votes', keys: [{ id: 1 }] }, /keys\[0\]/);
    await bad({ sourceId: pgId, targetIds: [pgId], table: 'public.votes', keys: [1] }, /targetIds\[0\]/);
    await bad({ sourceId: missing, targetIds: [mariaId], table: 'public.votes', keys: [1] }, /sourceId/);
    await bad({ diffId: missing, sourceId: pgId, targetIds: [mariaId] }, /diffId/);
    await bad({ diffId: diff.id, targetIds: [mariaId] }, /sourceId/);
    await bad({ diffId: diff.id, sourceId: pgId, rule: { kind: 'majority' }, targetIds: [mariaId] }, /rule/);
    await bad({ diffId: diff.id, rule: { kind: 'newest' }, targetIds: [mariaId] }, /rule\.column/);
    await bad({ diffId: diff.id, rule: { kind: 'newest', column: 'nope' }, targetIds: [mariaId] }, /rule\.column/);
    await bad({ diffId: diff.id, rule: { kind: 'majority' }, targetIds: [mariaId] }, /rule/);
    await bad({ diffId: diff.id, sourceId: pgId, targetIds: [pg2Id] }, /targetIds/);
    await bad({ diffId: diff.id, sourceId: pgId, targetIds: [mariaId], table: 'public.nope' }, /table/);
    await bad({ diffId: diff.id, sourceId: pgId, targetIds: [mariaId], dryRun: 'yes' }, /dryRun/);
    await request(api.http).post('/api/repairs').set(auth(viewer)).send({ diffId: diff.id, sourceId: pgId, targetIds: [mariaId] }).expect(403);
    await request(api.http).get(`/api/repairs/${missing}`).set(auth()).expect(404);
    await request(api.http).get('/api/repairs/not-a-uuid').set(auth()).expect(400);
  }, 120_000);

  it('mails a failed repair once per table and window, and audits it', async () => {
    await request(api.http)
      .put('/api/alerts/settings')
      .set(auth(admin))
      .send({ host: '127.0.0.1', port: sink.port, secure: false, from: 'dbferry@example.com', recipients: ['ops@example.com'], dedupeWindowSeconds: 900, enabled: true })
      .expect(200);
    await pgExec(pg.url, 'CREATE TABLE doomed (id int PRIMARY KEY, v text)', "INSERT INTO doomed VALUES (1, 'a'), (2, 'b')");
    await mysqlExec(maria.url, 'CREATE TABLE doomed (id int PRIMARY KEY, v text)', "INSERT INTO doomed VALUES (1, 'x')");
    const planned = await startRepair({ sourceId: pgId, targetIds: [mariaId], table: 'public.doomed', keys: [1, 2], dryRun: true });
    expect((await waitForRepair(planned, ['planned', 'failed'])).targets[mariaId]).toMatchObject({ upserts: 2 });
    // The target table goes between the plan and the apply: the apply fails, for good.
    await mysqlExec(maria.url, 'DROP TABLE doomed');
    await request(api.http).post(`/api/repairs/${planned}/apply`).set(auth()).expect(202);
    const failed = await waitForRepair(planned, ['succeeded', 'failed'], 240_000);
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(new RegExp(`applying to connection ${mariaId} failed: .*doomed`)) });
    expect(failed.targets[mariaId]).toMatchObject({ errors: 1, upserted: 0 });
    const mail = await waitFor(async () => sink.mails[0], 30_000, `the alert mail (${output()})`);
    const { headers, body } = readableMail(mail.raw);
    expect(headers).toContain('Subject: [dbferry] run failed: repair of public.doomed');
    expect(body).toContain(`Repair: ${planned}`);
    expect(body).toContain('The repair failed: applying to connection');
    const audit = await store.query<{ outcome: string }>(`SELECT outcome FROM audit_log WHERE target_type = 'repair' AND target_id = $1 AND action = 'repair.apply' ORDER BY id`, [planned]);
    expect(audit.rows.map((r) => r.outcome)).toEqual(['ok', 'failed']);

    // The same table failing again within the window: held back.
    await request(api.http).post(`/api/repairs/${planned}/apply`).set(auth()).expect(202);
    expect(await waitForRepair(planned, ['succeeded', 'failed'], 240_000)).toMatchObject({ status: 'failed', applies: 0 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(sink.mails).toHaveLength(1);
  }, 600_000);

  it('plans and applies a repair whose queue job Redis lost (the reconciler enqueues it again)', async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop('SIGTERM', 10_000)));
    await mysqlExec(maria.url, "UPDATE votes SET label = 'lost' WHERE id = 30");
    const repairId = await startRepair({ sourceId: pgId, targetIds: [mariaId], table: 'public.votes', keys: [30] });
    // No worker took it; the queue forgets it, as a flushed Redis would.
    expect(await api.app.get(JobProducer).removeJob(JobName.PlanRepair, arbitrationJobId.planRepair(repairId))).toBe(true);
    const worker = await spawnWorker({ WORKER_CONCURRENCY: '1', RECONCILE_INTERVAL: '1000', LOG_LEVEL: 'warn' });
    workers.push(worker);
    await worker.ready();
    const repair = await waitForRepair(repairId, ['succeeded', 'failed'], 120_000);
    expect(repair).toMatchObject({ status: 'succeeded', verify: { clean: true } });
    expect(repair.targets[mariaId]).toMatchObject({ upserts: 1, upserted: 1 });
  }, 300_000);

  it('finishes a repair whose worker was SIGKILLed mid-apply, with the same counts and a clean re-verify', async () => {
    await mysqlExec(maria.url, "UPDATE big SET note = CONCAT(note, '*')");
    const diff = await diffOf({ referenceId: pgId, otherIds: [mariaId], tables: [{ reference: 'public.big' }] });
    expect(counts(diff, mariaId)).toEqual({ missing: 0, extra: 0, different: BIG });
    const repairId = await startRepair({ diffId: diff.id, sourceId: pgId, targetIds: [mariaId], dryRun: true });
    expect((await waitForRepair(repairId, ['planned', 'failed'])).targets[mariaId]).toMatchObject({ upserts: BIG });

    // Only a worker that can be killed takes the apply.
    await Promise.all(workers.splice(0).map((w) => w.stop('SIGTERM', 10_000)));
    const env = { WORKER_CONCURRENCY: '1', LOG_LEVEL: 'warn', ...FAST_STALLS };
    const first = await spawnWorker(env);
    workers.push(first);
    await first.ready();
    await request(api.http).post(`/api/repairs/${repairId}/apply`).set(auth()).expect(202);
    const segments = async () => (await store.query<{ status: string }>('SELECT status FROM repair_segment WHERE repair_id = $1', [repairId])).rows;
    await waitFor(async () => {
      const s = await segments();
      return s.filter((x) => x.status === 'done').length >= 5 && s.some((x) => x.status !== 'done') && s;
    }, 180_000, `segments applying (${output()})`);
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await segments();
    expect(atKill.some((s) => s.status !== 'done')).toBe(true);
    expect((await getRepair(repairId)).status).toBe('running');

    const second = await spawnWorker(env);
    workers.push(second);
    await second.ready();
    const repair = await waitForRepair(repairId, ['succeeded', 'failed'], 240_000);
    expect(repair).toMatchObject({ status: 'succeeded', error: null, verify: { clean: true } });
    // Every planned row counted once, as an uninterrupted apply counts them.
    expect(repair.targets[mariaId]).toEqual({ upserts: BIG, deletes: 0, errors: 0, unresolved: 0, upserted: BIG, deleted: 0 });
    expect((await segments()).every((s) => s.status === 'done')).toBe(true);
    expect(counts(await diffOf({ referenceId: pgId, otherIds: [mariaId], tables: [{ reference: 'public.big' }] }), mariaId)).toEqual({ missing: 0, extra: 0, different: 0 });
  }, 600_000);
});
