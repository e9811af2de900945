import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Client } from 'pg';
import { createPostgresDatabase, deleteRedisPrefix, type EphemeralDatabase, spawnWorker, waitFor, type WorkerProcess } from '@dbferry/testing';
import { FAST_STALLS } from './fault-rig';
import { type ApiHarness, saveConnection, startApi } from './harness';

const SECRET = 'catalogue-full-sync-secret-01';
const TOKEN = 'upstream-bearer-token-0001';

interface SnapshotEntity {
  entityType: string;
  entityId: string;
  version?: number;
  payload: Record<string, unknown>;
}

interface FullSyncBody {
  id: string;
  status: string;
  deleteMissing: boolean;
  pages: number;
  entities: number;
  applied: number;
  skipped: number;
  failed: number;
  deleted: number;
  error: string | null;
  logs: { level: string; message: string }[];
}

/**
 * Full syncs of an event source (issue 14 item 4) on the real API and a real worker, against an
 * upstream HTTP server started here: it serves the snapshot in two pages (a relative `next`
 * link), only with the source's bearer token, its second page failing once with a 503 (retried).
 * A missed event is healed by the snapshot; an event newer than the snapshot's row, delivered
 * while the snapshot is being served, survives; with deleteMissing a row the snapshot no longer
 * has is deleted, while one an event created during the sync is kept.
 */
describe('event source full sync (e2e)', () => {
  let api: ApiHarness;
  let target: EphemeralDatabase;
  let upstream: Server;
  let admin: string;
  let operator: string;
  let viewer: string;
  let sourceId: string;
  let worker: WorkerProcess;
  let snapshot: SnapshotEntity[] = [];
  /** Runs while the first page is being served: what arrives "during" the full sync. */
  let duringFirstPage: (() => Promise<void>) | null = null;
  const requests: { url: string; authorization: string | undefined; status: number }[] = [];
  let failPage2Once = true;
  /** While set, a request for page 2 is held until it resolves (the SIGKILL test kills the worker then). */
  let holdPage2: Promise<void> | null = null;
  let page2Held: (() => void) | null = null;
  let upstreamUrl = '';
  /** Fast stall checks (a dead worker's job is taken again in seconds) and a reconciler pass a second. */
  const WORKER_ENV = { LOG_LEVEL: 'warn', EVENT_RETRY_BASE_MS: '200', RECONCILE_INTERVAL: '1000', ...FAST_STALLS };

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const deliver = (events: unknown) => {
    const body = JSON.stringify(events);
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`;
    return request(api.http).post('/api/events/catalogue').set({ 'X-Dbferry-Timestamp': ts, 'X-Dbferry-Signature': signature, 'Content-Type': 'application/json' }).send(body);
  };
  const model = (entityId: string, eventType: string, version: number, name?: string) => ({
    eventType,
    entityType: 'model',
    entityId,
    version,
    timestamp: new Date().toISOString(),
    ...(name !== undefined && { payload: { name } }),
  });
  const query = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const c = new Client({ connectionString: target.url });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  };
  const rows = async () => Object.fromEntries((await query<{ id: string; name: string; version: string }>('SELECT id, name, version FROM models ORDER BY id')).map((r) => [r.id, `${r.name}@${r.version}`]));
  const inboxSettled = async () =>
    waitFor(async () => {
      const page = (await request(api.http).get('/api/events').query({ source: 'catalogue', status: 'received' }).set(auth(viewer)).expect(200)).body as { total: number };
      return page.total === 0;
    }, 60_000, 'the inbox drained');
  const startFullSync = async (deleteMissing: boolean): Promise<string> => {
    const started = await request(api.http).post(`/api/event-sources/${sourceId}/full-sync`).set(auth(operator)).send({ deleteMissing });
    expect(started.status).toBe(202);
    return started.body.runId as string;
  };
  const fullSync = async (deleteMissing: boolean, id?: string): Promise<FullSyncBody> => {
    const runId = id ?? (await startFullSync(deleteMissing));
    try {
      return await waitFor(async () => {
        const run = (await request(api.http).get(`/api/event-full-syncs/${runId}`).set(auth(viewer)).expect(200)).body as FullSyncBody;
        return run.status === 'succeeded' || run.status === 'failed' ? run : false;
      }, 90_000, `full sync ${runId} settled`);
    } catch (error) {
      throw new Error(`${(error as Error).message}: ${JSON.stringify((await request(api.http).get(`/api/event-full-syncs/${runId}`).set(auth(viewer))).body)}\n${worker.output().slice(-2000)}`);
    }
  };

  const page = (req: IncomingMessage): { status: number; body?: unknown } => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return { status: 401 };
    if (url.pathname !== '/snapshot') return { status: 404 };
    const half = Math.ceil(snapshot.length / 2);
    if (url.searchParams.get('page') === '2') {
      if (failPage2Once) {
        failPage2Once = false;
        return { status: 503 };
      }
      return { status: 200, body: { items: snapshot.slice(half), next: null } };
    }
    return { status: 200, body: { items: snapshot.slice(0, half), next: '?page=2' } };
  };

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      void (async () => {
        const isFirst = !new URL(req.url ?? '/', 'http://upstream').searchParams.has('page');
        if (!isFirst && holdPage2) {
          page2Held?.();
          await holdPage2;
        }
        if (isFirst && duringFirstPage) {
          const during = duringFirstPage;
          duringFirstPage = null;
          await during();
        }
        const answer = page(req);
        requests.push({ url: req.url ?? '', authorization: req.headers.authorization, status: answer.status });
        res.writeHead(answer.status, { 'Content-Type': 'application/json' });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      })();
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    upstreamUrl = `http://127.0.0.1:${port}/snapshot`;

    api = await startApi();
    target = await createPostgresDatabase('dbferry_full_sync');
    await query(`CREATE TABLE models (id varchar(100) PRIMARY KEY, name text NOT NULL, version bigint)`);
    admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    viewer = await api.tokenFor('viewer');
    const connectionId = await saveConnection(api, admin, 'full-sync-target', 'postgres', target);
    const created = await request(api.http)
      .post('/api/event-sources')
      .set(auth(admin))
      .send({
        name: 'catalogue',
        secret: SECRET,
        mappings: [{ entityType: 'model', connectionId, table: 'public.models', keyColumn: 'id', versionColumn: 'version', fields: { name: 'payload.name' } }],
        fullSync: { url: `http://127.0.0.1:${port}/snapshot`, headers: { Authorization: `Bearer ${TOKEN}` } },
      });
    if (created.status !== 201) throw new Error(`${created.status} ${JSON.stringify(created.body)}`);
    sourceId = created.body.id;
    worker = await spawnWorker(WORKER_ENV);
    await worker.ready(60_000);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop('SIGTERM', 10_000);
    await api?.close();
    await target?.drop();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('answers 404 for an unknown source and 400 naming deleteMissing; the bearer token is never shown', async () => {
    await request(api.http).post('/api/event-sources/7c9e6679-7425-40de-944b-e07fc1f90ae7/full-sync').set(auth(operator)).send({}).expect(404);
    const bad = await request(api.http).post(`/api/event-sources/${sourceId}/full-sync`).set(auth(operator)).send({ deleteMissing: 'yes' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toContain('deleteMissing');
    await request(api.http).post(`/api/event-sources/${sourceId}/full-sync`).set(auth(viewer)).send({}).expect(403);
    const got = await request(api.http).get(`/api/event-sources/${sourceId}`).set(auth(viewer)).expect(200);
    expect(JSON.stringify(got.body)).not.toContain(TOKEN);
    expect(got.body.fullSync).toMatchObject({ hasHeaders: true, deleteMissing: false });
    // The source's own deleteMissing (what its scheduled runs use): a boolean, named when it is not.
    const badSetting = await request(api.http).patch(`/api/event-sources/${sourceId}`).set(auth(admin)).send({ fullSync: { url: upstreamUrl, deleteMissing: 'yes' } });
    expect(badSetting.status).toBe(400);
    expect(JSON.stringify(badSetting.body.message)).toContain('fullSync.deleteMissing');
    await request(api.http).patch(`/api/event-sources/${sourceId}`).set(auth(admin)).send({ fullSync: { url: upstreamUrl, deleteMissing: true } }).expect(200);
    expect((await request(api.http).get(`/api/event-sources/${sourceId}`).set(auth(viewer)).expect(200)).body.fullSync).toMatchObject({ deleteMissing: true, hasHeaders: true });
    await request(api.http).patch(`/api/event-sources/${sourceId}`).set(auth(admin)).send({ fullSync: { url: upstreamUrl, deleteMissing: false } }).expect(200);
  });

  it('heals a missed event, keeps an event newer than the snapshot that arrived during it, and retries a failed page', async () => {
    // m1 v1, m2 v1, m3 v1 delivered; m1's v2 is "missed" (never delivered).
    await deliver([model('m1', 'CREATED', 1, 'one'), model('m2', 'CREATED', 1, 'two'), model('m3', 'CREATED', 1, 'three')]).expect(202);
    await inboxSettled();
    expect(await rows()).toEqual({ m1: 'one@1', m2: 'two@1', m3: 'three@1' });

    snapshot = [
      { entityType: 'model', entityId: 'm1', version: 2, payload: { name: 'one healed' } },
      { entityType: 'model', entityId: 'm2', version: 1, payload: { name: 'two' } },
      { entityType: 'model', entityId: 'm3', version: 4, payload: { name: 'three from the snapshot' } },
    ];
    // While the snapshot is being served, m3's v5 arrives and is applied before the snapshot rows are.
    duringFirstPage = async () => {
      await deliver([model('m3', 'UPDATED', 5, 'three live')]).expect(202);
      await waitFor(async () => (await rows()).m3 === 'three live@5', 30_000, 'm3 v5 applied');
      // While it runs, a second full sync of the source is refused.
      await request(api.http).post(`/api/event-sources/${sourceId}/full-sync`).set(auth(operator)).send({}).expect(409);
    };
    const run = await fullSync(false);
    expect(run).toMatchObject({ status: 'succeeded', deleteMissing: false, pages: 2, entities: 3, applied: 2, skipped: 1, failed: 0, deleted: 0, error: null });
    expect(await rows()).toEqual({ m1: 'one healed@2', m2: 'two@1', m3: 'three live@5' });
    // The 503 of page 2 was retried; every request carried the sealed bearer token.
    expect(requests.map((r) => r.status)).toEqual([200, 503, 200]);
    expect(requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(run.logs.some((l) => l.level === 'warn' && l.message.includes('503'))).toBe(true);
    expect(JSON.stringify(run.logs)).not.toContain(TOKEN);
    expect(api.logs.text).not.toContain(TOKEN);
    expect(worker.output()).not.toContain(TOKEN);
    // The skipped snapshot row is visible in the inbox with its reason.
    const skipped = (await request(api.http).get('/api/events').query({ source: 'catalogue', status: 'skipped', entityId: 'm3' }).set(auth(viewer)).expect(200)).body as { items: { reason: string; version: string }[] };
    expect(skipped.items).toHaveLength(1);
    expect(skipped.items[0]).toMatchObject({ version: '4' });
    expect(skipped.items[0].reason).toContain('older');
    const list = await request(api.http).get(`/api/event-sources/${sourceId}/full-syncs`).set(auth(viewer)).expect(200);
    expect(list.body.items[0]).toMatchObject({ id: run.id, status: 'succeeded', trigger: 'manual' });
  });

  it('with deleteMissing deletes a row the snapshot no longer has, but not one an event created during the sync', async () => {
    // m2 is gone upstream (the snapshot no longer has it); m9 exists only in the target.
    await query(`INSERT INTO models (id, name, version) VALUES ('m9', 'stray', 1)`);
    snapshot = [
      { entityType: 'model', entityId: 'm1', version: 2, payload: { name: 'one healed' } },
      { entityType: 'model', entityId: 'm3', version: 5, payload: { name: 'three live' } },
    ];
    failPage2Once = false;
    requests.length = 0;
    duringFirstPage = async () => {
      await deliver([model('m7', 'CREATED', 1, 'seven, created during the sync')]).expect(202);
      await waitFor(async () => Boolean((await rows()).m7), 30_000, 'm7 applied');
    };
    const run = await fullSync(true);
    expect(run).toMatchObject({ status: 'succeeded', deleteMissing: true, pages: 2, entities: 2, failed: 0, deleted: 2, error: null });
    expect(await rows()).toEqual({ m1: 'one healed@2', m3: 'three live@5', m7: 'seven, created during the sync@1' });
    // m2's deletion is a tombstone: a late update at its old version does not bring it back.
    await deliver([model('m2', 'UPDATED', 1, 'two again')]).expect(202);
    await inboxSettled();
    expect((await rows()).m2).toBeUndefined();
    // A genuinely newer version of it does (the entity came back upstream).
    await deliver([model('m2', 'UPDATED', 2, 'two reborn')]).expect(202);
    await inboxSettled();
    expect((await rows()).m2).toBe('two reborn@2');
  });

  it('fails a snapshot with an invalid entity, naming it, and then deletes nothing', async () => {
    snapshot = [
      { entityType: 'model', entityId: 'm1', version: 3, payload: { name: 'one v3' } },
      { entityType: 'galaxy', entityId: 'g1', payload: { name: 'not mapped' } },
    ];
    duringFirstPage = null;
    const before = await rows();
    const run = await fullSync(true);
    expect(run).toMatchObject({ status: 'failed', entities: 1, applied: 1, deleted: 0 });
    expect(run.error).toContain('1 invalid snapshot entities');
    expect(run.logs.some((l) => l.level === 'warn' && l.message.includes('page 2: [0].entityType'))).toBe(true);
    expect(run.logs.some((l) => l.message.includes('are not deleted'))).toBe(true);
    // m1 moved to v3; every other row (absent from this snapshot) is still there.
    expect(await rows()).toEqual({ ...before, m1: 'one v3@3' });
  });

  it('finishes a queued full sync whose Redis keys were deleted: the reconciler enqueues its job again', async () => {
    snapshot = Object.entries(await rows()).map(([id, v]) => {
      const [name, version] = [v.slice(0, v.lastIndexOf('@')), Number(v.slice(v.lastIndexOf('@') + 1))];
      return { entityType: 'model', entityId: id, version, payload: { name } };
    });
    snapshot.push({ entityType: 'model', entityId: 'm5', version: 1, payload: { name: 'five, after the flush' } });
    const before = await rows();
    // Frozen, the worker cannot take the job; then the test's private prefix stands for FLUSHALL.
    worker.child.kill('SIGSTOP');
    let runId: string;
    try {
      runId = await startFullSync(false);
      expect((await request(api.http).get(`/api/event-full-syncs/${runId}`).set(auth(viewer)).expect(200)).body.status).toBe('queued');
      await deleteRedisPrefix(api.env.QUEUE_PREFIX);
    } finally {
      worker.child.kill('SIGCONT');
    }
    const run = await fullSync(false, runId);
    expect(run).toMatchObject({ status: 'succeeded', pages: 2, entities: snapshot.length, failed: 0, error: null });
    expect(run.logs.some((l) => l.level === 'warn' && l.message.includes("the queue had lost this full sync's job"))).toBe(true);
    expect(await rows()).toEqual({ ...before, m5: 'five, after the flush@1' });
    // The run is over: a new one is accepted (no 409).
    const next = await startFullSync(false);
    await fullSync(false, next);
  }, 120_000);

  it('a worker SIGKILLed mid full sync: another takes the run again and deleteMissing deletes only what the finished snapshot lacks', async () => {
    const before = await rows();
    expect(before.m2).toBeDefined();
    // m2 is gone upstream; m1 moves to v4; m6 is new. Page 1 holds the first half (m1 and m3 first), page 2 the rest.
    snapshot = [
      { entityType: 'model', entityId: 'm1', version: 4, payload: { name: 'one v4' } },
      { entityType: 'model', entityId: 'm3', version: 5, payload: { name: 'three live' } },
      ...Object.entries(before)
        .filter(([id]) => !['m1', 'm2', 'm3'].includes(id))
        .map(([id, v]) => ({ entityType: 'model', entityId: id, version: Number(v.slice(v.lastIndexOf('@') + 1)), payload: { name: v.slice(0, v.lastIndexOf('@')) } })),
      { entityType: 'model', entityId: 'm6', version: 1, payload: { name: 'six' } },
    ];
    failPage2Once = false;
    let release!: () => void;
    holdPage2 = new Promise<void>((resolve) => (release = resolve));
    const held = new Promise<void>((resolve) => (page2Held = resolve));
    const runId = await startFullSync(true);
    await held;
    // Page 1 is stored, page 2 in flight: the worker dies without a word.
    const stored = (await request(api.http).get(`/api/event-full-syncs/${runId}`).set(auth(viewer)).expect(200)).body as FullSyncBody;
    expect(stored).toMatchObject({ status: 'running', pages: 1, entities: Math.ceil(snapshot.length / 2) });
    worker.child.kill('SIGKILL');
    await worker.exited;
    holdPage2 = null;
    page2Held = null;
    release();
    worker = await spawnWorker(WORKER_ENV);
    await worker.ready(60_000);
    const run = await fullSync(true, runId);
    expect(run).toMatchObject({ status: 'succeeded', deleteMissing: true, pages: 2, entities: snapshot.length, failed: 0, deleted: 1, error: null });
    const expected: Record<string, string> = { ...before, m1: 'one v4@4', m6: 'six@1' };
    delete expected.m2;
    expect(await rows()).toEqual(expected);
    // Each snapshot entity is one inbox event of the run, however many times its page was pulled.
    const m1 = (await request(api.http).get('/api/events').query({ source: 'catalogue', entityId: 'm1' }).set(auth(viewer)).expect(200)).body as { items: { eventId: string }[] };
    expect(m1.items.filter((e) => e.eventId.startsWith(`full-sync:${runId}:`))).toHaveLength(1);
  }, 180_000);
});
