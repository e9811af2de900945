import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { JobProducer } from '@dbferry/queue';
import { JobName, jobScheduleId, QueueName } from '@dbferry/queue-contracts';
import { createMysqlDatabase, createPostgresDatabase, deleteRedisPrefix, EphemeralDatabase, spawnWorker, waitFor, WorkerProcess } from '@dbferry/testing';
import { JobSchedules } from '../src/modules/jobs/job-schedules';
import { ApiHarness, startApi } from './harness';

const ROWS = 20_000;

interface RunBody {
  id: string;
  status: string;
  trigger: string;
  tables: { chunksDone: number; chunksTotal: number }[];
}

describe('the fleet recovers what Redis lost, and runs schedules (e2e)', () => {
  let api: ApiHarness;
  let operator: string;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let worker: WorkerProcess | undefined;
  const workerOutput = () => worker?.output() ?? '';
  let srcId: string;
  let dstId: string;
  let flushedJobId: string;
  const auth = () => ({ Authorization: `Bearer ${operator}` });
  const getRun = async (id: string) => (await request(api.http).get(`/api/runs/${id}`).set(auth()).expect(200)).body as RunBody;
  const runsOf = async (jobId: string) => (await request(api.http).get(`/api/jobs/${jobId}/runs?limit=100`).set(auth()).expect(200)).body.items as RunBody[];
  const ended = (status: string) => ['succeeded', 'failed', 'cancelled'].includes(status);

  beforeAll(async () => {
    api = await startApi();
    const admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    pg = await createPostgresDatabase('dbferry_rec_src');
    maria = await createMysqlDatabase('dbferry_rec_dst');
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query('CREATE TABLE events (id bigint PRIMARY KEY, kind int NOT NULL, note text)');
    await client.query(`INSERT INTO events SELECT g, g % 13, repeat('x', 40) || g FROM generate_series(1, ${ROWS}) g`);
    await client.query('CREATE TABLE small (id int PRIMARY KEY, v text)');
    await client.query(`INSERT INTO small SELECT g, 'v' || g FROM generate_series(1, 10) g`);
    await client.end();

    worker = await spawnWorker({ WORKER_CONCURRENCY: '1', RECONCILE_INTERVAL: '1000', LOG_LEVEL: 'warn' });
    await worker.ready();

    const make = async (body: object) => (await request(api.http).post('/api/connections').set('Authorization', `Bearer ${admin}`).send(body).expect(201)).body.id as string;
    const pgUrl = new URL(pg.url);
    const mariaUrl = new URL(maria.url);
    srcId = await make({ name: 'pg-source', dialect: 'postgres', host: '127.0.0.1', port: Number(pgUrl.port), database: pg.name, username: 'postgres' });
    dstId = await make({ name: 'maria-target', dialect: 'mysql', host: '127.0.0.1', port: Number(mariaUrl.port), database: maria.name, username: 'root' });
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await pg?.drop();
    await maria?.drop();
  }, 60_000); // the worker drains for up to WORKER_SHUTDOWN_TIMEOUT

  it('finishes a run whose Redis keys were all deleted mid-run, the target equal to the source', async () => {
    const job = await request(api.http).post('/api/jobs').set(auth()).send({
      name: 'flushed', sourceId: srcId, targetId: dstId, mode: 'full', writeMode: 'upsert',
      chunkRows: 500, batchSize: 50, tables: [{ source: 'public.events' }],
    }).expect(201);
    flushedJobId = job.body.id;
    const { runId } = (await request(api.http).post(`/api/jobs/${job.body.id}/run`).set(auth()).expect(202)).body;

    const midway = await waitFor(async () => {
      const run = await getRun(runId);
      const t = run.tables[0];
      return t && t.chunksDone >= 2 && t.chunksDone < t.chunksTotal - 2 && run;
    }, 60_000, `run ${runId} part-way (worker said: ${workerOutput().slice(-500)})`);
    // The test's private prefix stands for FLUSHALL: every queue, job and lock key is gone.
    await deleteRedisPrefix(process.env.QUEUE_PREFIX!);
    expect(ended(midway.status)).toBe(false);

    const run = await waitFor(async () => {
      const body = await getRun(runId);
      return ended(body.status) && body;
    }, 120_000, `run ${runId} to end after the flush (worker said: ${workerOutput().slice(-800)})`);
    expect(run.status).toBe('succeeded');
    expect(run.tables[0].chunksDone).toBe(run.tables[0].chunksTotal);

    const target = await createConnection(maria.url);
    try {
      const [[counts]] = (await target.query('SELECT count(*) AS n, count(DISTINCT id) AS d, sum(kind) AS k FROM events')) as unknown as [[{ n: number; d: number; k: string }]];
      expect(Number(counts.n)).toBe(ROWS);
      expect(Number(counts.d)).toBe(ROWS);
      const source = new Client({ connectionString: pg.url });
      await source.connect();
      const { rows } = await source.query<{ k: string }>('SELECT sum(kind) AS k FROM events');
      await source.end();
      expect(String(counts.k)).toBe(String(rows[0].k));
    } finally {
      await target.end();
    }
    const logs = (await request(api.http).get(`/api/runs/${runId}/logs?limit=500`).set(auth()).expect(200)).body.items.map((l: { message: string }) => l.message);
    expect(logs).toEqual(expect.arrayContaining([expect.stringMatching(/^reconciler: .*enqueued it again/)]));
  }, 240_000);

  it('settles a run whose finish-run parent was lost while its chunks ran on', async () => {
    const { runId } = (await request(api.http).post(`/api/jobs/${flushedJobId}/run`).set(auth()).expect(202)).body;
    await waitFor(async () => {
      const t = (await getRun(runId)).tables[0];
      return t && t.chunksDone >= 1 && t.chunksDone < t.chunksTotal - 2;
    }, 60_000, `run ${runId} part-way (worker said: ${workerOutput().slice(-500)})`);
    // Only the parent's key is gone (a partial loss): its children stay queued, tied to it.
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    try {
      expect(await redis.del(`${process.env.QUEUE_PREFIX}:${QueueName.Sync}:finish-run.${runId}`)).toBe(1);
    } finally {
      redis.disconnect();
    }
    const run = await waitFor(async () => {
      const body = await getRun(runId);
      return ended(body.status) && body;
    }, 120_000, `run ${runId} to end without its parent (worker said: ${workerOutput().slice(-800)})`);
    expect(run.status).toBe('succeeded');
    expect(run.tables[0].chunksDone).toBe(run.tables[0].chunksTotal);
    const logs = (await request(api.http).get(`/api/runs/${runId}/logs?limit=500`).set(auth()).expect(200)).body.items.map((l: { message: string }) => l.message);
    expect(logs).toEqual(expect.arrayContaining([expect.stringMatching(/^reconciler: /)]));
  }, 180_000);

  it('finishes a run whose queued chunk jobs were lost while their parent waited on them', async () => {
    const { runId } = (await request(api.http).post(`/api/jobs/${flushedJobId}/run`).set(auth()).expect(202)).body;
    await waitFor(async () => {
      const t = (await getRun(runId)).tables[0];
      return t && t.chunksDone >= 1 && t.chunksDone < t.chunksTotal - 4;
    }, 60_000, `run ${runId} part-way (worker said: ${workerOutput().slice(-500)})`);
    // With the fleet stopped, three queued chunks' jobs vanish, while the parent keeps waiting on them.
    await worker!.stop();
    const store = new Client({ connectionString: api.db.url });
    await store.connect();
    const { rows } = await store.query<{ id: string }>(
      `SELECT c.id FROM run_chunk c JOIN run_table t ON t.id = c.run_table_id WHERE t.run_id = $1 AND c.status = 'pending' ORDER BY c.ordinal DESC LIMIT 3`,
      [runId],
    );
    await store.end();
    expect(rows).toHaveLength(3);
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    try {
      const queue = `${process.env.QUEUE_PREFIX}:${QueueName.Sync}`;
      for (const { id } of rows) {
        expect(await redis.del(`${queue}:copy-chunk.${id}`)).toBe(1);
        await redis.lrem(`${queue}:wait`, 0, `copy-chunk.${id}`);
      }
    } finally {
      redis.disconnect();
    }
    worker = await spawnWorker({ WORKER_CONCURRENCY: '1', RECONCILE_INTERVAL: '1000', LOG_LEVEL: 'warn' });
    await worker.ready();
    const run = await waitFor(async () => {
      const body = await getRun(runId);
      return ended(body.status) && body;
    }, 120_000, `run ${runId} to end without those chunk jobs (worker said: ${workerOutput().slice(-800)})`);
    expect(run.status).toBe('succeeded');
    expect(run.tables[0].chunksDone).toBe(run.tables[0].chunksTotal);
    const logs = (await request(api.http).get(`/api/runs/${runId}/logs?limit=500`).set(auth()).expect(200)).body.items.map((l: { message: string }) => l.message);
    expect(logs).toEqual(expect.arrayContaining(['reconciler: the queue had lost 3 chunk job(s) of this run; enqueued them again']));
    expect(logs).toEqual(expect.arrayContaining([expect.stringMatching(/^reconciler: every chunk has settled/)]));
  }, 180_000);

  it('plans a run the store holds as queued but the queue never got', async () => {
    const store = new Client({ connectionString: api.db.url });
    await store.connect();
    const { rows } = await store.query<{ id: string }>(
      `INSERT INTO run (job_id, trigger, status, queued_at) VALUES ($1, 'manual', 'queued', now() - interval '1 minute') RETURNING id`,
      [flushedJobId],
    );
    await store.end();
    const run = await waitFor(async () => {
      const body = await getRun(rows[0].id);
      return ended(body.status) && body;
    }, 120_000, `orphan run to end (worker said: ${workerOutput().slice(-500)})`);
    expect(run.status).toBe('succeeded');
    const logs = (await request(api.http).get(`/api/runs/${run.id}/logs?limit=500`).set(auth()).expect(200)).body.items.map((l: { message: string }) => l.message);
    expect(logs).toContain("reconciler: the queue had lost this run's plan; enqueued it again");
  }, 180_000);

  it('runs a job on its schedule, drops the scheduler when disabled, and syncs schedulers idempotently', async () => {
    const producer = api.app.get(JobProducer);
    const schedulers = async () => (await producer.scheduleIds(QueueName.Sync)).filter((id) => id.startsWith('job-schedule.'));
    const job = (await request(api.http).post('/api/jobs').set(auth()).send({
      name: 'every second', sourceId: srcId, targetId: dstId, mode: 'full', writeMode: 'upsert',
      schedule: '* * * * * *', enabled: true, tables: [{ source: 'public.small' }],
    }).expect(201)).body as { id: string };
    expect(await schedulers()).toEqual([jobScheduleId(job.id)]);

    const scheduled = await waitFor(async () => (await runsOf(job.id)).find((r) => r.trigger === 'schedule'), 10_000, 'a scheduled run');
    expect(scheduled.trigger).toBe('schedule');

    // Bootstrap sync: any number of passes (replicas, restarts) leaves one scheduler per job and drops strays.
    const sync = api.app.get(JobSchedules);
    await producer.upsertSchedule(jobScheduleId(randomUUID()), '0 0 * * *', { name: JobName.ScheduledRun, data: { v: 1, jobId: randomUUID() } });
    await sync.sync();
    await sync.sync();
    expect(await schedulers()).toEqual([jobScheduleId(job.id)]);

    await request(api.http).patch(`/api/jobs/${job.id}`).set(auth()).send({ enabled: false }).expect(200);
    expect(await schedulers()).toEqual([]);
    await waitFor(async () => (await runsOf(job.id)).every((r) => ended(r.status)), 30_000, 'scheduled runs to end');
    const before = (await runsOf(job.id)).length;
    await new Promise((r) => setTimeout(r, 3000));
    expect((await runsOf(job.id)).length).toBe(before);

    await request(api.http).patch(`/api/jobs/${job.id}`).set(auth()).send({ enabled: true }).expect(200);
    expect(await schedulers()).toEqual([jobScheduleId(job.id)]);
    await request(api.http).patch(`/api/jobs/${job.id}`).set(auth()).send({ schedule: null }).expect(200);
    expect(await schedulers()).toEqual([]);
  }, 90_000);
});
