import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { Redis } from 'ioredis';
import { JobProducer } from '@dbferry/queue';
import { jobScheduleId, QueueName } from '@dbferry/queue-contracts';
import { createPostgresDatabase, EphemeralDatabase, freePort, spawnWorker, waitFor, WorkerProcess } from '@dbferry/testing';
import { ADMIN_PASSWORD, ApiHarness, startApi } from './harness';

/** A redis-server of this test's own, on a fixed port and data directory, so it can be frozen, stopped and started again. */
class OwnRedis {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'dbferry-redis-'));
  constructor(readonly port: number) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    // AOF, so what Redis held before a stop is there again after the restart.
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    await waitFor(async () => {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, 10_000, `redis-server on ${this.port}`);
  }

  freeze() {
    this.child?.kill('SIGSTOP');
  }

  thaw() {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGCONT');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('Redis down: writes answer 503 at once, login works, and what was accepted is processed after (e2e)', () => {
  let redis: OwnRedis;
  let api: ApiHarness;
  let worker: WorkerProcess | undefined;
  let src: EphemeralDatabase;
  let dst: EphemeralDatabase;
  let admin: string;
  let srcId: string;
  let dstId: string;
  let idleJobId: string;
  let busyJobId: string;
  let beforeOutageRun: string;
  const deferredRuns: string[] = [];
  let comebacks = 0;
  const auth = () => ({ Authorization: `Bearer ${admin}` });
  const jobBody = (name: string, extra: object = {}) => ({ name, sourceId: srcId, targetId: dstId, mode: 'full', writeMode: 'upsert', tables: [{ source: 'public.items' }], ...extra });
  const timed = async <T>(call: () => Promise<T>) => {
    const started = Date.now();
    const result = await call();
    return { result, ms: Date.now() - started };
  };

  beforeAll(async () => {
    redis = new OwnRedis(await freePort());
    await redis.start();
    api = await startApi({ REDIS_URL: redis.url, LOGIN_USER_LIMIT: '10' });
    admin = await api.adminToken();
    src = await createPostgresDatabase('dbferry_rdown_src');
    dst = await createPostgresDatabase('dbferry_rdown_dst');
    const client = new Client({ connectionString: src.url });
    await client.connect();
    await client.query('CREATE TABLE items (id int PRIMARY KEY, v text)');
    await client.query(`INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 500) g`);
    await client.end();
    const pgPort = Number(new URL(src.url).port);
    const make = async (name: string, database: string) =>
      (await request(api.http).post('/api/connections').set(auth()).send({ name, dialect: 'postgres', host: '127.0.0.1', port: pgPort, database, username: 'postgres' }).expect(201)).body.id as string;
    srcId = await make('rdown-src', src.name);
    dstId = await make('rdown-dst', dst.name);
    idleJobId = (await request(api.http).post('/api/jobs').set(auth()).send(jobBody('idle-until-outage')).expect(201)).body.id;
    busyJobId = (await request(api.http).post('/api/jobs').set(auth()).send(jobBody('run-before-outage', { tables: [{ source: 'public.items', target: 'public.items_copy' }] })).expect(201)).body.id;
    // The worker shares the test's Redis (REDIS_URL from the environment startApi wrote).
    worker = await spawnWorker({ WORKER_CONCURRENCY: '2', RECONCILE_INTERVAL: '1000', LOG_LEVEL: 'warn' });
    await worker.ready();
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await src?.drop();
    await dst?.drop();
    await redis?.remove();
  }, 60_000);

  /** What every outage must look like from outside. `tag` keeps names apart between outages. */
  async function duringOutage(tag: string) {
    // A scheduled job needs Redis for its scheduler: 503 within 2 s, and nothing is stored.
    const scheduled = await timed(() => request(api.http).post('/api/jobs').set(auth()).send(jobBody(`scheduled-${tag}`, { schedule: '0 3 * * *' })));
    expect({ status: scheduled.result.status, fast: scheduled.ms < 2000 }).toEqual({ status: 503, fast: true });
    expect(scheduled.result.body.message).toMatch(/^the queue \(Redis\) is unavailable: .*nothing was saved/);
    const names = (await request(api.http).get('/api/jobs?limit=100').set(auth()).expect(200)).body.items.map((j: { name: string }) => j.name);
    expect(names).not.toContain(`scheduled-${tag}`);

    // A job without a schedule needs no Redis.
    await request(api.http).post('/api/jobs').set(auth()).send(jobBody(`plain-${tag}`)).expect(201);

    // A run is stored first (Postgres is the truth): 503 within 2 s naming the run, which stays queued.
    const run = await timed(() => request(api.http).post(`/api/jobs/${idleJobId}/run`).set(auth()));
    expect({ status: run.result.status, fast: run.ms < 2000 }).toEqual({ status: 503, fast: true });
    const runId = run.result.body.details?.[0]?.message as string;
    expect(run.result.body.message).toBe(
      `the queue (Redis) is unavailable: run ${runId} is stored as queued and starts once Redis is back (the worker's reconciler enqueues it); triggering the job again answers 409 until it ends`,
    );
    expect((await request(api.http).get(`/api/runs/${runId}`).set(auth()).expect(200)).body.status).toBe('queued');
    await request(api.http).post(`/api/jobs/${idleJobId}/run`).set(auth()).expect(409);
    deferredRuns.push(runId);

    // Login works on PostgreSQL alone (throttling counts in process), a token works. The bound
    // is looser than the writes': a login also pays for an argon2 verification (64 MiB, 3 passes).
    const login = await timed(() => request(api.http).post('/api/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD }));
    expect({ status: login.result.status, fast: login.ms < 4000 }).toEqual({ status: 200, fast: true });
    await request(api.http).get('/api/auth/me').set('Authorization', `Bearer ${login.result.body.accessToken}`).expect(200);

    // Per-username throttling still holds, counted in process: the 11th attempt is 429.
    for (let i = 0; i < 10; i++) await request(api.http).post('/api/auth/login').send({ username: `ghost-${tag}`, password: `guess-${i}` }).expect(401);
    const held = await request(api.http).post('/api/auth/login').send({ username: `ghost-${tag}`, password: 'guess' }).expect(429);
    expect(held.headers['retry-after']).toMatch(/^\d+$/);

    // The dashboard still answers from the store, its queue depths left out with the reason.
    const dashboard = await timed(() => request(api.http).get('/api/dashboard').set(auth()));
    expect({ status: dashboard.result.status, fast: dashboard.ms < 2500 }).toEqual({ status: 200, fast: true });
    expect(dashboard.result.body).toMatchObject({ queues: [], queuesError: expect.stringMatching(/^queue depths unavailable: /), counts: { runs: { queued: expect.any(Number) } } });

    const ready = await timed(() => request(api.http).get('/health/ready'));
    expect({ status: ready.result.status, fast: ready.ms < 2500 }).toEqual({ status: 503, fast: true });
    expect(ready.result.body).toMatchObject({ status: 'error', checks: { postgres: { status: 'up' }, redis: { status: 'down' } } });
  }

  /**
   * After Redis returns: the deferred run ends succeeded, planned once, and scheduling works
   * again. A stopped Redis never saw the run's plan, so the reconciler enqueued it; a frozen one
   * may have read the add from its socket after the API gave up on it (SIGCONT), and the
   * reconciler's add under the same job id is then a no-op: either way, one plan.
   */
  async function afterOutage(tag: string, lostByRedis: boolean) {
    const runId = deferredRuns[deferredRuns.length - 1];
    const run = await waitFor(async () => {
      const body = (await request(api.http).get(`/api/runs/${runId}`).set(auth())).body;
      return ['succeeded', 'failed', 'cancelled'].includes(body.status) && body;
    }, 90_000, `deferred run ${runId} to end (worker said: ${worker?.output().slice(-800)})`);
    expect(run.status).toBe('succeeded');
    const logs = (await request(api.http).get(`/api/runs/${runId}/logs?limit=200`).set(auth()).expect(200)).body.items.map((l: { message: string }) => l.message);
    expect(logs.filter((m: string) => m.startsWith('planned ')).length).toBe(1);
    if (lostByRedis) expect(logs).toEqual(expect.arrayContaining([expect.stringMatching(/^reconciler: the queue had lost this run's plan/)]));

    await waitFor(async () => (await request(api.http).get('/health/ready')).status === 200, 10_000, 'ready again');
    // Throttle counts go to Redis again (RedisFallback retries it 5 s after a failure).
    await waitFor(async () => {
      await request(api.http).post('/api/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD }).expect(200);
      return api.logs.lines.filter((l) => l.includes('login throttling counts in Redis again')).length >= comebacks + 1;
    }, 15_000, 'throttling back on Redis');
    comebacks++;
    const created = await request(api.http).post('/api/jobs').set(auth()).send(jobBody(`scheduled-${tag}`, { schedule: '0 3 * * *' })).expect(201);
    expect(await api.app.get(JobProducer).scheduleIds(QueueName.Sync)).toContain(jobScheduleId(created.body.id));
  }

  it('Redis frozen (SIGSTOP): 503 within 2 s, login and /health/ready answer; after SIGCONT the run accepted before and the deferred run both finish', async () => {
    beforeOutageRun = (await request(api.http).post(`/api/jobs/${busyJobId}/run`).set(auth()).expect(202)).body.runId;
    redis.freeze();
    try {
      await duringOutage('frozen');
    } finally {
      redis.thaw();
    }
    const before = await waitFor(async () => {
      const body = (await request(api.http).get(`/api/runs/${beforeOutageRun}`).set(auth())).body;
      return ['succeeded', 'failed', 'cancelled'].includes(body.status) && body;
    }, 90_000, `run ${beforeOutageRun} to end (worker said: ${worker?.output().slice(-800)})`);
    expect(before.status).toBe('succeeded');
    await afterOutage('frozen', false);
    // One line for the outage, none per request.
    expect(api.logs.lines.filter((l) => l.includes('login throttling counts in this process')).length).toBe(1);
  }, 240_000);

  it('Redis stopped and started again on the same port: the same answers, and everything accepted is processed', async () => {
    await redis.stop();
    await duringOutage('stopped');
    await redis.start();
    await afterOutage('stopped', true);
    const target = new Client({ connectionString: dst.url });
    await target.connect();
    try {
      expect((await target.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(500);
    } finally {
      await target.end();
    }
  }, 240_000);
});
