import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { JobProducer } from '@dbferry/queue';
import { JobName } from '@dbferry/queue-contracts';
import { Client } from 'pg';
import { createPostgresDatabase, EphemeralDatabase, spawnWorker, waitFor, WorkerProcess } from '@dbferry/testing';
import { ApiHarness, startApi } from './harness';

const STATES = ['waiting', 'prioritized', 'waiting-children', 'active', 'delayed', 'failed'];

/** Every sample of one metric in a Prometheus text page, keyed by its label set as printed. */
function samples(text: string, metric: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${metric}\\{([^}]*)\\} (\\S+)$`).exec(line);
    if (match) out.set(match[1], Number(match[2]));
  }
  return out;
}

describe('queue depth and run metrics at scrape time (e2e)', () => {
  let api: ApiHarness;
  let worker: WorkerProcess | undefined;
  let operator: string;
  const scrape = async () => (await request(api.http).get('/metrics').expect(200)).text;
  const depth = (text: string, queue: string, state: string) => samples(text, 'dbferry_queue_jobs').get(`queue="${queue}",state="${state}"`);

  /** The job's source: a job is refused at save when its source lacks the table. */
  let source: EphemeralDatabase | undefined;

  beforeAll(async () => {
    api = await startApi();
    operator = await api.tokenFor('operator');
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await source?.drop();
  }, 60_000);

  it('counts each queue by state from Redis, following what is enqueued', async () => {
    const before = await scrape();
    for (const queue of ['sync', 'maintenance']) {
      for (const state of STATES) expect(depth(before, queue, state)).toEqual(expect.any(Number));
    }
    expect(depth(before, 'sync', 'waiting')).toBe(0);

    const producer = api.app.get(JobProducer);
    const prune = { v: 1, olderThanDays: 365 } as const;
    for (let i = 0; i < 3; i++) await producer.enqueue(JobName.PruneAuditLog, prune);
    await producer.enqueue(JobName.PruneAuditLog, prune, { priority: 5 });
    await producer.enqueue(JobName.PruneAuditLog, prune, { delayMs: 3_600_000 });
    const runId = randomUUID();
    await producer.enqueueFlow(
      { name: JobName.FinishRun, data: { v: 1, runId }, jobId: `finish-run.${runId}` },
      [1, 2].map(() => {
        const chunkId = randomUUID();
        return { name: JobName.CopyChunk, data: { v: 1, runId, chunkId }, jobId: `copy-chunk.${chunkId}` };
      }),
    );

    const after = await scrape();
    const delta = (queue: string, state: string) => depth(after, queue, state)! - depth(before, queue, state)!;
    expect(delta('maintenance', 'waiting')).toBe(3);
    expect(delta('maintenance', 'prioritized')).toBe(1);
    expect(delta('maintenance', 'delayed')).toBe(1);
    expect(delta('sync', 'waiting')).toBe(2);
    expect(delta('sync', 'waiting-children')).toBe(1);
    for (const queue of ['sync', 'maintenance']) {
      expect(depth(after, queue, 'active')).toBe(0);
      expect(depth(after, queue, 'failed')).toBe(0);
    }
  });

  it('counts runs by status from the control store', async () => {
    const admin = await api.adminToken();
    source = await createPostgresDatabase('dbferry_metrics');
    const client = new Client({ connectionString: source.url });
    await client.connect();
    await client.query('CREATE TABLE a (id int PRIMARY KEY)');
    await client.end();
    const pg = (await request(api.http).post('/api/connections').set('Authorization', `Bearer ${admin}`)
      .send({ name: 'pg', dialect: 'postgres', host: '127.0.0.1', port: Number(new URL(source.url).port) || 5432, database: source.name, username: 'postgres' }).expect(201)).body.id;
    const byStatus = async () => samples(await scrape(), 'dbferry_runs');
    expect(Object.fromEntries(await byStatus())).toEqual({
      'status="queued"': 0, 'status="running"': 0, 'status="succeeded"': 0, 'status="failed"': 0, 'status="cancelled"': 0,
    });

    const job = (await request(api.http).post('/api/jobs').set('Authorization', `Bearer ${operator}`).send({
      name: 'metrics job', sourceId: pg, targetId: pg, mode: 'full', writeMode: 'upsert', tables: [{ source: 'public.a', target: 'public.b' }],
    }).expect(201)).body.id;
    const trigger = async () => (await request(api.http).post(`/api/jobs/${job}/run`).set('Authorization', `Bearer ${operator}`).expect(202)).body.runId as string;
    const dataSource = api.app.get(DataSource);
    const settle = (id: string, status: string) => dataSource.query(`UPDATE run SET status = $2, finished_at = now() WHERE id = $1`, [id, status]);
    await settle(await trigger(), 'failed');
    await settle(await trigger(), 'succeeded');
    await settle(await trigger(), 'succeeded');
    await trigger();

    expect(Object.fromEntries(await byStatus())).toEqual({
      'status="queued"': 1, 'status="running"': 0, 'status="succeeded"': 2, 'status="failed"': 1, 'status="cancelled"': 0,
    });
  });

  it("serves the same queue depths on the worker's /metrics", async () => {
    worker = await spawnWorker({ LOG_LEVEL: 'warn' });
    await worker.ready();
    const port = worker.port;
    const workerText = await waitFor(async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return samples(text, 'dbferry_queue_jobs').size > 0 && text;
    }, 20_000, "the worker's queue gauge");
    for (const queue of ['sync', 'maintenance']) {
      for (const state of STATES) expect(depth(workerText, queue, state)).toEqual(expect.any(Number));
    }
    // The hour-delayed job (and the API's daily schedule) wait on either side of the scrape alike.
    expect(depth(workerText, 'maintenance', 'delayed')).toBe(depth(await scrape(), 'maintenance', 'delayed'));
    expect(depth(workerText, 'maintenance', 'delayed')).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
