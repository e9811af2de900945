import request from 'supertest';
import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@dbferry/testing';
import { expectSameTable, FaultRig } from './fault-rig';
import { ADMIN_PASSWORD, type ApiHarness, startApi } from './harness';

const ROWS = 3000;

describe('fault injection off (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ FAULTS_ENABLED: 'false' });
  }, 120_000);
  afterAll(async () => api?.close());

  it('answers 404 on every /api/faults route, even to an admin', async () => {
    const auth = { Authorization: `Bearer ${await api.adminToken()}` };
    const id = randomUUID();
    await request(api.http).get('/api/faults').set(auth).expect(404);
    await request(api.http).post('/api/faults').set(auth).send({ connectionId: id, operation: 'write', count: 1 }).expect(404);
    await request(api.http).get(`/api/faults/${id}`).set(auth).expect(404);
    await request(api.http).delete(`/api/faults/${id}`).set(auth).expect(404);
  });

  it("says so in /api/auth's answers, so a client need not ask /api/faults to know", async () => {
    const admin = await api.adminToken();
    const login = await request(api.http).post('/api/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD }).expect(200);
    expect(login.body.user).toMatchObject({ username: 'admin', faultsEnabled: false });
    expect((await request(api.http).get('/api/auth/me').set('Authorization', `Bearer ${admin}`).expect(200)).body.faultsEnabled).toBe(false);
    const viewer = await api.tokenFor('viewer');
    expect((await request(api.http).get('/api/auth/me').set('Authorization', `Bearer ${viewer}`).expect(200)).body).toMatchObject({ role: 'viewer', faultsEnabled: false });
  });
});

/**
 * FAULTS_ENABLED=true in the API and a real worker process: faults made through the API fail the
 * worker's sessions (shared through Redis), runs retry them like an outage, and they end by
 * themselves (count used up, seconds passed) or at once when deleted.
 */
describe('fault injection on (e2e)', () => {
  let rig: FaultRig;
  let admin: Record<string, string>;
  let store: Client;
  const before = process.env.FAULTS_ENABLED;

  beforeAll(async () => {
    process.env.FAULTS_ENABLED = 'true';
    rig = await FaultRig.start('dbferry_faults');
    admin = { Authorization: `Bearer ${await rig.api.adminToken()}` };
    store = new Client({ connectionString: rig.api.db.url });
    await store.connect();
    await rig.source(`CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL)`);
    await rig.source(`INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, ${ROWS}) g`);
  }, 180_000);

  afterAll(async () => {
    await store?.end().catch(() => undefined);
    await rig?.close();
    if (before === undefined) delete process.env.FAULTS_ENABLED;
    else process.env.FAULTS_ENABLED = before;
  }, 60_000);

  const createFault = (body: object, auth = admin) => request(rig.api.http).post('/api/faults').set(auth).send(body);
  const faultIds = async () => ((await request(rig.api.http).get('/api/faults').set(admin).expect(200)).body.items as { id: string }[]).map((f) => f.id);

  it("says it is on in /api/auth's answers", async () => {
    expect((await request(rig.api.http).get('/api/auth/me').set(admin).expect(200)).body).toMatchObject({ role: 'admin', faultsEnabled: true });
  });

  it('is for admins only', async () => {
    for (const role of ['operator', 'viewer'] as const) {
      const auth = { Authorization: `Bearer ${await rig.api.tokenFor(role)}` };
      await createFault({ connectionId: rig.targetId, operation: 'write', count: 1 }, auth).expect(403);
      await request(rig.api.http).get('/api/faults').set(auth).expect(403);
      await request(rig.api.http).delete(`/api/faults/${randomUUID()}`).set(auth).expect(403);
    }
    expect(await faultIds()).toEqual([]);
  });

  it.each([
    [{ connectionId: 'c', operation: 'write', count: 1 }, 'connectionId'],
    [{ connectionId: '@target', operation: 'explode', count: 1 }, 'operation'],
    [{ connectionId: '@target', operation: 'write' }, 'count'],
    [{ connectionId: '@target', operation: 'write', count: 0 }, 'count'],
    [{ connectionId: '@target', operation: 'write', count: 2.5 }, 'count'],
    [{ connectionId: '@target', operation: 'write', count: '2' }, 'count'],
    [{ connectionId: '@target', operation: 'read', seconds: 86_401 }, 'seconds'],
    [{ connectionId: '@target', operation: 'read', seconds: -1 }, 'seconds'],
    [{ connectionId: randomUUID(), operation: 'connect', count: 1 }, 'connectionId'],
    [{ connectionId: '@target', operation: 'write', count: 1, extra: true }, 'extra'],
  ])('refuses %j with a 400 naming %s', async (body, field) => {
    const sent = { ...body, ...(body.connectionId === '@target' ? { connectionId: rig.targetId } : {}) };
    const res = await createFault(sent).expect(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('makes a sync run fail its first writes with "injected fault" (count 2), then succeed by itself; the fault is used up and audited', async () => {
    const jobId = await rig.createJob({ name: 'through a write fault', sourceId: rig.sourceId, targetId: rig.targetId, tables: [{ source: 'public.items' }] });
    const fault = (await createFault({ connectionId: rig.targetId, operation: 'write', count: 2 }).expect(201)).body;
    expect(fault).toMatchObject({ connectionId: rig.targetId, operation: 'write', count: 2, remaining: 2, seconds: null, expiresAt: null });
    expect(await faultIds()).toEqual([fault.id]);
    await request(rig.api.http).get(`/api/faults/${fault.id}`).set(admin).expect(200);

    await rig.spawnWorker({});
    const runId = await rig.startRun(jobId);
    const run = await rig.waitForEnd(runId, 120_000);
    expect(run).toMatchObject({ status: 'succeeded', error: null, rowsWritten: ROWS });
    // Retry lines of one subject are written once per window, so two failed attempts may show as one line.
    const retried = (await rig.logs(runId)).filter((line) => line.includes(`injected fault ${fault.id}`));
    expect(retried.length).toBeGreaterThanOrEqual(1);
    for (const line of retried) expect(line).toMatch(/will retry \(attempt \d/);
    await expectSameTable(
      { dialect: 'postgres', url: rig.pg.url, table: { schema: 'public', name: 'items' } },
      { dialect: 'mysql', url: rig.maria.url, table: { schema: rig.maria.name, name: 'items' } },
      ROWS,
    );

    // Both hits were taken (by the worker's writes: nothing else wrote to the target), so the fault ended by itself.
    await request(rig.api.http).get(`/api/faults/${fault.id}`).set(admin).expect(404);
    expect(await faultIds()).toEqual([]);
    const { rows } = await store.query(`SELECT action, actor_name AS "actor", details FROM audit_log WHERE target_id = $1 ORDER BY id`, [fault.id]);
    expect(rows).toEqual([{ action: 'fault.create', actor: 'admin', details: { connectionId: rig.targetId, operation: 'write', count: 2, seconds: null } }]);
  }, 180_000);

  it('makes POST /api/connections/:id/test report a connect fault, until its seconds pass', async () => {
    const fault = (await createFault({ connectionId: rig.sourceId, operation: 'connect', seconds: 3 }).expect(201)).body;
    expect(Date.parse(fault.expiresAt) - Date.parse(fault.createdAt)).toBe(3000);
    const failed = (await request(rig.api.http).post(`/api/connections/${rig.sourceId}/test`).set(admin).expect(200)).body;
    expect(failed).toMatchObject({ ok: false, error: `connection refused: injected fault ${fault.id} (connect)` });
    // Another connection is not touched.
    expect((await request(rig.api.http).post(`/api/connections/${rig.targetId}/test`).set(admin).expect(200)).body.ok).toBe(true);

    await waitFor(async () => (await request(rig.api.http).get(`/api/faults/${fault.id}`).set(admin)).status === 404, 10_000, 'the timed fault to expire');
    expect(await faultIds()).toEqual([]);
    expect((await request(rig.api.http).post(`/api/connections/${rig.sourceId}/test`).set(admin).expect(200)).body).toMatchObject({ ok: true });
  });

  it('fails the API\'s own catalogue reads under a read fault, as a database outage (502 naming the fault), once per count', async () => {
    const fault = (await createFault({ connectionId: rig.sourceId, operation: 'read', count: 1 }).expect(201)).body;
    const failed = await request(rig.api.http).get(`/api/connections/${rig.sourceId}/tables`).set(admin).expect(502);
    expect(failed.body.message).toBe(`database error: injected fault ${fault.id} (read)`);
    const tables = (await request(rig.api.http).get(`/api/connections/${rig.sourceId}/tables`).set(admin).expect(200)).body.items;
    expect(tables.map((t: { name: string }) => t.name)).toContain('items');
    await request(rig.api.http).get(`/api/faults/${fault.id}`).set(admin).expect(404);
  });

  it('is gone for the worker at once when deleted: a run held by a 10-minute write fault succeeds right after the DELETE', async () => {
    if (!rig.workers.length) await rig.spawnWorker({});
    const jobId = await rig.createJob({ name: 'held by a timed fault', sourceId: rig.sourceId, targetId: rig.pgTargetId, tables: [{ source: 'public.items' }] });
    const fault = (await createFault({ connectionId: rig.pgTargetId, operation: 'write', seconds: 600 }).expect(201)).body;
    const runId = await rig.startRun(jobId);
    await waitFor(async () => (await rig.logs(runId)).some((line) => line.includes(`injected fault ${fault.id}`)), 60_000, `the run to meet the fault (workers said: ${rig.workerOutput()})`);
    expect((await rig.run(runId)).status).not.toBe('succeeded');

    await request(rig.api.http).delete(`/api/faults/${fault.id}`).set(admin).expect(204);
    const deletedAt = Date.now();
    await request(rig.api.http).delete(`/api/faults/${fault.id}`).set(admin).expect(404);
    const run = await rig.waitForEnd(runId, 60_000);
    expect(run).toMatchObject({ status: 'succeeded', rowsWritten: ROWS });
    // Well inside the fault's ten minutes: only the queue's backoff stood between the DELETE and the retry.
    expect(Date.now() - deletedAt).toBeLessThan(45_000);
    await expectSameTable(
      { dialect: 'postgres', url: rig.pg.url, table: { schema: 'public', name: 'items' } },
      { dialect: 'postgres', url: rig.pgTarget.url, table: { schema: 'public', name: 'items' } },
      ROWS,
    );
    const { rows } = await store.query(`SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id`, [fault.id]);
    expect(rows.map((r) => r.action)).toEqual(['fault.create', 'fault.delete']);
  }, 180_000);
});
