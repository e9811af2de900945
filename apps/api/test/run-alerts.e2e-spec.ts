import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { JobProducer } from '@dbferry/queue';
import { JobName, syncJobId } from '@dbferry/queue-contracts';
import {
  createMysqlDatabase,
  createPostgresDatabase,
  EphemeralDatabase,
  freePort,
  readableMail,
  SmtpSink,
  spawnWorker,
  startSmtpSink,
  waitFor,
  WorkerProcess,
} from '@dbferry/testing';
import { ApiHarness, runJobToEnd, startApi } from './harness';

/** Secrets that must never reach a mailbox or a run log. */
const SMTP_CANARY = 'smtp-canary-Pw-71c3e9';
const CONN_CANARY = 'conn-canary-Pw-4b8d20';

describe('run alerts by mail (e2e)', () => {
  let api: ApiHarness;
  let sink: SmtpSink;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let worker: WorkerProcess | undefined;
  let admin: string;
  let srcId: string;
  let dstId: string;
  let itemsJobId: string;
  const auth = () => ({ Authorization: `Bearer ${admin}` });
  const workerOutput = () => worker?.output() ?? '';

  const settings = (port: number) => ({
    host: '127.0.0.1',
    port,
    secure: false,
    username: 'ferry-alerts',
    password: SMTP_CANARY,
    from: 'dbferry@example.com',
    recipients: ['ops@example.com', 'dba@example.com'],
    dedupeWindowSeconds: 900,
    enabled: true,
  });
  const pgQuery = async (sql: string) => {
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  /** The source table: `bad` rows break the target's CHECK (qty < 1000). */
  const makeItems = (bad: number) =>
    pgQuery(`
      DROP TABLE IF EXISTS items;
      CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL, note text);
      INSERT INTO items SELECT g, CASE WHEN g > 300 - ${bad} THEN 5000 + g ELSE g END, 'item ' || g FROM generate_series(1, 300) g;`);

  const runToEnd = (jobId: string) => runJobToEnd(api, admin, jobId, { context: workerOutput });
  const logsOf = async (runId: string) =>
    ((await request(api.http).get(`/api/runs/${runId}/logs?limit=100`).set(auth()).expect(200)).body.items as { level: string; message: string }[]);
  const waitForLog = (runId: string, pattern: RegExp) =>
    waitFor(async () => (await logsOf(runId)).find((l) => pattern.test(l.message)), 30_000, `a log line ${pattern} on run ${runId} (worker said: ${workerOutput().slice(-800)})`);
  /** The run's finish-run job has returned: whatever it would mail has been mailed. */
  const waitForFinish = (runId: string) =>
    waitFor(async () => (await api.app.get(JobProducer).getJobState(JobName.FinishRun, syncJobId.finish(runId))) === 'completed', 30_000, `finish-run of ${runId}`);
  const job = async (name: string, source: string) =>
    (await request(api.http).post('/api/jobs').set(auth()).send({
      name, sourceId: srcId, targetId: dstId, mode: 'full', writeMode: 'upsert', chunkRows: 100, tables: [{ source }],
    }).expect(201)).body.id as string;
  const expectNoSecret = (text: string) => {
    expect(text).not.toContain(SMTP_CANARY);
    expect(text).not.toContain(CONN_CANARY);
    expect(text).not.toContain(Buffer.from(SMTP_CANARY).toString('base64'));
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    api = await startApi();
    admin = await api.adminToken();
    pg = await createPostgresDatabase('dbferry_alert_src');
    maria = await createMysqlDatabase('dbferry_alert_dst');
    await makeItems(1);
    const target = await createConnection(maria.url);
    await target.query('CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL, note text, CONSTRAINT qty_small CHECK (qty < 1000))');
    await target.end();

    worker = await spawnWorker({ WORKER_CONCURRENCY: '2', LOG_LEVEL: 'warn' });
    await worker.ready();

    const make = async (body: object) => (await request(api.http).post('/api/connections').set(auth()).send(body).expect(201)).body.id as string;
    const pgUrl = new URL(pg.url);
    const mariaUrl = new URL(maria.url);
    // The local PostgreSQL trusts 127.0.0.1, so this password is carried but never checked.
    srcId = await make({ name: 'pg-source', dialect: 'postgres', host: '127.0.0.1', port: Number(pgUrl.port), database: pg.name, username: 'postgres', password: CONN_CANARY });
    dstId = await make({ name: 'maria-target', dialect: 'mysql', host: '127.0.0.1', port: Number(mariaUrl.port), database: maria.name, username: 'root' });
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await sink?.close();
    await pg?.drop();
    await maria?.drop();
  }, 60_000);

  it('logs a failed send in the run log and the worker log, settles the run anyway, and mails on the next failure', async () => {
    await request(api.http).put('/api/alerts/settings').set(auth()).send(settings(await freePort())).expect(200);
    // A job is refused at save on a table its source lacks, so the table goes after the save.
    await pgQuery('CREATE TABLE ghost (id int PRIMARY KEY)');
    const ghost = await job('ghost', 'public.ghost');
    await pgQuery('DROP TABLE ghost');
    const first = await runToEnd(ghost);
    expect(first).toMatchObject({ status: 'failed', error: expect.stringMatching(/public\.ghost not found/) });
    const line = await waitForLog(first.id, /^alert mail not sent: /);
    expect(line.level).toBe('warn');
    expect(line.message).toMatch(/could not reach an SMTP server/);
    expectNoSecret(JSON.stringify(await logsOf(first.id)));
    await waitFor(async () => workerOutput().includes(`run ${first.id}: alert mail not sent`), 10_000, 'the worker log line');
    expectNoSecret(workerOutput());
    expect(sink.mails).toHaveLength(0);

    // The failed send did not use up the window: the next failure, well within it, is mailed.
    await request(api.http).put('/api/alerts/settings').set(auth()).send(settings(sink.port)).expect(200);
    const second = await runToEnd(ghost);
    expect(second.status).toBe('failed');
    await waitForLog(second.id, /^failure alert mailed to 2 recipient\(s\)$/);
    expect(sink.mails).toHaveLength(1);
    const { headers, body } = readableMail(sink.mails[0].raw);
    expect(headers).toContain('Subject: [dbferry] run failed: ghost');
    expect(body).toContain(`Run: ${second.id}`);
    expect(body).toContain(second.error);
    expect(sink.logins.at(-1)).toEqual({ username: 'ferry-alerts', password: SMTP_CANARY });
    expectNoSecret(sink.mails[0].raw);
  }, 120_000);

  it('mails a failed run once, naming the job, the run, its error and the failing rows, without a password', async () => {
    itemsJobId = await job('items to maria', 'public.items');
    const before = sink.mails.length;
    const run = await runToEnd(itemsJobId);
    expect(run.status).toBe('failed');
    const table = run.tables.find((t) => t.source === 'public.items')!;
    expect(table.status).toBe('failed');
    await waitForLog(run.id, /^failure alert mailed to 2 recipient\(s\)$/);
    expect(sink.mails).toHaveLength(before + 1);

    const mail = sink.mails[before];
    expect([...mail.to].sort()).toEqual(['dba@example.com', 'ops@example.com']);
    const { headers, body } = readableMail(mail.raw);
    expect(headers).toContain('Subject: [dbferry] run failed: items to maria');
    expect(body).toContain(`Run: ${run.id}`);
    expect(body).toContain(run.error);
    expect(body).toContain('Status: failed');
    expect(body).toContain(table.error!.replace(/\s+/g, ' ').slice(0, 120));
    // The target's own words for the refused row, whether it failed a chunk or was set aside as a reject.
    expect(body).toMatch(/(chunk \d+|rejected row \[300\]): .*CONSTRAINT `qty_small` failed/);
    expectNoSecret(mail.raw);
  }, 120_000);

  it('holds back a second failure of the same job within the window', async () => {
    await pgQuery('DROP TABLE items');
    const before = sink.mails.length;
    const run = await runToEnd(itemsJobId);
    expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(/public\.items not found/) });
    await waitForLog(run.id, /^alert mail held back: this job's failure was already mailed within the last 900 s$/);
    expect(sink.mails).toHaveLength(before);
  }, 120_000);

  it('mails one recovery when the job next succeeds, nothing for the success after, and a new failure at once', async () => {
    await makeItems(0);
    const before = sink.mails.length;
    const recovered = await runToEnd(itemsJobId);
    expect(recovered.status).toBe('succeeded');
    await waitForLog(recovered.id, /^recovery alert mailed to 2 recipient\(s\)$/);
    expect(sink.mails).toHaveLength(before + 1);
    const { headers, body } = readableMail(sink.mails[before].raw);
    expect(headers).toContain('Subject: [dbferry] run recovered: items to maria');
    expect(body).toContain(`Run: ${recovered.id}`);
    expect(body).toContain('Status: succeeded');
    expectNoSecret(sink.mails[before].raw);

    const again = await runToEnd(itemsJobId);
    expect(again.status).toBe('succeeded');
    await waitForFinish(again.id);
    expect(sink.mails).toHaveLength(before + 1);
    expect((await logsOf(again.id)).map((l) => l.message).filter((m) => /alert/.test(m))).toEqual([]);

    // The recovery closed the incident: a failure now is news, window or not.
    await makeItems(2);
    const failedAgain = await runToEnd(itemsJobId);
    expect(failedAgain.status).toBe('failed');
    await waitForLog(failedAgain.id, /^failure alert mailed to 2 recipient\(s\)$/);
    expect(sink.mails).toHaveLength(before + 2);
  }, 180_000);
});
