import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from 'sqlite3';
import { Client } from 'pg';
import request from 'supertest';
import { createMysqlDatabase, createPostgresDatabase } from '@dbferry/testing';
import { ApiHarness, saveConnection, startApi } from './harness';

const sqliteExec = (file: string, sql: string) =>
  new Promise<void>((resolve, reject) => {
    const db = new Database(file, (err) => (err ? reject(err) : db.exec(sql, (e) => db.close(() => (e ? reject(e) : resolve())))));
  });

describe('jobs (e2e)', () => {
  let api: ApiHarness;
  let admin: string;
  let operator: string;
  let sqliteId: string;
  let pgId: string;
  let readOnlyId: string;
  const auth = (token = admin) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    api = await startApi();
    admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    await new Promise<void>((resolve, reject) => {
      const db = new Database(join(api.env.SQLITE_ROOT, 'shop.db'), (err) =>
        err ? reject(err) : db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT, amount DECIMAL(12,2), "order" TEXT)', (e) => (e ? reject(e) : db.close(() => resolve()))),
      );
    });
    const make = async (body: object) => (await request(api.http).post('/api/connections').set(auth()).send(body).expect(201)).body.id as string;
    sqliteId = await make({ name: 'shop', dialect: 'sqlite', database: 'shop.db' });
    pgId = await make({ name: 'warehouse', dialect: 'postgres', host: '127.0.0.1', database: 'postgres', username: 'postgres' });
    readOnlyId = await make({ name: 'replica', dialect: 'postgres', host: '127.0.0.1', database: 'postgres', username: 'postgres', readOnly: true });
  });
  afterAll(() => api.close());

  const job = (overrides: object = {}) => ({
    name: `job-${Math.random().toString(36).slice(2)}`,
    sourceId: sqliteId,
    targetId: pgId,
    tables: [{ source: 'main.orders', target: 'public.orders' }],
    mode: 'full',
    writeMode: 'upsert',
    ...overrides,
  });
  const create = (body: object, token = operator) => request(api.http).post('/api/jobs').set(auth(token)).send(body);

  it('lets an operator create a job with defaults filled in, and a viewer only read it', async () => {
    const res = await create(job({ name: 'nightly orders', schedule: '0 2 * * *', scheduleTz: 'Europe/Paris' })).expect(201);
    expect(res.body).toMatchObject({
      name: 'nightly orders', createTables: true, evolveSchema: true, deleteMissing: false, enabled: true,
      batchSize: 5000, chunkRows: 200000, maxRejects: 0, schedule: '0 2 * * *', scheduleTz: 'Europe/Paris',
    });
    const viewer = await api.tokenFor('viewer');
    await request(api.http).get(`/api/jobs/${res.body.id}`).set(auth(viewer)).expect(200);
    await create(job(), viewer).expect(403);
    await request(api.http).get(`/api/jobs/${res.body.id}/runs`).set(auth(viewer)).expect(200, { items: [], total: 0 });
  });

  it("lists a job's runs newest first, each shaped as GET /api/runs/:id without its tables", async () => {
    const created = await create(job({ name: 'listed runs' })).expect(201);
    const { runId } = (await request(api.http).post(`/api/jobs/${created.body.id}/run`).set(auth(operator)).expect(202)).body;
    const listed = await request(api.http).get(`/api/jobs/${created.body.id}/runs`).set(auth(operator)).expect(200);
    expect(listed.body.total).toBe(1);
    const one = await request(api.http).get(`/api/runs/${runId}`).set(auth(operator)).expect(200);
    const { tables: _tables, ...summary } = one.body;
    expect(listed.body.items[0]).toEqual({ ...summary, rowsPerSecond: listed.body.items[0].rowsPerSecond });
    expect(listed.body.items[0]).toMatchObject({ id: runId, status: 'queued', trigger: 'manual', rowsRead: 0, rowsWritten: 0 });
    expect(typeof listed.body.items[0].requestedBy).toBe('string');
  });

  it('stores a filter re-rendered with quoted identifiers, never as typed', async () => {
    const res = await create(job({ tables: [{ source: 'main.orders', where: "status = 'paid' and \"order\" is not null" }] })).expect(201);
    expect(res.body.tables[0].where).toBe(`"status" = 'paid' AND "order" IS NOT NULL`);
  });

  it.each([
    ["1=1; DROP TABLE orders", /statement|single/i],
    ["status = 'x' -- ", /comment/i],
    ["id IN (SELECT id FROM orders)", /subquer|select/i],
    ["load_extension('x') = 1", /function/i],
    ["status = 'paid' UNION SELECT 1", /union|single|statement/i],
    ["secret_column = 1", /unknown column|secret_column/i],
    ["status = 'unterminated", /quote|parse|syntax/i],
  ])('refuses the filter %s with 400 naming tables[0].where', async (where, reason) => {
    const before = (await request(api.http).get('/api/jobs').set(auth())).body.total;
    const res = await create(job({ tables: [{ source: 'main.orders', where }] })).expect(400);
    expect(res.body.details[0].field).toBe('tables[0].where');
    expect(res.body.message).toMatch(reason);
    expect((await request(api.http).get('/api/jobs').set(auth())).body.total).toBe(before);
  });

  it.each<[string, object, string]>([
    ['an unknown source', { sourceId: '00000000-0000-4000-8000-000000000000' }, 'sourceId'],
    ['a read-only target', { targetId: 'READONLY' }, 'targetId'],
    ['a table without a schema', { tables: [{ source: 'orders' }] }, 'tables[0].source'],
    ['a filter on a pattern', { tables: [{ source: 'main.*', where: 'id > 1' }] }, 'tables[0].where'],
    ['a pattern with a single-table target', { tables: [{ source: 'main.*', target: 'public.orders' }] }, 'tables[0].target'],
    ['incremental without a column', { mode: 'incremental' }, 'tables[0].incrementalColumn'],
    ['incremental with insert', { mode: 'incremental', writeMode: 'insert', tables: [{ source: 'main.orders', incrementalColumn: 'id' }] }, 'writeMode'],
    ['a bad cron', { schedule: 'every day' }, 'schedule'],
    ['an unknown time zone', { schedule: '0 * * * *', scheduleTz: 'Mars/Olympus' }, 'scheduleTz'],
    ['a key named twice', { tables: [{ source: 'main.orders', keyColumns: ['id', 'id'] }] }, 'tables[0].keyColumns'],
    ['columns without the key', { tables: [{ source: 'main.orders', keyColumns: ['id'], columns: ['status'] }] }, 'tables[0].columns'],
    ['an unknown mode', { mode: 'sometimes' }, 'mode'],
    ['no tables', { tables: [] }, 'tables'],
    ['a table of the wrong type', { tables: ['main.orders'] }, 'tables'],
    ['a batch size of zero', { batchSize: 0 }, 'batchSize'],
    ['an extra field', { priority: 'high' }, 'priority'],
    ['a filter too long', { tables: [{ source: 'main.orders', where: 'x'.repeat(4001) }] }, 'tables[0].where'],
  ])('refuses %s with 400 naming the field', async (_label, overrides, field) => {
    const body = JSON.parse(JSON.stringify(job(overrides)).replace('"READONLY"', JSON.stringify(readOnlyId)));
    const res = await create(body).expect(400);
    expect(res.body.message).toContain(field);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a statement after the type', { amount: 'numeric(20,4); DROP TABLE orders' }, 'tables[0].types.amount', /plain type name/],
    ['a quote', { amount: "text'" }, 'tables[0].types.amount', /plain type name/],
    ['a line comment', { amount: 'text -- x' }, 'tables[0].types.amount', /plain type name/],
    ['a block comment', { amount: 'text /* x */' }, 'tables[0].types.amount', /plain type name/],
    ['a second column', { amount: 'text, evil integer' }, 'tables[0].types.amount', /plain type name/],
    ['a column clause', { amount: 'integer DEFAULT 1' }, 'tables[0].types.amount', /DEFAULT starts a column clause/],
    ['a NOT NULL', { amount: 'integer not null' }, 'tables[0].types.amount', /not starts a column clause/],
    ['an empty type', { amount: ' ' }, 'tables[0].types.amount', /non-empty/],
    ['a type that is not text', { amount: 5 }, 'tables[0].types.amount', /non-empty type name/],
    ['a type too long', { amount: `numeric${' x'.repeat(60)}` }, 'tables[0].types.amount', /at most 100/],
    ['an empty column name', { '': 'text' }, 'tables[0].types.', /column name/],
  ])('refuses types with %s: 400 naming the column', async (_label, types, field, reason) => {
    const res = await create(job({ tables: [{ source: 'main.orders', types }] })).expect(400);
    expect(res.body.details).toContainEqual(expect.objectContaining({ field }));
    expect(res.body.message).toMatch(reason);
  });

  it.each<[string, object, string]>([
    ['types on a pattern', { source: 'main.*', target: 'public.*', types: { amount: 'text' } }, 'tables[0].types'],
    ['types of a column not copied', { source: 'main.orders', columns: ['id', 'status'], types: { amount: 'text' } }, 'tables[0].types.amount'],
    ['types as a list', { source: 'main.orders', types: ['text'] }, 'tables[0].types'],
  ])('refuses %s with 400 naming the field', async (_label, table, field) => {
    const res = await create(job({ tables: [table] })).expect(400);
    expect(res.body.details).toContainEqual(expect.objectContaining({ field }));
  });

  it('stores plain type overrides (trimmed) and previews them as the target types', async () => {
    const types = { amount: ' numeric(20,4) ', status: 'varchar(40)', order: 'character varying(10)[]' };
    const created = (await create(job({ name: 'typed', tables: [{ source: 'main.orders', target: 'public.typed_orders', types }] })).expect(201)).body;
    expect(created.tables[0].types).toEqual({ amount: 'numeric(20,4)', status: 'varchar(40)', order: 'character varying(10)[]' });
    expect((await request(api.http).get(`/api/jobs/${created.id}`).set(auth())).body.tables[0].types).toEqual(created.tables[0].types);
    const preview = (await request(api.http).post(`/api/jobs/${created.id}/preview`).set(auth(operator)).expect(200)).body.tables[0];
    expect(preview.ddl[0]).toContain('"amount" numeric(20,4)');
    expect(preview.mapping).toContainEqual({ column: 'amount', sourceType: 'DECIMAL(12,2)', neutralType: 'decimal(12,2)', targetType: 'numeric(20,4)', typeSource: 'override' });
    expect(preview.mapping.find((m: { column: string }) => m.column === 'order')).toMatchObject({ targetType: 'character varying(10)[]', typeSource: 'override' });

    const ghost = (await create(job({ name: 'typed ghost', tables: [{ source: 'main.orders', types: { nope: 'text' } }] })).expect(201)).body;
    const res = await request(api.http).post(`/api/jobs/${ghost.id}/preview`).set(auth(operator)).expect(422);
    expect(res.body.details[0].field).toBe('tables[0].types.nope');
  });

  it('previews the tables, DDL and type mapping of a run without changing anything', async () => {
    const created = (await create(job({ name: 'preview me', tables: [{ source: 'main.*', target: 'public.*' }] })).expect(201)).body;
    const res = await request(api.http).post(`/api/jobs/${created.id}/preview`).set(auth(operator)).expect(200);
    expect(res.body.tables).toHaveLength(1);
    const [orders] = res.body.tables;
    expect(orders).toMatchObject({
      source: { schema: 'main', name: 'orders' },
      target: { schema: 'public', name: 'orders' },
      keyColumns: ['id'],
      resumable: true,
      targetExists: false,
    });
    expect(orders.ddl[0]).toMatch(/^CREATE TABLE "public"\."orders" \(/);
    expect(orders.mapping).toContainEqual({ column: 'amount', sourceType: 'DECIMAL(12,2)', neutralType: 'decimal(12,2)', targetType: 'numeric(12,2)', typeSource: 'neutral' });
    expect(orders.mapping.find((m: { column: string }) => m.column === 'order')).toMatchObject({ targetType: 'text' });
    const after = await request(api.http).get(`/api/connections/${pgId}/tables/public/orders`).set(auth()).expect(404);
    expect(after.body.message).toMatch(/not found/);
  });

  it('previews a SQLite target file that a run would create as empty, and creates no file', async () => {
    const fresh = join(api.env.SQLITE_ROOT, 'not-yet', 'copy.db');
    const targetId = (await request(api.http).post('/api/connections').set(auth()).send({ name: 'fresh copy', dialect: 'sqlite', database: 'not-yet/copy.db' }).expect(201)).body.id;
    const created = (await create(job({ name: 'into a new file', targetId, tables: [{ source: 'main.orders' }] })).expect(201)).body;
    const res = await request(api.http).post(`/api/jobs/${created.id}/preview`).set(auth(operator)).expect(200);
    expect(res.body.tables).toEqual([expect.objectContaining({ target: { schema: 'main', name: 'orders' }, targetExists: false })]);
    expect(res.body.tables[0].ddl[0]).toMatch(/^CREATE TABLE "main"\."orders" \(/);
    expect(existsSync(fresh)).toBe(false);
    // Without createTables a run would fail on the missing file: preview still does not create it.
    await request(api.http).patch(`/api/jobs/${created.id}`).set(auth(operator)).send({ createTables: false }).expect(200);
    const refused = await request(api.http).post(`/api/jobs/${created.id}/preview`).set(auth(operator));
    expect(refused.status).not.toBe(200);
    expect(existsSync(fresh)).toBe(false);
  });

  it('answers 422 naming the table when a preview cannot be planned', async () => {
    // Saving refuses a table the source lacks; one dropped after the save reaches the planner.
    const saved = await create(job({ name: 'ghost table', tables: [{ source: 'main.ghost' }] })).expect(422);
    expect(saved.body.details).toEqual([expect.objectContaining({ field: 'tables[0].source' })]);
    await sqliteExec(join(api.env.SQLITE_ROOT, 'shop.db'), 'CREATE TABLE ghost (id INTEGER PRIMARY KEY)');
    const created = (await create(job({ name: 'ghost table', tables: [{ source: 'main.ghost' }] })).expect(201)).body;
    await sqliteExec(join(api.env.SQLITE_ROOT, 'shop.db'), 'DROP TABLE ghost');
    const res = await request(api.http).post(`/api/jobs/${created.id}/preview`).set(auth(operator)).expect(422);
    expect(res.body.details[0].field).toBe('tables[0].source');
    expect(res.body.message).toMatch(/main\.ghost not found/);
  });

  it('lists each job with its newest run and, while enabled with a schedule, when it next fires (UTC)', async () => {
    const every15 = (await create(job({ name: 'list every 15', schedule: '*/15 * * * *' })).expect(201)).body;
    const paris = (await create(job({ name: 'list paris 2am', schedule: '0 2 * * *', scheduleTz: 'Europe/Paris' })).expect(201)).body;
    const off = (await create(job({ name: 'list disabled', schedule: '*/15 * * * *', enabled: false })).expect(201)).body;
    const manual = (await create(job({ name: 'list manual' })).expect(201)).body;
    const before = Date.now();
    const listed = async () => {
      const res = await request(api.http).get('/api/jobs?limit=500').set(auth(viewerToken)).expect(200);
      return new Map<string, Record<string, unknown>>(res.body.items.map((j: { id: string }) => [j.id, j]));
    };
    const viewerToken = await api.tokenFor('viewer');
    let jobs = await listed();

    const next15 = new Date(jobs.get(every15.id)?.nextRunAt as string);
    expect(next15.getTime()).toBeGreaterThan(before - 1000);
    expect(next15.getTime()).toBeLessThanOrEqual(before + 15 * 60_000);
    expect([next15.getUTCMinutes() % 15, next15.getUTCSeconds(), next15.getUTCMilliseconds()]).toEqual([0, 0, 0]);
    // Read in Paris: 02:00 there, within the next day, said in UTC.
    const nextParis = jobs.get(paris.id)?.nextRunAt as string;
    expect(nextParis).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/);
    expect(new Date(nextParis).getTime() - before).toBeLessThanOrEqual(86_400_000);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(new Date(nextParis))).toBe('02:00');
    expect(jobs.get(off.id)).toMatchObject({ nextRunAt: null, lastRun: null });
    expect(jobs.get(manual.id)).toMatchObject({ nextRunAt: null, lastRun: null });

    // The newest run, whatever its status: cancelled first, then the one queued after it.
    const first = (await request(api.http).post(`/api/jobs/${manual.id}/run`).set(auth(operator)).expect(202)).body.runId;
    jobs = await listed();
    expect(jobs.get(manual.id)?.lastRun).toEqual({ id: first, status: 'queued', queuedAt: expect.any(String), finishedAt: null });
    await request(api.http).post(`/api/runs/${first}/cancel`).set(auth(operator)).expect((res) => expect(res.status).toBeLessThan(300));
    jobs = await listed();
    expect(jobs.get(manual.id)?.lastRun).toMatchObject({ id: first, status: 'cancelled', finishedAt: expect.any(String) });
    const second = (await request(api.http).post(`/api/jobs/${manual.id}/run`).set(auth(operator)).expect(202)).body.runId;
    jobs = await listed();
    expect(jobs.get(manual.id)?.lastRun).toMatchObject({ id: second, status: 'queued', finishedAt: null });
    expect(jobs.get(every15.id)?.lastRun).toBeNull();
    // One job reads the same.
    const one = (await request(api.http).get(`/api/jobs/${manual.id}`).set(auth(viewerToken)).expect(200)).body;
    expect(one).toMatchObject({ lastRun: { id: second, status: 'queued' }, nextRunAt: null });
    // Disabling drops the next fire time; a PATCH answers with it.
    const patched = (await request(api.http).patch(`/api/jobs/${every15.id}`).set(auth(operator)).send({ enabled: false }).expect(200)).body;
    expect(patched.nextRunAt).toBeNull();
  });

  it('previews the next fire times of a cron in its zone, and refuses a bad one naming schedule', async () => {
    const res = await request(api.http)
      .get('/api/jobs/schedule-preview')
      .query({ schedule: '30 6 * * 1-5', scheduleTz: 'America/New_York' })
      .set(auth(await api.tokenFor('viewer')))
      .expect(200);
    expect(res.body).toMatchObject({ schedule: '30 6 * * 1-5', scheduleTz: 'America/New_York' });
    expect(res.body.next).toHaveLength(3);
    const local = (iso: string) =>
      new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));
    for (const iso of res.body.next) {
      expect(iso).toMatch(/Z$/);
      expect(local(iso)).toMatch(/^(Mon|Tue|Wed|Thu|Fri),? 06:30$/);
    }
    expect([...res.body.next].sort()).toEqual(res.body.next);
    expect(new Set(res.body.next).size).toBe(3);
    const five = await request(api.http).get('/api/jobs/schedule-preview').query({ schedule: '0 * * * *', count: 5 }).set(auth()).expect(200);
    expect(five.body).toMatchObject({ scheduleTz: 'UTC' });
    expect(five.body.next).toHaveLength(5);

    const bad = await request(api.http).get('/api/jobs/schedule-preview').query({ schedule: '61 * * * *' }).set(auth()).expect(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ field: 'schedule' })]);
    expect(bad.body.message).toMatch(/^schedule: not a cron expression/);
    const zone = await request(api.http).get('/api/jobs/schedule-preview').query({ schedule: '0 * * * *', scheduleTz: 'Mars/Olympus' }).set(auth()).expect(400);
    expect(zone.body.details).toEqual([expect.objectContaining({ field: 'scheduleTz' })]);
    const missing = await request(api.http).get('/api/jobs/schedule-preview').set(auth()).expect(400);
    expect(missing.body.message).toContain('schedule');
    const many = await request(api.http).get('/api/jobs/schedule-preview').query({ schedule: '0 * * * *', count: 21 }).set(auth()).expect(400);
    expect(many.body.message).toContain('count');
  });

  it('previews a job not saved yet (the body of a create, no name needed) and stores nothing', async () => {
    const before = (await request(api.http).get('/api/jobs').set(auth())).body.total;
    const body = { ...job(), name: undefined, tables: [{ source: 'main.orders', target: 'public.draft_orders', where: "status = 'paid'", columns: ['id', 'status', 'amount'] }] };
    const res = await request(api.http).post('/api/jobs/preview').set(auth(operator)).send(body).expect(200);
    expect(res.body.tables).toHaveLength(1);
    const [orders] = res.body.tables;
    expect(orders).toMatchObject({ source: { schema: 'main', name: 'orders' }, target: { schema: 'public', name: 'draft_orders' }, keyColumns: ['id'], targetExists: false, losses: [] });
    expect(orders.where).toBe(`"status" = 'paid'`);
    expect(orders.ddl[0]).toMatch(/^CREATE TABLE "public"\."draft_orders" \(/);
    expect(orders.mapping.map((m: { column: string }) => m.column)).toEqual(['id', 'status', 'amount']);
    expect((await request(api.http).get('/api/jobs').set(auth())).body.total).toBe(before);
    await request(api.http).get(`/api/connections/${pgId}/tables/public/draft_orders`).set(auth()).expect(404);
    // A pattern expands to the tables it matches.
    const pattern = await request(api.http).post('/api/jobs/preview').set(auth(operator)).send({ ...body, tables: [{ source: 'main.*', target: 'public.*' }] }).expect(200);
    expect(pattern.body.tables.map((t: { source: { name: string } }) => t.source.name)).toContain('orders');
    // A viewer cannot, like a create.
    await request(api.http).post('/api/jobs/preview').set(auth(await api.tokenFor('viewer'))).send(body).expect(403);
  });

  it.each<[string, number, string, object]>([
    ['a bad filter', 400, 'tables[0].where', { tables: [{ source: 'main.orders', where: 'nope = 1' }] }],
    ['a bad cron', 400, 'schedule', { schedule: 'every day' }],
    ['a missing table', 422, 'tables[0].source', { tables: [{ source: 'main.ghost_table' }] }],
    ['an unknown write mode', 400, 'writeMode', { writeMode: 'merge' }],
    ['a missing source', 400, 'sourceId', { sourceId: undefined }],
  ])('refuses a preview with %s: %i naming %s', async (_label, status, field, overrides) => {
    const res = await request(api.http).post('/api/jobs/preview').set(auth(operator)).send({ ...job(), name: undefined, ...overrides }).expect(status);
    expect(res.body.details).toContainEqual(expect.objectContaining({ field }));
    expect(res.body.message).toContain(field);
  });

  it('previews the lossy columns of a PostgreSQL to MariaDB job before it is saved', async () => {
    const pg = await createPostgresDatabase('dbferry_jobs_src');
    const maria = await createMysqlDatabase('dbferry_jobs_dst');
    try {
      const client = new Client({ connectionString: pg.url });
      await client.connect();
      await client.query('CREATE TABLE ledger (id bigint PRIMARY KEY, amount numeric, booked timestamptz, note text)');
      await client.end();
      const sourceId = await saveConnection(api, admin, 'pg ledger', 'postgres', pg);
      const targetId = await saveConnection(api, admin, 'maria ledger', 'mysql', maria);
      const res = await request(api.http)
        .post('/api/jobs/preview')
        .set(auth(operator))
        .send({ sourceId, targetId, tables: [{ source: 'public.ledger' }], mode: 'full', writeMode: 'upsert' })
        .expect(200);
      const [ledger] = res.body.tables;
      expect(ledger.target).toEqual({ schema: maria.name, name: 'ledger' });
      expect(ledger.ddl[0]).toMatch(/^CREATE TABLE `[^`]+`\.`ledger`/);
      expect(ledger.losses).toEqual([
        { column: 'amount', kind: 'unbounded-decimal-bounded', description: expect.stringMatching(/decimal\(65,30\)/) },
        { column: 'booked', kind: 'timezone-offset-dropped', description: expect.any(String) },
      ]);
      expect(ledger.mapping.find((m: { column: string }) => m.column === 'amount')).toMatchObject({ lossy: { kind: 'unbounded-decimal-bounded' } });
    } finally {
      await pg.drop();
      await maria.drop();
    }
  });

  it('updates, refuses a duplicate name, and keeps a used connection from being deleted', async () => {
    const a = (await create(job({ name: 'alpha' })).expect(201)).body;
    await create(job({ name: 'ALPHA' })).expect(409);
    const patched = await request(api.http).patch(`/api/jobs/${a.id}`).set(auth(operator)).send({ enabled: false, chunkRows: 5000 }).expect(200);
    expect(patched.body).toMatchObject({ enabled: false, chunkRows: 5000, name: 'alpha' });
    await request(api.http).patch(`/api/jobs/${a.id}`).set(auth(operator)).send({ writeMode: 'merge' }).expect(400);
    const res = await request(api.http).delete(`/api/connections/${sqliteId}`).set(auth()).expect(409);
    expect(res.body.message).toMatch(/^the connection is used by jobs? "/);
    expect(res.body.message).toContain(`"alpha" (${a.id})`);
    await request(api.http).delete(`/api/jobs/${a.id}`).set(auth(operator)).expect(204);
    await request(api.http).get(`/api/jobs/${a.id}`).set(auth()).expect(404);
  });
});
