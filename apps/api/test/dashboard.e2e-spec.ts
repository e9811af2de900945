import request from 'supertest';
import { Client } from 'pg';
import { QueueName } from '@dbferry/queue-contracts';
import { createPostgresDatabase, EphemeralDatabase, FakeServer, freePort, listenFakeServer, spawnWorker, WorkerProcess } from '@dbferry/testing';
import type { DashboardView } from '../src/modules/dashboard/dashboard.dto';
import { ApiHarness, runJobToEnd, saveConnection, startApi } from './harness';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/** Where a run queued at `at` falls in the dashboard's buckets ending with the one holding `now` (UTC). */
function bucketIndex(at: Date, now: Date, unit: 'hour' | 'day', buckets: number): number {
  const trunc = (d: Date) =>
    unit === 'hour' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return buckets - 1 - Math.round((trunc(now) - trunc(at)) / (unit === 'hour' ? HOUR : DAY));
}

describe('GET /api/dashboard (e2e)', () => {
  let api: ApiHarness;
  let src: EphemeralDatabase;
  let dst: EphemeralDatabase;
  let worker: WorkerProcess | undefined;
  let silent: FakeServer;
  let admin: string;
  let srcId: string;
  let dstId: string;
  let refusedId: string;
  let silentId: string;
  const auth = () => ({ Authorization: `Bearer ${admin}` });
  const dashboard = async (query = '', token = admin) =>
    (await request(api.http).get(`/api/dashboard${query}`).set('Authorization', `Bearer ${token}`).expect(200)).body as DashboardView;
  const sql = async (url: string, text: string, params: unknown[] = []) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows;
    } finally {
      await client.end();
    }
  };
  const job = async (name: string, source: string) =>
    (await request(api.http).post('/api/jobs').set(auth()).send({ name, sourceId: srcId, targetId: dstId, mode: 'full', writeMode: 'upsert', tables: [{ source }] }).expect(201))
      .body.id as string;

  beforeAll(async () => {
    api = await startApi();
    admin = await api.adminToken();
    src = await createPostgresDatabase('dbferry_dash_src');
    dst = await createPostgresDatabase('dbferry_dash_dst');
    await sql(src.url, 'CREATE TABLE items (id int PRIMARY KEY, note text); INSERT INTO items SELECT g, $$item $$ || g FROM generate_series(1, 500) g');
    worker = await spawnWorker({ WORKER_CONCURRENCY: '2', LOG_LEVEL: 'warn' });
    await worker.ready();
    srcId = await saveConnection(api, admin, 'dash-source', 'postgres', src);
    dstId = await saveConnection(api, admin, 'dash-target', 'postgres', dst);
    // Down two ways: nothing listens (refused at once), and a server that accepts and never answers (the probe's timeout).
    const body = (name: string, port: number) => ({ name, dialect: 'postgres', host: '127.0.0.1', port, database: 'nowhere', username: 'postgres' });
    refusedId = (await request(api.http).post('/api/connections').set(auth()).send(body('dash-refused', await freePort())).expect(201)).body.id;
    silent = await listenFakeServer('silent', () => undefined);
    silentId = (await request(api.http).post('/api/connections').set(auth()).send(body('dash-silent', silent.port)).expect(201)).body.id;
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await silent?.close();
    await src?.drop();
    await dst?.drop();
  }, 60_000);

  it('answers at once while a connection probe hangs, then lists the connections that are down', async () => {
    const started = Date.now();
    const first = await dashboard();
    // The first check is waited for 1 s at most; the silent server holds its probe for 3 s (CONNECTION_TEST_TIMEOUT_MS).
    expect(Date.now() - started).toBeLessThan(2000);
    expect(first.connectionsCheckedAt).toBeNull();
    expect(first.connectionsDown).toEqual([]);

    let checked: DashboardView | undefined;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline && !checked; await new Promise((r) => setTimeout(r, 300))) {
      const view = await dashboard();
      if (view.connectionsCheckedAt) checked = view;
    }
    expect(checked).toBeDefined();
    const down = checked!.connectionsDown;
    expect(down.map((c) => c.id).sort()).toEqual([refusedId, silentId].sort());
    expect(down.find((c) => c.id === refusedId)).toMatchObject({ name: 'dash-refused', dialect: 'postgres', error: expect.any(String) });
    expect(down.find((c) => c.id === silentId)!.latencyMs).toBeGreaterThanOrEqual(2900);

    // Cached: the next answer does not wait on the silent server again.
    const again = Date.now();
    const cached = await dashboard();
    expect(Date.now() - again).toBeLessThan(1500);
    expect(cached.connectionsCheckedAt).toBe(checked!.connectionsCheckedAt);

    // A connection added since the check outdates it at once, not after the 30 s it is kept.
    const body = { name: 'dash-refused-2', dialect: 'postgres', host: '127.0.0.1', port: await freePort(), database: 'nowhere', username: 'postgres' };
    const addedId = (await request(api.http).post('/api/connections').set(auth()).send(body).expect(201)).body.id as string;
    const added = Date.now();
    let rechecked: DashboardView | undefined;
    while (!rechecked && Date.now() - added < 15_000) {
      const view = await dashboard();
      if (view.connectionsDown.some((c) => c.id === addedId)) rechecked = view;
      else await new Promise((r) => setTimeout(r, 300));
    }
    expect(rechecked?.connectionsDown.map((c) => c.id).sort()).toEqual([refusedId, silentId, addedId].sort());
    await request(api.http).delete(`/api/connections/${addedId}`).set(auth()).expect(204);
    // Deleted: gone from the next check, likewise started at once.
    const deleted = Date.now();
    for (let view = await dashboard(); view.connectionsDown.some((c) => c.id === addedId); view = await dashboard()) {
      expect(Date.now() - deleted).toBeLessThan(15_000);
      await new Promise((r) => setTimeout(r, 300));
    }
  }, 60_000);

  it('counts runs per status over time from real runs and 10,000 stored ones, with rates, queue depths and failing jobs', async () => {
    const items = await job('dash-items', 'public.items');
    await sql(src.url, 'CREATE TABLE ghost (id int PRIMARY KEY)');
    const ghost = await job('dash-ghost', 'public.ghost');
    await sql(src.url, 'DROP TABLE ghost');
    const history = await job('dash-history', 'public.items');

    // 10,000 settled runs of the history job, one every 3 minutes back from now (about 21 days), every 10th failed;
    // the latest of them succeeded, so the job is not failing.
    const anchor = new Date();
    await sql(
      api.db.url,
      `INSERT INTO run (job_id, status, trigger, queued_at, started_at, finished_at, rows_read, rows_written)
       SELECT $1, CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'succeeded' END, 'schedule', t, t + interval '1 second', t + interval '11 seconds', 1000, 1000
         FROM (SELECT g, $2::timestamptz - g * interval '3 minutes' AS t FROM generate_series(1, 10000) g) s`,
      [history, anchor],
    );
    const stored = Array.from({ length: 10_000 }, (_, i) => ({ at: new Date(anchor.getTime() - (i + 1) * 180_000), status: (i + 1) % 10 === 0 ? 'failed' : 'succeeded' }));

    const ran = [await runJobToEnd(api, admin, items), await runJobToEnd(api, admin, items), await runJobToEnd(api, admin, ghost)];
    expect(ran.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'failed']);
    const all = [...stored, ...ran.map((r) => ({ at: new Date(r.queuedAt), status: r.status }))];

    await dashboard(); // warms the pool's connections and the planner's statistics
    const started = Date.now();
    const day = await dashboard();
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1000);

    expect(day.counts).toEqual({ connections: 4, jobs: 3, enabledJobs: 3, runs: { queued: 0, running: 0, succeeded: 9002, failed: 1001, cancelled: 0 } });
    for (const [range, unit, buckets] of [['24h', 'hour', 24], ['14d', 'day', 14]] as const) {
      const view = range === '24h' ? day : await dashboard(`?range=${range}`);
      expect(view).toMatchObject({ range, bucket: unit });
      expect(view.runsOverTime).toHaveLength(buckets);
      const now = new Date(view.generatedAt);
      const expected = Array.from({ length: buckets }, () => Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<string, number>);
      for (const run of all) {
        const i = bucketIndex(run.at, now, unit, buckets);
        if (i >= 0) expected[i][run.status] += 1;
      }
      expect(view.runsOverTime.map(({ at: _at, ...counts }) => counts)).toEqual(expected);
      const step = unit === 'hour' ? HOUR : DAY;
      expect(view.runsOverTime.map((b) => new Date(b.at).getTime())).toEqual(
        Array.from({ length: buckets }, (_, i) => new Date(view.runsOverTime[0].at).getTime() + i * step),
      );
      expect(bucketIndex(new Date(view.runsOverTime[buckets - 1].at), now, unit, buckets)).toBe(buckets - 1);
    }

    // The latest 30 runs that started, oldest first: 27 stored ones (100 rows/s each) then the three real ones.
    expect(day.recentRuns).toHaveLength(30);
    expect(day.recentRuns.slice(-3).map((r) => r.runId)).toEqual(ran.map((r) => r.id));
    expect(day.recentRuns[0]).toMatchObject({ jobId: history, jobName: 'dash-history', rowsWritten: 1000, rowsPerSecond: 100 });
    const copied = day.recentRuns.at(-2)!;
    expect(copied).toMatchObject({ jobName: 'dash-items', status: 'succeeded', rowsWritten: 500 });
    expect(copied.rowsPerSecond).toBeGreaterThan(0);

    expect(day.failingJobs).toEqual([{ jobId: ghost, jobName: 'dash-ghost', enabled: true, runId: ran[2].id, finishedAt: ran[2].finishedAt, error: ran[2].error }]);

    expect(day.queuesError).toBeNull();
    expect(day.queues.map((q) => q.name).sort()).toEqual(Object.values(QueueName).sort());
    for (const q of day.queues) {
      for (const state of ['waiting', 'prioritized', 'waitingChildren', 'active', 'delayed', 'failed'] as const) expect(q[state]).toEqual(expect.any(Number));
    }
    console.log(`GET /api/dashboard on 10,003 runs answered in ${elapsed} ms`);
  }, 180_000);

  it('is readable by any role, refuses an unknown range naming it, and needs a token', async () => {
    const viewer = await api.tokenFor('viewer');
    expect((await dashboard('', viewer)).counts.jobs).toEqual(expect.any(Number));
    const bad = await request(api.http).get('/api/dashboard?range=1y').set(auth()).expect(400);
    expect(JSON.stringify(bad.body)).toContain('range');
    await request(api.http).get('/api/dashboard').expect(401);
  });
});
