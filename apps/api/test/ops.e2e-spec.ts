import type { Redis } from 'ioredis';
import request from 'supertest';
import { JobProducer, QUEUE_REDIS } from '@dbferry/queue';
import { QueueName, SYSTEM_SCHEDULES } from '@dbferry/queue-contracts';
import { logStartup } from '../src/app.factory';
import { ApiHarness, startApi } from './harness';

describe('operations (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('answers liveness without a token', async () => {
    expect((await request(api.http).get('/health').expect(200)).body).toEqual({ status: 'ok' });
  });

  it('reports both stores ready, and each on its own', async () => {
    const ready = await request(api.http).get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok', checks: { postgres: { status: 'up' }, redis: { status: 'up' } } });
    await request(api.http).get('/health/postgres').expect(200);
    expect((await request(api.http).get('/health/redis').expect(200)).body.checks).toEqual({ redis: expect.objectContaining({ status: 'up' }) });
  });

  it('tags every response with a request id, and echoes a sane one given by the caller', async () => {
    const own = await request(api.http).get('/health');
    expect(own.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await request(api.http).get('/api/auth/me').set('x-request-id', 'trace-abc.123');
    expect(given.headers['x-request-id']).toBe('trace-abc.123');
    const line = api.logs.lines.map((l) => JSON.parse(l)).find((l) => l.req?.id === 'trace-abc.123');
    expect(line).toMatchObject({ service: 'api', res: { statusCode: 401 } });
    expect(JSON.stringify(line)).not.toMatch(/authorization/i);
  });

  it('gives every request line the method and route in its message and fields, without the query string', async () => {
    const token = await api.adminToken();
    const id = '00000000-0000-4000-8000-000000000000';
    const asked = [
      { rid: 'route-1', path: `/api/connections/${id}?password=hunter2&x=1`, status: 404, route: '/api/connections/:id', url: `/api/connections/${id}` },
      { rid: 'route-2', path: '/api/connections?limit=5&offset=0', status: 200, route: '/api/connections', url: '/api/connections' },
      { rid: 'route-3', path: '/no/such/path?key=s3cr3t', status: 404, route: '/no/such/path', url: '/no/such/path' },
      { rid: 'route-4', path: '/queues/api/queues?token=s3cr3t', status: 200, route: '/queues/api/queues', url: '/queues/api/queues' },
      { rid: 'route-5', path: '/queues/login?next=s3cr3t', status: 200, route: '/queues/login', url: '/queues/login' },
      { rid: 'route-6', path: '/docs?key=s3cr3t', status: 200, route: '/docs', url: '/docs' },
      { rid: 'route-7', path: '/queues?token=s3cr3t', status: 200, route: '/queues', url: '/queues' },
    ];
    for (const a of asked) {
      await request(api.http).get(a.path).set('Authorization', `Bearer ${token}`).set('x-request-id', a.rid).expect(a.status);
    }
    for (const a of asked) {
      const lines = api.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.req?.id === a.rid && l.res);
      expect([a.rid, lines.length]).toEqual([a.rid, 1]);
      const line = lines[0];
      expect(line).toMatchObject({ service: 'api', route: a.route, req: { method: 'GET', path: a.url }, res: { statusCode: a.status } });
      expect(line.msg).toMatch(/^GET \S+ \d{3} \d+ms$/);
      expect(line.msg.startsWith(`GET ${a.route} ${a.status} `)).toBe(true);
    }
    expect(api.logs.text).not.toMatch(/hunter2|s3cr3t/);
  });

  it('logs a 502 request line with its time and without a made-up error stack', async () => {
    const token = await api.adminToken();
    const made = await request(api.http).post('/api/connections').set('Authorization', `Bearer ${token}`)
      .send({ name: 'no such database', dialect: 'postgres', host: '127.0.0.1', database: 'dbferry_q_absent_db', username: 'postgres' }).expect(201);
    await request(api.http).get(`/api/connections/${made.body.id}/tables`).set('Authorization', `Bearer ${token}`).set('x-request-id', 'gateway-1').expect(502);
    const lines = api.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.req?.id === 'gateway-1' && l.res);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ route: '/api/connections/:id/tables', res: { statusCode: 502 } });
    expect(lines[0].msg).toMatch(/^GET \/api\/connections\/:id\/tables 502 \d+ms$/);
    expect(lines[0].err).toBeUndefined();
    expect(JSON.stringify(lines[0])).not.toContain('failed with status code');
  });

  it('redacts the Authorization header from request logs', async () => {
    const token = await api.adminToken();
    await request(api.http).get('/api/connections').set('Authorization', `Bearer ${token}`).set('x-request-id', 'with-token').expect(200);
    expect(api.logs.text).not.toContain(token);
  });

  it('serves Swagger UI and a document covering every route with DTO examples', async () => {
    await request(api.http).get('/docs').redirects(1).expect(200).expect('Content-Type', /html/);
    const doc = (await request(api.http).get('/docs-json').expect(200)).body;
    for (const path of ['/api/auth/login', '/api/auth/me', '/api/auth/password', '/api/users', '/api/users/{id}', '/api/connections', '/api/connections/{id}', '/api/connections/{id}/test', '/api/connections/{id}/tables', '/api/connections/status', '/health/ready']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const create = doc.components.schemas.CreateConnectionDto;
    expect(create.required).toEqual(expect.arrayContaining(['name', 'dialect']));
    expect(create.properties.dialect.enum).toEqual(['postgres', 'mysql', 'mssql', 'oracle', 'sqlite']);
    expect(create.properties.host.example).toBeDefined();
    expect(create.properties.password.writeOnly).toBe(true);
    expect(doc.components.schemas.ConnectionView.properties).not.toHaveProperty('password');
  });

  it('exposes Prometheus metrics with queue depths', async () => {
    const res = await request(api.http).get('/metrics').expect(200);
    expect(res.text).toContain('dbferry_api_process_cpu_seconds_total');
    expect(res.text).toMatch(/dbferry_queue_jobs\{queue="maintenance",state="waiting"\} \d+/);
  });

  it('keeps Bull Board for admins only', async () => {
    await request(api.http).get('/queues').expect(401);
    const viewer = await api.tokenFor('viewer');
    await request(api.http).get('/queues').set('Authorization', `Bearer ${viewer}`).expect(403);
    const login = await request(api.http).post('/api/auth/login').send({ username: 'admin', password: 'root-passphrase-after-change' }).expect(200);
    const cookie = login.headers['set-cookie'][0].split(';')[0];
    const board = await request(api.http).get('/queues').set('Cookie', cookie).expect(200);
    expect(board.text).toContain('dbferry queues');
    const queues = await request(api.http).get('/queues/api/queues').set('Cookie', cookie).expect(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name)).toContain('maintenance');
  });

  it('registers the system schedules once, whatever the number of starts', async () => {
    const producer = api.app.get(JobProducer);
    for (const s of SYSTEM_SCHEDULES) await producer.upsertSchedule(s.id, s.pattern, s.job);
    const schedulers = await producer.queue(QueueName.Maintenance).getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toEqual(SYSTEM_SCHEDULES.map((s) => s.id));
  });

  it('prints its route table and the state of the stores at start', async () => {
    const before = api.logs.lines.length;
    await logStartup(api.app, 3000);
    // The JSON log lines carry the table in msg, its newlines escaped: read them back.
    const printed = api.logs.lines
      .slice(before)
      .map((l) => (JSON.parse(l) as { msg?: string }).msg ?? '')
      .join('\n');
    expect(printed).toMatch(/^ {2}POST\s+\/api\/connections$/m);
    expect(printed).toMatch(/^ {2}GET\s+\/api\/runs\/:id\/stream$/m);
    expect(printed).toMatch(/^ {2}GET\s+\/health\/ready$/m);
    // Hidden from Swagger or not, every route is listed, and so are the ones mounted outside Nest.
    expect(printed).toMatch(/^ {2}GET\s+\/metrics$/m);
    expect(printed).toMatch(/^ {2}GET\s+\/queues \(Bull Board, admin\)$/m);
    expect(printed).toMatch(/^ {2}GET\s+\/docs \(Swagger UI\)$/m);
    expect(printed).toContain('postgres up, redis up');
  });

  it('answers 503 from readiness when Redis is gone', async () => {
    const redis = api.app.get<Redis>(QUEUE_REDIS);
    redis.disconnect();
    const res = await request(api.http).get('/health/ready').expect(503);
    expect(res.body).toMatchObject({ status: 'error', checks: { postgres: { status: 'up' }, redis: { status: 'down' } } });
    await request(api.http).get('/health/redis').expect(503);
    await redis.connect();
  });
});
