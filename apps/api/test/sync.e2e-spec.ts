import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { parseConnectionUrl, TableRef } from '@dbferry/dialects-core';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase, spawnWorker, waitFor, WorkerProcess } from '@dbferry/testing';
import { ApiHarness, readTableRows, runJobToEnd, saveConnection, startApi } from './harness';

const ROWS = 5000;

/** Every row of a table, each value normalised by its own side's neutral type, in key order. */
const snapshot = (url: string, dialect: 'postgres' | 'mysql', table: TableRef, keyColumns = ['id']): Promise<string[][]> =>
  readTableRows(dialect, parseConnectionUrl(dialect, url), table, { keyColumns });

describe('sync runs on a worker (e2e)', () => {
  let api: ApiHarness;
  let operator: string;
  let admin: string;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let worker: WorkerProcess | undefined;
  const workerOutput = () => worker?.output() ?? '';
  const auth = () => ({ Authorization: `Bearer ${operator}` });
  const mariaUrlOf = () => maria.url;
  const mariaDbName = () => maria.name;

  beforeAll(async () => {
    api = await startApi();
    admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    pg = await createPostgresDatabase('dbferry_sync_src');
    maria = await createMysqlDatabase('dbferry_sync_dst');
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query(`
      CREATE TABLE orders (
        id bigint PRIMARY KEY, customer int NOT NULL, amount numeric(38,10), status varchar(40), note text,
        paid boolean, ref uuid, doc jsonb, raw bytea, day date, created timestamp(6), seen timestamptz(6), ratio float8)`);
    await client.query(`
      INSERT INTO orders
      SELECT g, g % 97, (g * 1234567.0123456789)::numeric(38,10), 'status ' || (g % 5), 'note ' || g || ' 🐘 é',
             g % 2 = 0, md5(g::text)::uuid, jsonb_build_object('n', g, 'k', 'ключ'), decode(lpad(to_hex(g), 8, '0') || '00ff', 'hex'),
             date '1900-01-01' + g, timestamp '1999-12-31 23:59:59.999999' + g * interval '1 second',
             timestamptz '2024-02-29 12:00:00.000001+00' + g * interval '1 minute', g / 3.0
        FROM generate_series(1, ${ROWS}) g`);
    await client.query(`INSERT INTO orders VALUES (9223372036854775807, -1, '-9999999999999999999999999999.9999999999', '', '', NULL, NULL, '{}', '\\x00', '9999-12-31', '9999-12-31 23:59:59.999999', '1969-07-20 20:17:40+00', -0.5)`);
    await client.end();

    worker = await spawnWorker({ WORKER_CONCURRENCY: '3', LOG_LEVEL: 'warn' });
    await worker.ready();

    process.env.SRC_ID = await saveConnection(api, admin, 'pg-source', 'postgres', pg);
    process.env.DST_ID = await saveConnection(api, admin, 'maria-target', 'mysql', maria);
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api.close();
    await pg.drop();
    await maria.drop();
  }, 60_000); // the worker drains for up to WORKER_SHUTDOWN_TIMEOUT

  const runToEnd = (jobId: string) => runJobToEnd(api, operator, jobId, { context: workerOutput });

  it('copies PostgreSQL → MariaDB in chunks on the worker, faithful row by row', async () => {
    const job = await request(api.http).post('/api/jobs').set(auth()).send({
      name: 'pg to maria', sourceId: process.env.SRC_ID, targetId: process.env.DST_ID, mode: 'full', writeMode: 'upsert',
      chunkRows: 1000, batchSize: 500, tables: [{ source: 'public.orders' }],
    }).expect(201);

    const { runId } = (await request(api.http).post(`/api/jobs/${job.body.id}/run`).set(auth()).expect(202)).body;
    const second = await request(api.http).post(`/api/jobs/${job.body.id}/run`).set(auth());
    expect([409, 202]).toContain(second.status); // 202 only if the first already finished
    const run = await waitFor(async () => {
      const res = await request(api.http).get(`/api/runs/${runId}`).set(auth());
      return ['succeeded', 'failed', 'cancelled'].includes(res.body.status) && res.body;
    }, 90_000, 'first run');

    expect(run).toMatchObject({ status: 'succeeded', rowsRead: ROWS + 1, rowsWritten: ROWS + 1, error: null });
    expect(run.rowsPerSecond).toBeGreaterThan(0);
    expect(run.tables[0].rowsPerSecond).toBe(run.rowsPerSecond);
    expect(run.tables).toHaveLength(1);
    expect(run.tables[0]).toMatchObject({ source: 'public.orders', target: `${maria.name}.orders`, status: 'succeeded', resumable: true });
    expect(run.tables[0].chunksTotal).toBeGreaterThan(2);
    expect(run.tables[0].chunksDone).toBe(run.tables[0].chunksTotal);
    expect(run.tables[0].ddl[0]).toMatch(/^CREATE TABLE `/);
    expect(run.tables[0].losses).toContainEqual(expect.objectContaining({ column: 'seen', kind: 'timezone-offset-dropped' }));

    const source = await snapshot(pg.url, 'postgres', { schema: 'public', name: 'orders' });
    const target = await snapshot(maria.url, 'mysql', { schema: maria.name, name: 'orders' });
    expect(target).toHaveLength(ROWS + 1);
    expect(target).toEqual(source);

    const metrics = await (await fetch(`http://127.0.0.1:${worker!.port}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`dbferry_rows_copied_total\\{source_dialect="postgres",target_dialect="mysql"\\} ${ROWS + 1}\\b`));
    expect(metrics).toMatch(/dbferry_chunk_duration_seconds_count\{source_dialect="postgres",target_dialect="mysql"\} [3-9]/);
    // More chunks than the worker's three slots: the later chunks ran on the earlier ones' sessions.
    expect(metrics).toMatch(/dbferry_worker_sessions_total\{outcome="reused"\} [1-9]/);

    const logs = (await request(api.http).get(`/api/runs/${runId}/logs`).set(auth()).expect(200)).body.items.map((l: { message: string }) => l.message);
    expect(logs).toEqual(expect.arrayContaining([expect.stringMatching(/^planned 1 table\(s\) in \d+ chunk\(s\)$/), 'run succeeded']));
  }, 120_000);

  it('copies it back MariaDB → PostgreSQL into a new table, equal to the original', async () => {
    const job = await request(api.http).post('/api/jobs').set(auth()).send({
      name: 'maria to pg', sourceId: process.env.DST_ID, targetId: process.env.SRC_ID, mode: 'full', writeMode: 'replace',
      chunkRows: 2000, tables: [{ source: `${maria.name}.orders`, target: 'public.orders_back' }],
    }).expect(201);
    const run = await runToEnd(job.body.id);
    expect(run).toMatchObject({ status: 'succeeded', rowsWritten: ROWS + 1 });
    const original = await snapshot(pg.url, 'postgres', { schema: 'public', name: 'orders' });
    const back = await snapshot(pg.url, 'postgres', { schema: 'public', name: 'orders_back' });
    expect(back).toEqual(original);
  }, 120_000);

  it('re-running the same job rewrites the same rows: no duplicates, same content', async () => {
    const jobs = (await request(api.http).get('/api/jobs').set(auth())).body.items;
    const job = jobs.find((j: { name: string }) => j.name === 'pg to maria');
    const run = await runToEnd(job.id);
    expect(run.status).toBe('succeeded');
    const target = await snapshot(maria.url, 'mysql', { schema: maria.name, name: 'orders' });
    expect(target).toHaveLength(ROWS + 1);
  }, 120_000);

  it('never lets more chunks than a connection allows touch it at once, across the worker', async () => {
    const patched = await request(api.http).patch(`/api/connections/${process.env.SRC_ID}`).set('Authorization', `Bearer ${admin}`).send({ maxParallelChunks: 1 }).expect(200);
    expect(patched.body.maxParallelChunks).toBe(1);
    await request(api.http).patch(`/api/connections/${process.env.SRC_ID}`).set('Authorization', `Bearer ${admin}`).send({ maxParallelChunks: 0 }).expect(400);
    try {
      const jobs = (await request(api.http).get('/api/jobs').set(auth())).body.items;
      const job = jobs.find((j: { name: string }) => j.name === 'pg to maria');
      const run = await runToEnd(job.id);
      expect(run.status).toBe('succeeded');
      const store = new Client({ connectionString: api.db.url });
      await store.connect();
      try {
        const { rows } = await store.query(
          `SELECT c.started_at, c.finished_at FROM run_chunk c JOIN run_table t ON t.id = c.run_table_id WHERE t.run_id = $1 ORDER BY c.started_at`,
          [run.id],
        );
        expect(rows.length).toBeGreaterThan(2);
        // With one slot on the source, each chunk starts only after the one before it has finished.
        for (let i = 1; i < rows.length; i++) expect(rows[i].started_at.getTime()).toBeGreaterThanOrEqual(rows[i - 1].finished_at.getTime());
      } finally {
        await store.end();
      }
    } finally {
      await request(api.http).patch(`/api/connections/${process.env.SRC_ID}`).set('Authorization', `Bearer ${admin}`).send({ maxParallelChunks: null }).expect(200);
    }
  }, 120_000);

  it('copies a table without a key whole through a staging table, and says it cannot resume', async () => {
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query(`CREATE TABLE audit (at timestamp(6), who text, n bigint);
      INSERT INTO audit SELECT timestamp '2020-01-01' + g * interval '1 minute', 'user ' || (g % 9), g FROM generate_series(1, 3000) g;
      INSERT INTO audit VALUES (NULL, 'twice', 1), (NULL, 'twice', 1);`);
    const job = await request(api.http).post('/api/jobs').set(auth()).send({
      name: 'keyless', sourceId: process.env.SRC_ID, targetId: process.env.DST_ID, mode: 'full', writeMode: 'replace',
      chunkRows: 500, tables: [{ source: 'public.audit' }],
    }).expect(201);
    const first = await runToEnd(job.body.id);
    expect(first).toMatchObject({ status: 'succeeded', rowsWritten: 3002 });
    expect(first.tables[0]).toMatchObject({ resumable: false, chunksTotal: 1 });
    const logs = (await request(api.http).get(`/api/runs/${first.id}/logs`).set(auth()).expect(200)).body.items.map((l: { message: string }) => l.message);
    expect(logs).toContain('no usable key: copied whole into a staging table and swapped in at the end; it cannot resume part-way');
    await client.query(`DELETE FROM audit WHERE n > 1000`);
    await client.end();
    expect((await runToEnd(job.body.id)).status).toBe('succeeded');
    const rows = await snapshot(maria.url, 'mysql', { schema: maria.name, name: 'audit' }, []);
    expect(rows).toHaveLength(1002);
  }, 120_000);

  it('strips or rejects NUL characters bound for PostgreSQL, as the job says', async () => {
    const maria = await createConnection(mariaUrlOf());
    try {
      await maria.query(`CREATE TABLE notes (id int PRIMARY KEY, body text)`);
      await maria.query(`INSERT INTO notes VALUES (1, CONCAT('a', CHAR(0), 'b')), (2, 'plain'), (3, NULL)`);
    } finally {
      await maria.end();
    }
    const copy = async (nul: string | undefined, target: string) => {
      const job = await request(api.http).post('/api/jobs').set(auth()).send({
        name: `nul ${target}`, sourceId: process.env.DST_ID, targetId: process.env.SRC_ID, mode: 'full', writeMode: 'upsert', maxRejects: 5,
        ...(nul ? { nul } : {}), tables: [{ source: `${mariaDbName()}.notes`, target: `public.${target}` }],
      }).expect(201);
      expect(job.body.nul).toBe(nul ?? 'strip');
      return runToEnd(job.body.id);
    };
    const stripped = await copy(undefined, 'notes_stripped');
    expect(stripped).toMatchObject({ status: 'succeeded', rejects: 0, rowsWritten: 3 });
    expect(stripped.tables[0].warnings.join(' ')).toMatch(/body/);
    const rejected = await copy('reject', 'notes_rejected');
    expect(rejected).toMatchObject({ status: 'succeeded', rejects: 1, rowsWritten: 2 });
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    try {
      expect((await client.query('SELECT id, body FROM notes_stripped ORDER BY id')).rows).toEqual([{ id: 1, body: 'ab' }, { id: 2, body: 'plain' }, { id: 3, body: null }]);
      expect((await client.query('SELECT id FROM notes_rejected ORDER BY id')).rows).toEqual([{ id: 2 }, { id: 3 }]);
    } finally {
      await client.end();
    }
    await request(api.http).post('/api/jobs').set(auth()).send({
      name: 'bad nul', sourceId: process.env.DST_ID, targetId: process.env.SRC_ID, mode: 'full', writeMode: 'upsert', nul: 'drop', tables: [{ source: `${mariaDbName()}.notes` }],
    }).expect(400);
  }, 120_000);

  it('reports the exact number of zero dates read as NULL and NULs stripped, summed over every batch and chunk', async () => {
    const N = 1000;
    const zeroDay = (id: number) => id % 7 === 0;
    const zeroAt = (id: number) => id % 11 === 0;
    const withNul = (id: number) => id % 13 === 0;
    const maria = await createConnection(mariaUrlOf());
    try {
      await maria.query(`CREATE TABLE lossy (id int PRIMARY KEY, d date NULL, at datetime NULL, body text NULL)`);
      // Zero dates go in only under a relaxed sql_mode (the default NO_ZERO_DATE refuses them).
      await maria.query(`SET SESSION sql_mode = ''`);
      const values = Array.from({ length: N }, (_, i) => {
        const id = i + 1;
        const d = zeroDay(id) ? `'0000-00-00'` : `'2024-01-01' + INTERVAL ${id} DAY`;
        const at = zeroAt(id) ? `'0000-00-00 00:00:00'` : `'2024-01-01 12:00:00' + INTERVAL ${id} MINUTE`;
        const body = withNul(id) ? `CONCAT('row ', ${id}, CHAR(0), '!')` : `'row ${id}'`;
        return `(${id}, ${d}, ${at}, ${body})`;
      });
      await maria.query(`INSERT INTO lossy VALUES ${values.join(', ')}`);
    } finally {
      await maria.end();
    }
    const job = await request(api.http).post('/api/jobs').set(auth()).send({
      name: 'lossy to pg', sourceId: process.env.DST_ID, targetId: process.env.SRC_ID, mode: 'full', writeMode: 'upsert', nul: 'strip',
      chunkRows: 100, batchSize: 30, tables: [{ source: `${mariaDbName()}.lossy`, target: 'public.lossy' }],
    }).expect(201);
    const ids = (test: (id: number) => boolean) => Array.from({ length: N }, (_, i) => i + 1).filter(test);
    const expectedWarnings = [
      `lossy.d: ${ids(zeroDay).length} zero dates ('0000-00-00') became NULL`,
      `lossy.at: ${ids(zeroAt).length} zero dates ('0000-00-00') became NULL`,
      `lossy.body: NUL characters (U+0000) removed from ${ids(withNul).length} values; PostgreSQL text cannot hold them`,
    ];
    const check = async () => {
      const run = await runToEnd(job.body.id);
      expect(run).toMatchObject({ status: 'succeeded', rowsWritten: N, rejects: 0 });
      expect(run.tables[0].chunksTotal).toBeGreaterThan(3);
      expect([...run.tables[0].warnings].sort()).toEqual([...expectedWarnings].sort());
    };
    await check();
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    try {
      const nulls = async (column: string) => (await client.query(`SELECT id FROM lossy WHERE ${column} IS NULL ORDER BY id`)).rows.map((r) => r.id);
      expect(await nulls('d')).toEqual(ids(zeroDay));
      expect(await nulls('at')).toEqual(ids(zeroAt));
      const stripped = (await client.query(`SELECT id, body FROM lossy WHERE body LIKE '%!' ORDER BY id`)).rows;
      expect(stripped).toEqual(ids(withNul).map((id) => ({ id, body: `row ${id}!` })));
      expect((await client.query('SELECT count(*)::int AS n FROM lossy')).rows[0].n).toBe(N);
    } finally {
      await client.end();
    }
    // A second run of the same job reports its own counts, not the first run's added to them.
    await check();
  }, 180_000);

  it('streams run progress as Server-Sent Events until the run ends', async () => {
    const jobs = (await request(api.http).get('/api/jobs').set(auth())).body.items;
    const job = jobs.find((j: { name: string }) => j.name === 'pg to maria');
    const { runId } = (await request(api.http).post(`/api/jobs/${job.id}/run`).set(auth()).expect(202)).body;
    const res = await request(api.http)
      .get(`/api/runs/${runId}/stream`)
      .set(auth())
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => done(null, text));
      })
      .expect(200)
      .expect('Content-Type', /text\/event-stream/);
    const events = String(res.body).split('\n\n').filter((e) => e.startsWith('event: run')).map((e) => JSON.parse(e.split('\ndata: ')[1]));
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[events.length - 1]).toMatchObject({ id: runId, status: 'succeeded', rowsWritten: ROWS + 1 });
    await request(api.http).get('/api/runs/00000000-0000-4000-8000-000000000000/stream').set(auth()).expect(404);
  }, 120_000);

  it('fails a run whose source table vanished, with the reason in the run and its log', async () => {
    // A job is refused at save on a table its source lacks (422), so this one vanishes after the save.
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query('CREATE TABLE nope (id int PRIMARY KEY)');
    const job = await request(api.http).post('/api/jobs').set(auth()).send({
      name: 'ghost', sourceId: process.env.SRC_ID, targetId: process.env.DST_ID, mode: 'full', writeMode: 'upsert', tables: [{ source: 'public.nope' }],
    }).expect(201);
    await client.query('DROP TABLE nope');
    await client.end();
    const run = await runToEnd(job.body.id);
    expect(run.status).toBe('failed');
    // The table fails with its reason; with no table left to copy the run fails at once with it.
    expect(run.error).toMatch(/^tables\[0\]\.source: table public\.nope not found/);
    expect(run.tables).toEqual([expect.objectContaining({ source: 'public.nope', status: 'failed', error: expect.stringMatching(/public\.nope not found/) })]);
  }, 120_000);
});
