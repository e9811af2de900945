import { createHmac } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { applyTestEnv, createPostgresDatabase, deleteRedisPrefix, type EphemeralDatabase, LogCapture, randomQueuePrefix, startTcpProxy, type TcpProxy, TEST_ADMIN_PASSWORD } from '@dbferry/testing';
import { createApiApp } from '../src/app.factory';
import { ADMIN_PASSWORD } from './harness';

const SECRET = 'store-down-signing-secret-01';

/**
 * The control store (PostgreSQL) out of reach while a signed delivery arrives (issue 14): the
 * ingress answers 503 (nothing stored, send again) rather than a 500 or a hang, and the same
 * delivery sent again once the store is back is accepted once.
 */
describe('upstream events while the control store is down (e2e)', () => {
  let store: EphemeralDatabase;
  let target: EphemeralDatabase;
  let proxy: TcpProxy;
  let app: NestExpressApplication;
  let prefix: string;

  const deliver = (body: string) => {
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`;
    return request(app.getHttpServer()).post('/api/events/store-down').set({ 'X-Dbferry-Timestamp': ts, 'X-Dbferry-Signature': signature, 'Content-Type': 'application/json' }).send(body);
  };

  beforeAll(async () => {
    store = await createPostgresDatabase('dbferry_events_store');
    target = await createPostgresDatabase('dbferry_events_store_target');
    const url = new URL(store.url);
    proxy = await startTcpProxy(Number(url.port || 5432), url.hostname);
    url.port = String(proxy.port);
    prefix = randomQueuePrefix();
    applyTestEnv({ databaseUrl: url.toString(), queuePrefix: prefix });
    app = await createApiApp({ logStream: new LogCapture() });
    const http = app.getHttpServer();
    const first = (await request(http).post('/api/auth/login').send({ username: 'admin', password: TEST_ADMIN_PASSWORD }).expect(200)).body.accessToken as string;
    await request(http).post('/api/auth/password').set('Authorization', `Bearer ${first}`).send({ currentPassword: TEST_ADMIN_PASSWORD, newPassword: ADMIN_PASSWORD }).expect(200);
    const admin = (await request(http).post('/api/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD }).expect(200)).body.accessToken as string;
    const t = new URL(target.url);
    const connection = await request(http)
      .post('/api/connections')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'store-down-target', dialect: 'postgres', host: t.hostname, port: Number(t.port), database: target.name, username: decodeURIComponent(t.username) })
      .expect(201);
    const { Client } = await import('pg');
    const c = new Client({ connectionString: target.url });
    await c.connect();
    await c.query('CREATE TABLE limits (id integer PRIMARY KEY, per_minute integer)');
    await c.end();
    await request(http)
      .post('/api/event-sources')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'store-down', secret: SECRET, mappings: [{ entityType: 'limit', connectionId: connection.body.id, table: 'limits', keyColumn: 'id' }] })
      .expect(201);
  }, 120_000);

  afterAll(async () => {
    proxy?.accept();
    await app?.close();
    await proxy?.close();
    await store?.drop();
    await target?.drop();
    if (prefix) await deleteRedisPrefix(prefix);
  });

  it('answers 503 while PostgreSQL is away, and accepts the delivery once it is back', async () => {
    const body = JSON.stringify({ eventId: 'lim-1', eventType: 'CREATED', entityType: 'limit', entityId: 1, timestamp: '2026-02-01T00:00:00Z', payload: { per_minute: 60 } });
    proxy.refuse();
    const started = Date.now();
    const down = await deliver(body);
    expect(down.status).toBe(503);
    expect(down.body.message).toMatch(/PostgreSQL/);
    expect(Date.now() - started).toBeLessThan(30_000);
    proxy.accept();
    let back = await deliver(body);
    // The pool may hand out one connection the proxy reset: the client retries, as told.
    for (let i = 0; i < 5 && back.status === 503; i++) back = await deliver(body);
    expect([back.status, back.body]).toEqual([202, { accepted: 1, duplicates: 0 }]);
    expect((await deliver(body)).body).toEqual({ accepted: 0, duplicates: 1 });
  }, 60_000);
});
