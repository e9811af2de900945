import request from 'supertest';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createPostgresDatabase, EphemeralDatabase, freePort, spawnWorker, WorkerProcess } from '@dbferry/testing';
import { ApiHarness, runJobToEnd, startApi } from './harness';

/**
 * Issue 8 items 4 and 7, issue 9 item 7: read-only connections are never written, the control
 * store is never a connection, egress refusals say what to change, and a job is refused at
 * save when it names a missing table or copies a table onto itself.
 */
describe('read-only, safe defaults and clear refusals (e2e)', () => {
  let api: ApiHarness;
  let admin: string;
  let operator: string;
  let src: EphemeralDatabase;
  let dst: EphemeralDatabase;
  let worker: WorkerProcess | undefined;
  let srcId: string;
  let dstId: string;
  const auth = (token = admin) => ({ Authorization: `Bearer ${token}` });
  const port = () => Number(new URL(src.url).port);
  const connection = (body: object) => request(api.http).post('/api/connections').set(auth()).send(body);
  const make = async (body: object) => (await connection(body).expect(201)).body.id as string;
  const jobBody = (overrides: object = {}) => ({
    name: `job-${Math.random().toString(36).slice(2)}`,
    sourceId: srcId,
    targetId: dstId,
    tables: [{ source: 'public.orders' }],
    mode: 'full',
    writeMode: 'upsert',
    ...overrides,
  });
  const createJob = (body: object) => request(api.http).post('/api/jobs').set(auth(operator)).send(body);
  const query = async (url: string, sql: string) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    api = await startApi();
    admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    src = await createPostgresDatabase('dbferry_safe_src');
    dst = await createPostgresDatabase('dbferry_safe_dst');
    await query(src.url, 'CREATE TABLE orders (id bigint PRIMARY KEY, note text); INSERT INTO orders SELECT g, g::text FROM generate_series(1, 50) g');
    srcId = await make({ name: 'safe-src', dialect: 'postgres', host: '127.0.0.1', port: port(), database: src.name, username: 'postgres' });
    dstId = await make({ name: 'safe-dst', dialect: 'postgres', host: '127.0.0.1', port: port(), database: dst.name, username: 'postgres' });
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await api.close();
    await src?.drop();
    await dst?.drop();
  }, 60_000);

  describe('readOnly', () => {
    it('answers 409 naming the jobs when a connection they target is made read-only, and allows it once none does', async () => {
      const target = await make({ name: 'soon-read-only', dialect: 'postgres', host: '127.0.0.1', port: port(), database: dst.name, username: 'postgres' });
      const job = (await createJob(jobBody({ name: 'writes here', targetId: target })).expect(201)).body;
      const res = await request(api.http).patch(`/api/connections/${target}`).set(auth()).send({ readOnly: true }).expect(409);
      expect(res.body.message).toContain(`"writes here" (${job.id})`);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'readOnly' })]);
      expect((await request(api.http).get(`/api/connections/${target}`).set(auth()).expect(200)).body.readOnly).toBe(false);

      // A job reading from it does not stand in the way.
      await request(api.http).patch(`/api/jobs/${job.id}`).set(auth(operator)).send({ sourceId: target, targetId: srcId, tables: [{ source: 'public.later_*' }] }).expect(200);
      await request(api.http).patch(`/api/connections/${target}`).set(auth()).send({ readOnly: true }).expect(200);
      const back = await request(api.http).patch(`/api/jobs/${job.id}`).set(auth(operator)).send({ targetId: target }).expect(400);
      expect(back.body.details).toEqual([expect.objectContaining({ field: 'targetId' })]);
      await request(api.http).delete(`/api/jobs/${job.id}`).set(auth(operator)).expect(204);
    });

    it('fails a run whose target was made read-only behind the API, naming the connection, and writes nothing', async () => {
      const target = await make({ name: 'replica-behind-api', dialect: 'postgres', host: '127.0.0.1', port: port(), database: dst.name, username: 'postgres' });
      const job = (await createJob(jobBody({ name: 'into a replica', targetId: target, tables: [{ source: 'public.orders', target: 'public.replica_orders' }] })).expect(201)).body;
      await api.app.get(DataSource).query('UPDATE connection SET read_only = true WHERE id = $1', [target]);

      worker = await spawnWorker({ LOG_LEVEL: 'warn' });
      await worker.ready();
      const run = await runJobToEnd(api, operator, job.id, { context: () => worker?.output() ?? '' });
      expect(run.status).toBe('failed');
      expect(run.error).toContain('"replica-behind-api" is read-only');
      // Not even the table was created: the run stopped before any DDL.
      expect(await query(dst.url, "SELECT to_regclass('public.replica_orders') AS t")).toEqual([{ t: null }]);
    }, 120_000);
  });

  describe('the control store', () => {
    it.each(['127.0.0.1', 'localhost', '::1'])('is refused as a connection reached as %s (400 naming host)', async (host) => {
      const store = new URL(api.env.DATABASE_URL);
      const res = await connection({ name: `store-${host}`, dialect: 'postgres', host, port: Number(store.port || 5432), database: store.pathname.slice(1), username: 'postgres' }).expect(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'host' })]);
      expect(res.body.message).toContain('never allowed');
      expect(res.body.message).not.toContain(store.pathname.slice(1));
    });

    it('is refused in a url too, while another database of the same server is accepted', async () => {
      const store = new URL(api.env.DATABASE_URL);
      const res = await connection({ name: 'store-url', dialect: 'postgres', url: `postgres://postgres@localhost:${store.port || 5432}${store.pathname}` }).expect(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'url' })]);
      await connection({ name: 'same-server', dialect: 'postgres', url: `postgres://postgres@localhost:${store.port || 5432}/${src.name}` }).expect(201);
    });
  });

  it('says which setting allows a refused host and that a restart applies it, and nothing more', async () => {
    const res = await connection({ name: 'outside', dialect: 'postgres', host: '203.0.113.7', database: 'x' }).expect(400);
    expect(res.body.message).toBe(
      'host: host refused by the egress policy: "203.0.113.7" is not allowed; an administrator can allow it in DB_HOSTS_ALLOW (it must not match DB_HOSTS_DENY), and a restart of the API and worker applies the change',
    );
  });

  describe('jobs refused at save', () => {
    it('answers 422 naming tables[i].source for a table the source lacks; a pattern may match nothing yet', async () => {
      const res = await createJob(jobBody({ tables: [{ source: 'public.orders' }, { source: 'public.nope' }] })).expect(422);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'tables[1].source' })]);
      expect(res.body.message).toContain('public.nope');
      const saved = await createJob(jobBody({ tables: [{ source: 'public.later_*' }] })).expect(201);
      expect(saved.body.warnings).toBeUndefined();
      const patched = await request(api.http).patch(`/api/jobs/${saved.body.id}`).set(auth(operator)).send({ tables: [{ source: 'public.gone' }] }).expect(422);
      expect(patched.body.details).toEqual([expect.objectContaining({ field: 'tables[0].source' })]);
    });

    it('saves a job whose source cannot be reached, with a warning saying its tables were not checked', async () => {
      const closed = await make({ name: 'closed-source', dialect: 'postgres', host: '127.0.0.1', port: await freePort(), database: 'x', username: 'postgres' });
      const res = await createJob(jobBody({ sourceId: closed, tables: [{ source: 'public.whatever' }] })).expect(201);
      expect(res.body.warnings).toEqual([expect.stringMatching(/^the source closed-source could not be reached .*its tables were not checked/)]);
      expect((await request(api.http).get(`/api/jobs/${res.body.id}`).set(auth(operator)).expect(200)).body.warnings).toBeUndefined();
    });

    it('answers 422 for a table copied onto itself, by one connection or two reaching the same database', async () => {
      const same = await createJob(jobBody({ targetId: srcId })).expect(422);
      expect(same.body.details).toEqual([expect.objectContaining({ field: 'tables[0].target' })]);
      expect(same.body.message).toContain('public.orders is the source table itself');
      const alias = await make({ name: 'src-by-localhost', dialect: 'postgres', host: 'localhost', port: port(), database: src.name, username: 'postgres' });
      await createJob(jobBody({ targetId: alias, tables: [{ source: 'public.orders', target: 'public.orders' }] })).expect(422);
      await createJob(jobBody({ targetId: alias, tables: [{ source: 'public.*' }] })).expect(422);
      // Another table of the same database is a copy, not a self-copy.
      await createJob(jobBody({ targetId: alias, tables: [{ source: 'public.orders', target: 'public.orders_copy' }] })).expect(201);
    });
  });

  it('answers 409 naming the jobs when a connection in use is deleted', async () => {
    const used = await make({ name: 'in-use', dialect: 'postgres', host: '127.0.0.1', port: port(), database: dst.name, username: 'postgres' });
    const a = (await createJob(jobBody({ name: 'user a', targetId: used })).expect(201)).body;
    const b = (await createJob(jobBody({ name: 'user b', sourceId: used, targetId: srcId, tables: [{ source: 'public.orders_*' }] })).expect(201)).body;
    const res = await request(api.http).delete(`/api/connections/${used}`).set(auth()).expect(409);
    expect(res.body.message).toContain(`jobs "user a" (${a.id}), "user b" (${b.id})`);
    await request(api.http).delete(`/api/jobs/${a.id}`).set(auth(operator)).expect(204);
    await request(api.http).delete(`/api/jobs/${b.id}`).set(auth(operator)).expect(204);
    await request(api.http).delete(`/api/connections/${used}`).set(auth()).expect(204);
  });

  it('lists a connection’s tables as {items, total}', async () => {
    const res = await request(api.http).get(`/api/connections/${srcId}/tables?schema=public`).set(auth()).expect(200);
    expect(res.body).toEqual({ items: [expect.objectContaining({ schema: 'public', name: 'orders', primaryKey: ['id'] })], total: 1 });
  });
});
