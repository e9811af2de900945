import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { UnrecoverableError, Worker } from '@dbferry/queue';
import { QueueName, syncJobId } from '@dbferry/queue-contracts';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase, spawnWorker, waitFor, WorkerProcess } from '@dbferry/testing';
import { ApiHarness, saveConnection, startApi } from './harness';

/** 64 bytes: MariaDB takes it, PostgreSQL (63) cannot (issue 8, item 3). */
const LONG = `p_${'x'.repeat(58)}_end`;
const BIG_ROWS = 30_000;

interface RunBody {
  id: string;
  status: string;
  error: string | null;
  tables: { source: string; status: string; error: string | null; rowsWritten: number }[];
}

/**
 * One bad table never takes the system down: a table that cannot be planned fails alone, the
 * worker survives every such run, a stalled plan is given up, and cancel ends a run in any state.
 */
describe('one bad table never takes the system down (e2e)', () => {
  let api: ApiHarness;
  let operator: string;
  let maria: EphemeralDatabase;
  let pg: EphemeralDatabase;
  let worker: WorkerProcess | undefined;
  let srcId: string;
  let dstId: string;
  const auth = () => ({ Authorization: `Bearer ${operator}` });
  const workerOutput = () => worker?.output().slice(-3000) ?? '(no worker)';

  const mariaExec = async (...sql: string[]) => {
    const conn = await createConnection({ uri: maria.url, multipleStatements: true });
    try {
      for (const s of sql) await conn.query(s);
    } finally {
      await conn.end();
    }
  };
  const pgQuery = async (sql: string) => {
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  const storeQuery = async (sql: string, params: unknown[]) => {
    const client = new Client({ connectionString: api.db.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  const makeJob = async (name: string, tables: object[], extra: object = {}) =>
    (await request(api.http).post('/api/jobs').set(auth()).send({ name, sourceId: srcId, targetId: dstId, mode: 'full', writeMode: 'replace', tables, ...extra }).expect(201)).body.id as string;
  const trigger = async (jobId: string) => (await request(api.http).post(`/api/jobs/${jobId}/run`).set(auth()).expect(202)).body.runId as string;
  const getRun = async (runId: string) => (await request(api.http).get(`/api/runs/${runId}`).set(auth()).expect(200)).body as RunBody;
  const ended = (runId: string, timeoutMs = 90_000) =>
    waitFor(async () => {
      const run = await getRun(runId);
      return ['succeeded', 'failed', 'cancelled'].includes(run.status) && run;
    }, timeoutMs, `run ${runId} to end\n${workerOutput()}`);
  const logOf = async (runId: string) =>
    ((await request(api.http).get(`/api/runs/${runId}/logs?limit=500`).set(auth()).expect(200)).body.items as { message: string }[]).map((l) => l.message);
  /** A BullMQ worker of the test's own that takes the next sync job and never finishes it, as a worker that died would. */
  const takePlan = async (runId: string) => {
    const taker = new Worker(QueueName.Sync, null, { connection: { url: process.env.TEST_REDIS_URL }, prefix: api.env.QUEUE_PREFIX, autorun: false, lockDuration: 600_000 });
    const job = await taker.getNextJob('dead-worker');
    expect(job?.id).toBe(syncJobId.plan(runId));
    return { taker, job: job! };
  };

  beforeAll(async () => {
    api = await startApi();
    const admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    maria = await createMysqlDatabase('dbferry_bad_src');
    pg = await createPostgresDatabase('dbferry_bad_dst');
    await mariaExec(
      `CREATE TABLE \`${LONG}\` (id int PRIMARY KEY, v varchar(20))`,
      `INSERT INTO \`${LONG}\` VALUES (1, 'a'), (2, 'b')`,
      'CREATE TABLE p_normal (id int PRIMARY KEY, v varchar(20))',
      `INSERT INTO p_normal SELECT seq, concat('v', seq) FROM seq_1_to_500`,
      'CREATE TABLE gone (id int PRIMARY KEY)',
      'CREATE TABLE lostcol (id int PRIMARY KEY, v int)',
      'CREATE TABLE lostkey (id int, k int NOT NULL)',
      'CREATE TABLE big (id int PRIMARY KEY, v varchar(40))',
      `INSERT INTO big SELECT seq, repeat('b', 40) FROM seq_1_to_${BIG_ROWS}`,
    );
    srcId = await saveConnection(api, admin, 'maria-src', 'mysql', maria);
    dstId = await saveConnection(api, admin, 'pg-dst', 'postgres', pg);
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await maria?.drop();
    await pg?.drop();
  }, 60_000);

  describe('before any worker runs', () => {
    it('cancels a queued run at once, and the job can then be deleted', async () => {
      const jobId = await makeJob('queued then cancelled', [{ source: `${maria.name}.big` }]);
      const runId = await trigger(jobId);
      const res = await request(api.http).post(`/api/runs/${runId}/cancel`).set(auth()).expect(202);
      expect(res.body).toMatchObject({ status: 'cancelled', cancelRequested: true });
      await request(api.http).delete(`/api/jobs/${jobId}`).set(auth()).expect(204);
    });

    it('cancels a run whose plan is held by a worker that died, and the job can then be deleted', async () => {
      const jobId = await makeJob('stuck plan', [{ source: `${maria.name}.big` }]);
      const runId = await trigger(jobId);
      const { taker } = await takePlan(runId);
      try {
        // What plan-run's first step does before the worker running it dies.
        await storeQuery(`UPDATE run SET status = 'running', started_at = now() WHERE id = $1`, [runId]);
        expect((await getRun(runId)).status).toBe('running');
        const res = await request(api.http).post(`/api/runs/${runId}/cancel`).set(auth()).expect(202);
        expect(res.body.status).toBe('cancelled');
        await request(api.http).delete(`/api/jobs/${jobId}`).set(auth()).expect(204);
      } finally {
        await taker.close(true);
      }
    });
  });

  describe('with a worker', () => {
    let stalledRun: string;

    beforeAll(async () => {
      // A plan BullMQ failed for stalling (its worker died each time it took it): the run is still queued.
      const jobId = await makeJob('stalled plan', [{ source: `${maria.name}.p_normal`, target: 'public.stalled_copy' }], { createTables: true });
      stalledRun = await trigger(jobId);
      const { taker, job } = await takePlan(stalledRun);
      await job.moveToFailed(new UnrecoverableError('job stalled more than allowable limit'), 'dead-worker', false);
      await taker.close(true);
      worker = await spawnWorker({ WORKER_CONCURRENCY: '1', RECONCILE_INTERVAL: '1000', LOG_LEVEL: 'warn' });
      await worker.ready();
    }, 120_000);

    afterEach(() => expect(worker?.child.exitCode).toBeNull());

    it('gives up on a plan that stalled past its limit: the run fails with the reason and is not planned again', async () => {
      const run = await ended(stalledRun, 30_000);
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/stalled more than allowable limit/);
      expect(run.tables).toEqual([]);
      const log = await logOf(stalledRun);
      expect(log.some((l) => /^reconciler: the plan gave up in the queue \(job stalled more than allowable limit\)/.test(l))).toBe(true);
      expect(log.filter((l) => l.includes('enqueued it again'))).toEqual([]);
      expect(await pgQuery(`SELECT to_regclass('public.stalled_copy') AS t`)).toEqual([{ t: null }]);
    });

    it('previews a pattern job with a 64-byte table name as a 422 naming the table (never a 500)', async () => {
      const jobId = await makeJob('long names', [{ source: `${maria.name}.p_*` }], { createTables: true });
      const res = await request(api.http).post(`/api/jobs/${jobId}/preview`).set(auth());
      expect(res.status).toBe(422);
      expect(res.body.details).toEqual([{ field: 'tables[0].target', message: expect.stringContaining(`table ${maria.name}.${LONG}: the target cannot hold a name`) }]);
      expect(res.body.details[0].message).toMatch(/64 bytes long; PostgreSQL allows at most 63/);
    });

    it('runs that job: the long-named table fails with its reason, the other copies, the worker lives', async () => {
      const jobId = (await request(api.http).get('/api/jobs?limit=100').set(auth()).expect(200)).body.items.find((j: { name: string }) => j.name === 'long names').id;
      const run = await ended(await trigger(jobId));
      expect(run.status).toBe('failed');
      expect(run.error).toBe('1 table(s) failed');
      const byName = Object.fromEntries(run.tables.map((t) => [t.source, t]));
      expect(byName[`${maria.name}.p_normal`]).toMatchObject({ status: 'succeeded', rowsWritten: 500, error: null });
      expect(byName[`${maria.name}.${LONG}`]).toMatchObject({ status: 'failed', rowsWritten: 0, error: expect.stringMatching(/PostgreSQL allows at most 63 bytes/) });
      expect(await pgQuery('SELECT count(*)::int AS n FROM public.p_normal')).toEqual([{ n: 500 }]);
      expect((await logOf(run.id)).some((l) => l.startsWith(`not copied: tables[0].target: table ${maria.name}.${LONG}: the target cannot hold a name`))).toBe(true);
    });

    it('fails a missing table, a missing column and a missing key each with its reason, and the worker lives', async () => {
      const jobId = await makeJob(
        'vanished',
        [{ source: `${maria.name}.gone` }, { source: `${maria.name}.lostcol`, columns: ['id', 'v'] }, { source: `${maria.name}.lostkey`, keyColumns: ['k'] }],
        { createTables: true },
      );
      await mariaExec('DROP TABLE gone', 'ALTER TABLE lostcol DROP COLUMN v', 'ALTER TABLE lostkey DROP COLUMN k');
      const run = await ended(await trigger(jobId));
      expect(run.status).toBe('failed');
      // No table left to copy: the run's own error gives every table's reason.
      expect(run.error).toBe(
        `tables[0].source: table ${maria.name}.gone not found on the source; tables[1]: lostcol has no column v; tables[2]: lostkey has no column k`,
      );
      const errors = Object.fromEntries(run.tables.map((t) => [t.source, [t.status, t.error]]));
      expect(errors).toEqual({
        [`${maria.name}.gone`]: ['failed', `tables[0].source: table ${maria.name}.gone not found on the source`],
        [`${maria.name}.lostcol`]: ['failed', 'tables[1]: lostcol has no column v'],
        [`${maria.name}.lostkey`]: ['failed', 'tables[2]: lostkey has no column k'],
      });
    });

    it('cancels a running run at once; its log takes nothing after the cancel but the key built on the rows copied; the job can be deleted', async () => {
      const jobId = await makeJob('big copy', [{ source: `${maria.name}.big` }], { createTables: true, chunkRows: 1000, batchSize: 50 });
      const runId = await trigger(jobId);
      await waitFor(async () => {
        const run = await getRun(runId);
        return run.status === 'running' && run.tables.length > 0;
      }, 60_000, `run ${runId} to be copying\n${workerOutput()}`);
      const res = await request(api.http).post(`/api/runs/${runId}/cancel`).set(auth()).expect(202);
      expect(res.body.status).toBe('cancelled');
      const atCancel = await logOf(runId);
      expect(atCancel[atCancel.length - 1]).toMatch(/^run cancelled by /);
      // The table was created by the run and loaded without its key (deferred key build): the run's
      // close keys it on the rows copied so far and says so in one line. Nothing else is appended:
      // the chunk in flight finishes, no other chunk starts.
      const keyed = 'the table was not copied whole (cancelled): its primary key was built on the rows copied so far';
      await waitFor(async () => (await logOf(runId)).includes(keyed), 30_000, 'the closing line of the key build');
      await new Promise((r) => setTimeout(r, 3000));
      expect(await logOf(runId)).toEqual([...atCancel.filter((line) => line !== keyed), keyed]);
      expect(await pgQuery(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'public.big'::regclass AND contype = 'p'`)).toEqual([{ def: 'PRIMARY KEY (id)' }]);
      const after = await getRun(runId);
      expect(after.status).toBe('cancelled');
      expect(after.tables.every((t) => t.status === 'cancelled')).toBe(true);
      expect(Number((await pgQuery('SELECT count(*)::int AS n FROM public.big'))[0].n)).toBeLessThan(BIG_ROWS);
      await request(api.http).delete(`/api/jobs/${jobId}`).set(auth()).expect(204);
    });
  });
});
