import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase, spawnWorker, WorkerProcess } from '@dbferry/testing';
import { ApiHarness, runJobToEnd, startApi } from './harness';

const ROWS = 3000;
/** Spread over several chunks; their notes do not fit the target's varchar(20). */
const BAD = [7, 1200, 1201, 2999];

describe('bad rows on a worker: isolated, stored, counted against maxRejects (e2e)', () => {
  let api: ApiHarness;
  let operator: string;
  let viewer: string;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let worker: WorkerProcess | undefined;
  let jobId: string;
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  const mariaRows = async (): Promise<[number, string, number][]> => {
    const connection = await createConnection(maria.url);
    try {
      const [rows] = await connection.query('SELECT id, note, qty FROM notes ORDER BY id');
      return (rows as { id: number; note: string; qty: number }[]).map((r) => [Number(r.id), r.note, r.qty]);
    } finally {
      await connection.end();
    }
  };

  const runToEnd = () => runJobToEnd(api, operator, jobId, { context: () => worker?.output() ?? '' });

  beforeAll(async () => {
    api = await startApi();
    const admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    viewer = await api.tokenFor('viewer');
    pg = await createPostgresDatabase('dbferry_rejects_src');
    maria = await createMysqlDatabase('dbferry_rejects_dst');
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query('CREATE TABLE notes (id bigint PRIMARY KEY, note text NOT NULL, qty integer NOT NULL)');
    await client.query(
      `INSERT INTO notes SELECT g, CASE WHEN g IN (${BAD.join(',')}) THEN 'a note far too long for twenty' ELSE 'note ' || g END, g % 7
         FROM generate_series(1, ${ROWS}) g`,
    );
    await client.end();
    // The target table exists already, narrower than the source.
    const connection = await createConnection(maria.url);
    await connection.query('CREATE TABLE notes (id bigint PRIMARY KEY, note varchar(20) NOT NULL, qty int NOT NULL)');
    await connection.end();

    worker = await spawnWorker({ WORKER_CONCURRENCY: '2', LOG_LEVEL: 'warn' });
    await worker.ready();

    const make = async (body: object) => (await request(api.http).post('/api/connections').set(as(admin)).send(body).expect(201)).body.id as string;
    const sourceId = await make({ name: 'pg-notes', dialect: 'postgres', host: '127.0.0.1', port: Number(new URL(pg.url).port), database: pg.name, username: 'postgres' });
    const targetId = await make({ name: 'maria-notes', dialect: 'mysql', host: '127.0.0.1', port: Number(new URL(maria.url).port), database: maria.name, username: 'root' });
    const job = await request(api.http).post('/api/jobs').set(as(operator)).send({
      name: 'notes with bad rows', sourceId, targetId, mode: 'full', writeMode: 'replace', chunkRows: 500, batchSize: 200,
      tables: [{ source: 'public.notes' }],
    }).expect(201);
    expect(job.body.maxRejects).toBe(0);
    jobId = job.body.id;
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await pg?.drop();
    await maria?.drop();
  }, 60_000);

  it('refuses a maxRejects that is not an integer of at least 0', async () => {
    for (const maxRejects of [-1, 2.5, '3']) {
      const res = await request(api.http).patch(`/api/jobs/${jobId}`).set(as(operator)).send({ maxRejects }).expect(400);
      expect(JSON.stringify(res.body)).toMatch(/maxRejects/);
    }
  });

  it('maxRejects 0: the run fails, naming the rejected rows by key, column and driver error', async () => {
    const run = await runToEnd();
    expect(run).toMatchObject({ status: 'failed', rejects: BAD.length, rowsRead: ROWS });
    expect(run.error).toMatch(new RegExp(`${BAD.length} row\\(s\\) rejected by the target, more than maxRejects 0`));
    expect(run.tables[0]).toMatchObject({ status: 'failed', rejects: BAD.length, error: `${BAD.length} row(s) rejected by the target` });
    expect(run.tables[0].chunksTotal).toBeGreaterThan(2);

    const page = await request(api.http).get(`/api/runs/${run.id}/rejects`).set(as(viewer)).expect(200);
    expect(page.body.total).toBe(BAD.length);
    const byKey = [...page.body.items].sort((a, b) => Number(a.key[0].$int) - Number(b.key[0].$int));
    expect(byKey.map((r: { key: unknown }) => r.key)).toEqual(BAD.map((id) => [{ $int: String(id) }]));
    for (const reject of byKey) {
      expect(reject).toMatchObject({ source: 'public.notes', target: `${maria.name}.notes`, column: 'note' });
      expect(reject.error).toMatch(/^value rejected by the database: Data too long for column 'note'/);
    }
    const second = await request(api.http).get(`/api/runs/${run.id}/rejects?limit=3&offset=3`).set(as(viewer)).expect(200);
    expect(second.body).toMatchObject({ total: BAD.length, items: [page.body.items[3]] });

    const logs = (await request(api.http).get(`/api/runs/${run.id}/logs?limit=500`).set(as(operator)).expect(200)).body.items.map((l: { message: string }) => l.message);
    expect(logs).toContain(`${BAD.length} row(s) rejected by the target (maxRejects 0)`);
  }, 120_000);

  it('maxRejects 10: the run succeeds with the rejects counted, every other row equal to the source', async () => {
    await request(api.http).patch(`/api/jobs/${jobId}`).set(as(operator)).send({ maxRejects: 10 }).expect(200);
    const run = await runToEnd();
    expect(run).toMatchObject({ status: 'succeeded', error: null, rejects: BAD.length, rowsRead: ROWS, rowsWritten: ROWS - BAD.length });
    expect(run.tables[0]).toMatchObject({ status: 'succeeded', rejects: BAD.length, error: null });
    expect(run.tables[0].chunksDone).toBe(run.tables[0].chunksTotal);

    const page = await request(api.http).get(`/api/runs/${run.id}/rejects`).set(as(viewer)).expect(200);
    expect(page.body.total).toBe(BAD.length);
    expect(page.body.items.map((r: { key: { $int: string }[] }) => Number(r.key[0].$int)).sort((a: number, b: number) => a - b)).toEqual(BAD);

    const expected: [number, string, number][] = [];
    for (let id = 1; id <= ROWS; id++) if (!BAD.includes(id)) expected.push([id, `note ${id}`, id % 7]);
    expect(await mariaRows()).toEqual(expected);
  }, 120_000);

  it('answers 404 for the rejects of an unknown run', async () => {
    await request(api.http).get('/api/runs/00000000-0000-4000-8000-000000000000/rejects').set(as(viewer)).expect(404);
  });
});
