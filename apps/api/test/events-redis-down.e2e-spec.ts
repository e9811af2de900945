import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { createPostgresDatabase, type EphemeralDatabase, freePort, spawnWorker, waitFor, type WorkerProcess } from '@dbferry/testing';
import { type ApiHarness, saveConnection, startApi } from './harness';

const SECRET = 'redis-down-signing-secret-01';

/** A redis-server of this test's own, stopped and started again on the same port. */
class OwnRedis {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'dbferry-events-redis-'));
  constructor(readonly port: number) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
    await waitFor(async () => {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    }, 10_000, `redis-server on ${this.port}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Upstream events with Redis stopped (issue 14): the ingress never touches Redis, so signed
 * deliveries keep answering 202 (stored in PostgreSQL), and the inbox is drained from
 * PostgreSQL: every event is applied once, each entity in version order, whether Redis is back
 * or not.
 */
describe('upstream events while Redis is down (e2e)', () => {
  let redis: OwnRedis;
  let api: ApiHarness;
  let target: EphemeralDatabase;
  let worker: WorkerProcess | undefined;
  let viewer: string;

  const deliver = (events: unknown) => {
    const body = JSON.stringify(events);
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`;
    return request(api.http).post('/api/events/outage').set({ 'X-Dbferry-Timestamp': ts, 'X-Dbferry-Signature': signature, 'Content-Type': 'application/json' }).send(body);
  };
  const query = async <T>(sql: string): Promise<T[]> => {
    const c = new Client({ connectionString: target.url });
    await c.connect();
    try {
      return (await c.query(sql)).rows as T[];
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    redis = new OwnRedis(await freePort());
    await redis.start();
    api = await startApi({ REDIS_URL: redis.url });
    target = await createPostgresDatabase('dbferry_events_redis');
    await query(`CREATE TABLE deployments (id integer PRIMARY KEY, region text, version bigint NOT NULL)`);
    const admin = await api.adminToken();
    viewer = await api.tokenFor('viewer');
    const connectionId = await saveConnection(api, admin, 'outage-target', 'postgres', target);
    await request(api.http)
      .post('/api/event-sources')
      .set({ Authorization: `Bearer ${admin}` })
      .send({ name: 'outage', secret: SECRET, mappings: [{ entityType: 'deployment', connectionId, table: 'deployments', keyColumn: 'id', versionColumn: 'version' }] })
      .expect(201);
    worker = await spawnWorker({ LOG_LEVEL: 'warn' });
    await worker.ready(60_000);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop('SIGTERM', 10_000);
    await api?.close().catch(() => undefined);
    await target?.drop();
    await redis?.remove();
  });

  it('answers 202 while Redis is stopped and applies every event once, in order, after it is back', async () => {
    await redis.stop();
    const timestamp = '2026-02-01T00:00:00Z';
    const answers = [];
    // 50 deployments, versions 1..4 each, sent newest first in 4 deliveries.
    for (let v = 4; v >= 1; v--) {
      answers.push(await deliver(Array.from({ length: 50 }, (_, i) => ({ eventType: v === 1 ? 'CREATED' : 'UPDATED', entityType: 'deployment', entityId: i, version: v, timestamp, payload: { region: `r${v}` } }))));
    }
    expect(answers.map((a) => [a.status, a.body.accepted])).toEqual(Array(4).fill([202, 50]));
    // A redelivery during the outage is still a duplicate.
    const again = await deliver([{ eventType: 'UPDATED', entityType: 'deployment', entityId: 0, version: 4, timestamp, payload: { region: 'r4' } }]);
    expect([again.status, again.body]).toEqual([202, { accepted: 0, duplicates: 1 }]);
    await redis.start();
    const inbox = async (status: string) => (await request(api.http).get('/api/events').query({ source: 'outage', status, limit: 1 }).set({ Authorization: `Bearer ${viewer}` }).expect(200)).body.total as number;
    await waitFor(async () => (await inbox('received')) === 0, 60_000, 'inbox drained');
    expect(await query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE version = 4 AND region = 'r4')::int AS newest FROM deployments`)).toEqual([{ n: 50, newest: 50 }]);
    // The newest arrived first: it was applied, every older version recorded as skipped; none failed or twice.
    expect({ applied: await inbox('applied'), skipped: await inbox('skipped'), failed: await inbox('failed') }).toEqual({ applied: 50, skipped: 150, failed: 0 });
  }, 120_000);
});
