import request from 'supertest';
import { Client } from 'pg';
import { createConnection, Connection as MysqlConnection } from 'mysql2/promise';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase, readableMail, SmtpSink, spawnWorker, startSmtpSink, waitFor, WorkerProcess } from '@dbferry/testing';
import { ApiHarness, runJobToEnd, startApi } from './harness';

type Log = { level: string; table: string | null; message: string };
/** A one-column bigint key as the run shows it (the key codec's lossless JSON). */
const key = (id: number) => JSON.stringify([{ $int: String(id) }]);

/**
 * Verified sync (issue 12, item 4), PostgreSQL → MariaDB on a real worker: a job with `verify`
 * ends each run with a diff of the table it wrote. A clean copy shows drift 0; target rows
 * changed behind the job's back, which an incremental run does not touch, show as drift with
 * exact counts and keys, a warn line and one alert mail (de-duplicated); a clean verify ends the
 * incident; with verify off the run shows drift null.
 */
describe('verified sync (e2e)', () => {
  let api: ApiHarness;
  let sink: SmtpSink;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let source: Client;
  let target: MysqlConnection;
  let worker: WorkerProcess | undefined;
  let admin: string;
  let operator: string;
  let srcId: string;
  let dstId: string;
  let jobId: string;
  const auth = () => ({ Authorization: `Bearer ${operator}` });
  const runToEnd = () => runJobToEnd(api, operator, jobId, { context: () => worker?.output() ?? '' });
  const logsOf = async (runId: string) => (await request(api.http).get(`/api/runs/${runId}/logs?limit=200`).set(auth()).expect(200)).body.items as Log[];
  const waitForLog = (runId: string, pattern: RegExp) =>
    waitFor(async () => (await logsOf(runId)).find((l) => pattern.test(l.message)), 30_000, `a log line ${pattern} on run ${runId} (worker said: ${(worker?.output() ?? '').slice(-800)})`);

  beforeAll(async () => {
    sink = await startSmtpSink();
    api = await startApi();
    admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    pg = await createPostgresDatabase('dbferry_verify_src');
    maria = await createMysqlDatabase('dbferry_verify_dst');
    source = new Client({ connectionString: pg.url });
    await source.connect();
    // 500 rows one second apart; the job copies ids up to 450 (its filter).
    await source.query(`
      CREATE TABLE orders (id bigint PRIMARY KEY, updated_at timestamp(6) NOT NULL, amount numeric(12,2) NOT NULL, note text, doc jsonb);
      INSERT INTO orders
      SELECT g, timestamp '2025-06-01 00:00:00.000001' + g * interval '1 second', g * 1.25, CASE WHEN g % 7 = 0 THEN NULL ELSE 'order ' || g END,
             jsonb_build_object('n', g, 'tags', jsonb_build_array('a', g % 3))
        FROM generate_series(1, 500) g;`);
    target = await createConnection(maria.url);
    worker = await spawnWorker({ WORKER_CONCURRENCY: '2', LOG_LEVEL: 'warn' });
    await worker.ready();
    const make = async (body: object) => (await request(api.http).post('/api/connections').set('Authorization', `Bearer ${admin}`).send(body).expect(201)).body.id as string;
    srcId = await make({ name: 'pg', dialect: 'postgres', host: '127.0.0.1', port: Number(new URL(pg.url).port), database: pg.name, username: 'postgres' });
    dstId = await make({ name: 'maria', dialect: 'mysql', host: '127.0.0.1', port: Number(new URL(maria.url).port), database: maria.name, username: 'root' });
    await request(api.http)
      .put('/api/alerts/settings')
      .set('Authorization', `Bearer ${admin}`)
      .send({ host: '127.0.0.1', port: sink.port, secure: false, from: 'dbferry@example.com', recipients: ['ops@example.com'], dedupeWindowSeconds: 900, enabled: true })
      .expect(200);
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await source?.end();
    await target?.end();
    await api?.close();
    await sink?.close();
    await pg?.drop();
    await maria?.drop();
  }, 60_000);

  it('verifies a clean copy: drift 0 on the run and its table, a log line, no mail', async () => {
    const created = await request(api.http)
      .post('/api/jobs')
      .set(auth())
      .send({
        name: 'orders verified', sourceId: srcId, targetId: dstId, mode: 'incremental', writeMode: 'upsert', verify: true, chunkRows: 200, batchSize: 100,
        tables: [{ source: 'public.orders', where: 'id <= 450', incrementalColumn: 'updated_at' }],
      })
      .expect(201);
    expect(created.body.verify).toBe(true);
    jobId = created.body.id;
    expect((await request(api.http).get(`/api/jobs/${jobId}`).set(auth()).expect(200)).body.verify).toBe(true);

    const run = await runToEnd();
    expect(run).toMatchObject({ status: 'succeeded', rowsWritten: 450, drift: 0, verifyError: null, diffId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(run.tables[0]).toMatchObject({ drift: 0, driftDetail: { missing: 0, extra: 0, different: 0, samples: [] }, verifyError: null });
    const logs = await logsOf(run.id);
    expect(logs.find((l) => l.message === 'verify: no drift, the target matches the source (450 row(s) compared)')).toMatchObject({ level: 'info', table: 'public.orders' });
    expect(logs.filter((l) => /alert/.test(l.message))).toEqual([]);
    expect(sink.mails).toHaveLength(0);
  }, 120_000);

  it('reports target rows changed behind the job (untouched by the incremental run) with exact counts and keys, a warn line and one alert mail', async () => {
    // On the target only: 3 rows changed (one column each), 2 deleted, a row the filter excludes and one the source never had.
    await target.query('UPDATE orders SET amount = amount + 0.01 WHERE id = 10');
    await target.query("UPDATE orders SET note = 'edited' WHERE id = 11");
    await target.query(`UPDATE orders SET doc = '{"n": 12, "tags": ["a", 9]}' WHERE id = 12`);
    await target.query('DELETE FROM orders WHERE id IN (20, 21)');
    await target.query("INSERT INTO orders (id, updated_at, amount, note) VALUES (460, '2025-06-01 00:07:40.000001', 575.00, 'order 460'), (9000, '2025-06-01 00:00:00', 1.00, 'stray')");
    const before = sink.mails.length;

    const run = await runToEnd();
    // The incremental run re-read only the watermark's row (id 450): the copy succeeded and repaired nothing.
    expect(run).toMatchObject({ status: 'succeeded', drift: 7, verifyError: null });
    expect(Number(run.rowsWritten)).toBeLessThan(10);
    const table = run.tables[0];
    expect(table).toMatchObject({ drift: 7, driftDetail: { missing: 2, extra: 2, different: 3 }, verifyError: null });
    const samples = table.driftDetail!.samples;
    // Keys in the lossless JSON of the key codec (a bigint as {"$int": "…"}), as rejects show them.
    const ids = (kind: string) => samples.filter((s) => s.kind === kind).map((s) => Number((s.key[0] as { $int: string }).$int)).sort((a, b) => a - b);
    expect(ids('missing')).toEqual([20, 21]);
    expect(ids('extra')).toEqual([460, 9000]);
    expect(ids('different')).toEqual([10, 11, 12]);
    expect(Object.fromEntries(samples.filter((s) => s.kind === 'different').map((s) => [JSON.stringify(s.key), s.columns]))).toEqual({
      [key(10)]: ['amount'],
      [key(11)]: ['note'],
      [key(12)]: ['doc'],
    });

    // The verify is stored as a finished diff (trigger 'run') holding every differing key, linked from the run.
    expect(run.diffId).toMatch(/^[0-9a-f-]{36}$/);
    const diff = (await request(api.http).get(`/api/diffs/${run.diffId}`).set(auth()).expect(200)).body;
    expect(diff).toMatchObject({ status: 'succeeded' });
    expect(diff.tables).toHaveLength(1);
    expect(diff.tables[0]).toMatchObject({ table: 'public.orders', rowsCompared: 450, missing: { [dstId]: 2 }, extra: { [dstId]: 2 }, different: { [dstId]: 3 } });
    const extraRows = (await request(api.http).get(`/api/diffs/${run.diffId}/rows?connectionId=${dstId}&kind=extra`).set(auth()).expect(200)).body;
    expect(extraRows.items.map((r: { key: unknown[] }) => JSON.stringify(r.key)).sort()).toEqual([key(460), key(9000)]);

    const line = await waitForLog(run.id, /^verify: drift of 7 row\(s\)/);
    expect(line).toMatchObject({ level: 'warn', table: 'public.orders' });
    expect(line.message).toContain('2 missing, 2 extra, 3 different (450 source row(s) compared)');
    expect(line.message).toContain(`missing e.g. ${key(20)}, ${key(21)}`);
    expect(line.message).toContain(`${key(10)} (amount)`);

    await waitForLog(run.id, /^drift alert mailed to 1 recipient\(s\)$/);
    expect(sink.mails).toHaveLength(before + 1);
    const { headers, body } = readableMail(sink.mails[before].raw);
    expect(headers).toContain('Subject: [dbferry] drift found after a run: orders verified');
    expect(body).toContain(`Run: ${run.id}`);
    expect(body).toContain('public.orders');
    expect(body).toContain('2 missing, 2 extra, 3 different');
    expect(body).toContain('Drift: 7');

    // The worker's metrics: one clean and one drifted table verified so far, the drift by kind.
    const metrics = await (await fetch(`http://127.0.0.1:${worker!.port}/metrics`)).text();
    expect(metrics).toMatch(/dbferry_verify_drift_rows_total\{kind="missing"\} 2\n/);
    expect(metrics).toMatch(/dbferry_verify_drift_rows_total\{kind="extra"\} 2\n/);
    expect(metrics).toMatch(/dbferry_verify_drift_rows_total\{kind="different"\} 3\n/);
    expect(metrics).toMatch(/dbferry_verify_duration_seconds_count\{outcome="clean"\} 1\n/);
    expect(metrics).toMatch(/dbferry_verify_duration_seconds_count\{outcome="drift"\} 1\n/);
  }, 120_000);

  it('holds back the same drift within the window, and a clean verify ends the incident', async () => {
    const before = sink.mails.length;
    const again = await runToEnd();
    expect(again).toMatchObject({ status: 'succeeded', drift: 7 });
    await waitForLog(again.id, /^alert mail held back: this job's drift was already mailed within the last 900 s$/);
    expect(sink.mails).toHaveLength(before);

    // Repaired by hand: the verify is clean again (drift 0), which closes the incident.
    await target.query('DELETE FROM orders WHERE id IN (10, 11, 12, 460, 9000)');
    await source.query('UPDATE orders SET updated_at = updated_at + interval \'1 hour\' WHERE id IN (10, 11, 12, 20, 21)');
    const clean = await runToEnd();
    expect(clean).toMatchObject({ status: 'succeeded', drift: 0 });
    expect(clean.tables[0].driftDetail).toMatchObject({ missing: 0, extra: 0, different: 0 });

    // New drift is mailed at once, window or not.
    await target.query('DELETE FROM orders WHERE id = 30');
    const drifted = await runToEnd();
    expect(drifted).toMatchObject({ status: 'succeeded', drift: 1 });
    expect(drifted.tables[0].driftDetail).toMatchObject({ missing: 1, extra: 0, different: 0, samples: [{ kind: 'missing', key: [{ $int: '30' }] }] });
    await waitForLog(drifted.id, /^drift alert mailed to 1 recipient\(s\)$/);
    expect(sink.mails).toHaveLength(before + 1);
  }, 180_000);

  it('shows drift null and runs no diff when verify is off', async () => {
    const patched = await request(api.http).patch(`/api/jobs/${jobId}`).set(auth()).send({ verify: false }).expect(200);
    expect(patched.body.verify).toBe(false);
    const run = await runToEnd();
    expect(run).toMatchObject({ status: 'succeeded', drift: null, verifyError: null, diffId: null });
    expect(run.tables[0]).toMatchObject({ drift: null, driftDetail: null, verifyError: null });
    expect((await logsOf(run.id)).filter((l) => l.message.startsWith('verify'))).toEqual([]);
  }, 120_000);

  it('says so when a table cannot be verified: verifyError on the run and the table, an error line and a mail, the copy still succeeded', async () => {
    await source.query("CREATE TABLE events (at timestamp NOT NULL, msg text); INSERT INTO events SELECT timestamp '2025-01-01' + g * interval '1 minute', 'e' || g FROM generate_series(1, 40) g");
    const created = await request(api.http)
      .post('/api/jobs')
      .set(auth())
      .send({ name: 'events verified', sourceId: srcId, targetId: dstId, mode: 'full', writeMode: 'replace', verify: true, tables: [{ source: 'public.events' }] })
      .expect(201);
    const before = sink.mails.length;
    const run = await runJobToEnd(api, operator, created.body.id, { context: () => worker?.output() ?? '' });
    expect(run).toMatchObject({ status: 'succeeded', rowsWritten: 40, drift: null, verifyError: expect.stringContaining('public.events: no usable key') });
    expect(run.tables[0]).toMatchObject({ status: 'succeeded', drift: null, driftDetail: null, verifyError: expect.stringMatching(/^no usable key/) });
    const line = await waitForLog(run.id, /^verify failed: no usable key/);
    expect(line).toMatchObject({ level: 'error', table: 'public.events' });
    await waitForLog(run.id, /^drift alert mailed to 1 recipient\(s\)$/);
    expect(sink.mails).toHaveLength(before + 1);
    const { headers, body } = readableMail(sink.mails[before].raw);
    expect(headers).toContain('Subject: [dbferry] drift found after a run: events verified');
    expect(body).toContain('The verify could not finish');
    expect(body).toContain('Drift: not verified');
  }, 120_000);

  it('verifies a run as it was planned when verify is turned off mid-run; the next run is not verified', async () => {
    // Analysed and small: plan-run reads the catalogue only and plans one chunk, which then waits on the test's lock.
    await source.query("CREATE TABLE stock (sku int PRIMARY KEY, qty int NOT NULL); INSERT INTO stock SELECT g, g % 17 FROM generate_series(1, 60) g; ANALYZE stock");
    const job = (await request(api.http)
      .post('/api/jobs')
      .set(auth())
      .send({ name: 'stock verified', sourceId: srcId, targetId: dstId, mode: 'full', writeMode: 'upsert', verify: true, tables: [{ source: 'public.stock' }] })
      .expect(201)).body as { id: string };
    const lock = new Client({ connectionString: pg.url });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE stock IN ACCESS EXCLUSIVE MODE');
    const { runId } = (await request(api.http).post(`/api/jobs/${job.id}/run`).set(auth()).expect(202)).body as { runId: string };
    try {
      await waitFor(async () => {
        const run = (await request(api.http).get(`/api/runs/${runId}`).set(auth()).expect(200)).body;
        if (run.status !== 'running' || run.tables?.[0]?.chunksTotal !== 1) return false;
        const [waiting] = (await source.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [pg.name])).rows;
        return waiting.n > 0;
      }, 60_000, 'the run planned and its chunk held by the lock');
      await request(api.http).patch(`/api/jobs/${job.id}`).set(auth()).send({ verify: false }).expect(200);
    } finally {
      await lock.query('COMMIT');
      await lock.end();
    }
    const held = await waitFor(async () => {
      const run = (await request(api.http).get(`/api/runs/${runId}`).set(auth()).expect(200)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(run.status) && run;
    }, 60_000, `run ${runId} to end`);
    expect(held).toMatchObject({ status: 'succeeded', rowsWritten: 60, drift: 0, verifyError: null });
    const next = await runJobToEnd(api, operator, job.id, { context: () => worker?.output() ?? '' });
    expect(next).toMatchObject({ status: 'succeeded', drift: null, diffId: null });
  }, 120_000);

  it('refuses a verify that is not a boolean, naming the field', async () => {
    const res = await request(api.http).patch(`/api/jobs/${jobId}`).set(auth()).send({ verify: 'yes' }).expect(400);
    expect(JSON.stringify(res.body)).toContain('verify');
  });
});
