import request from 'supertest';
import { Client } from 'pg';
import { createPostgresDatabase, EphemeralDatabase, spawnWorker, waitFor, WorkerProcess } from '@dbferry/testing';
import { ApiHarness, runJobToEnd, startApi } from './harness';

/**
 * Issue 10 item 1: a run executes the plan snapshot plan-run stored, never the live job. Each
 * run is held mid-way deterministically by an ACCESS EXCLUSIVE lock the test holds on the source
 * table. `items` has no row estimate (never analysed), so plan-run, having read the job, waits
 * on counting its rows: the job is edited then, and the chunks all start after the edit. `wide`
 * is analysed (one chunk, plan-run reads only the catalogue), so its planned chunk waits on its
 * first read while the test drops a column.
 */
describe('a run executes its stored snapshot (e2e)', () => {
  let api: ApiHarness;
  let operator: string;
  let source: EphemeralDatabase;
  let target: EphemeralDatabase;
  let src: Client;
  let dst: Client;
  let worker: WorkerProcess | undefined;
  let sourceId: string;
  let targetId: string;
  const auth = () => ({ Authorization: `Bearer ${operator}` });
  const context = () => worker?.output() ?? '';

  beforeAll(async () => {
    api = await startApi();
    const admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    source = await createPostgresDatabase('dbferry_snap_src');
    target = await createPostgresDatabase('dbferry_snap_dst');
    src = new Client({ connectionString: source.url });
    dst = new Client({ connectionString: target.url });
    await src.connect();
    await dst.connect();
    await src.query(`CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL);
                     INSERT INTO items SELECT g, 'l' || g FROM generate_series(1, 40) g;
                     CREATE TABLE wide (id bigint PRIMARY KEY, label text NOT NULL, note text);
                     INSERT INTO wide SELECT g, 'l' || g, 'n' || g FROM generate_series(1, 40) g;
                     ANALYZE wide`);
    await dst.query('CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL)');
    worker = await spawnWorker({ WORKER_CONCURRENCY: '2', LOG_LEVEL: 'warn' });
    await worker.ready();
    const make = async (name: string, db: EphemeralDatabase) =>
      (await request(api.http).post('/api/connections').set('Authorization', `Bearer ${admin}`).send({
        name, dialect: 'postgres', host: '127.0.0.1', port: Number(new URL(db.url).port), database: db.name, username: 'postgres',
      }).expect(201)).body.id as string;
    sourceId = await make('snap-source', source);
    targetId = await make('snap-target', target);
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await src?.end();
    await dst?.end();
    await api.close();
    await source.drop();
    await target.drop();
  }, 60_000);

  /**
   * Starts a run while the source table is locked; resolves once the run waits on that lock
   * (`planning`: plan-run counting the table's rows; `copying`: the planned chunk reading them).
   */
  async function startHeld(jobId: string, table: string, until: 'planning' | 'copying'): Promise<{ runId: string; release: (sql?: string) => Promise<void> }> {
    const lock = new Client({ connectionString: source.url });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    const { runId } = (await request(api.http).post(`/api/jobs/${jobId}/run`).set(auth()).expect(202)).body as { runId: string };
    await waitFor(async () => {
      const run = (await request(api.http).get(`/api/runs/${runId}`).set(auth()).expect(200)).body;
      expect(['queued', 'running']).toContain(run.status);
      const planned = run.tables?.length === 1 && run.tables[0].chunksTotal === 1;
      if (planned !== (until === 'copying')) return false;
      const [waiting] = (await src.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [source.name])).rows;
      return waiting.n > 0;
    }, 60_000, `the run held while ${until}`);
    return {
      runId,
      release: async (sql?: string) => {
        if (sql) await lock.query(sql);
        await lock.query('COMMIT');
        await lock.end();
      },
    };
  }

  const endOf = (runId: string) =>
    waitFor(async () => {
      const run = (await request(api.http).get(`/api/runs/${runId}`).set(auth()).expect(200)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(run.status) && run;
    }, 60_000, `run ${runId} to end`).catch((error: Error) => {
      throw new Error(`${error.message}\n${context().slice(-800)}`);
    });

  const targetIds = async () => (await dst.query('SELECT id FROM items ORDER BY id')).rows.map((r) => Number(r.id));
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('finishes with the filter and write mode it was planned with when the job is edited mid-run; the next run uses the new ones', async () => {
    const job = (await request(api.http).post('/api/jobs').set(auth()).send({
      name: 'snapshot edit', sourceId, targetId, mode: 'full', writeMode: 'insert', createTables: false,
      tables: [{ source: 'public.items', where: 'id <= 20' }],
    }).expect(201)).body;
    // A target row the source lacks: insert (replace-range) removes it, upsert leaves it.
    await dst.query("INSERT INTO items VALUES (1000, 'stale')");

    const held = await startHeld(job.id, 'items', 'planning');
    await request(api.http).patch(`/api/jobs/${job.id}`).set(auth()).send({ writeMode: 'upsert', tables: [{ source: 'public.items', where: 'id > 30' }] }).expect(200);
    // Still held: plan-run read the job before the edit, no chunk has started yet.
    expect((await request(api.http).get(`/api/runs/${held.runId}`).set(auth()).expect(200)).body).toMatchObject({ status: 'running', rowsRead: 0, tables: [] });
    await held.release();
    const first = await endOf(held.runId);
    expect(first).toMatchObject({ status: 'succeeded', rowsRead: 20, rowsWritten: 20, error: null });
    expect(await targetIds()).toEqual(range(1, 20));

    await dst.query("INSERT INTO items VALUES (1000, 'stale')");
    const second = await runJobToEnd(api, operator, job.id, { context });
    expect(second).toMatchObject({ status: 'succeeded', rowsRead: 10, rowsWritten: 10 });
    expect(await targetIds()).toEqual([...range(1, 20), ...range(31, 40), 1000]);
  }, 120_000);

  it('fails the chunk on its first attempt, naming the column, when the source drops a column the snapshot names', async () => {
    const job = (await request(api.http).post('/api/jobs').set(auth()).send({
      name: 'snapshot drop', sourceId, targetId, mode: 'full', writeMode: 'upsert', createTables: true,
      tables: [{ source: 'public.wide' }],
    }).expect(201)).body;
    const held = await startHeld(job.id, 'wide', 'copying');
    const dropped = Date.now();
    await held.release('ALTER TABLE wide DROP COLUMN note');
    const run = await endOf(held.runId);
    expect(Date.now() - dropped).toBeLessThan(15_000);
    expect(run).toMatchObject({ status: 'failed', error: '1 table(s) failed', rowsWritten: 0 });
    expect(run.tables[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('note') });
    const logs: string[] = (await request(api.http).get(`/api/runs/${held.runId}/logs`).set(auth()).expect(200)).body.items.map((l: { message: string }) => l.message);
    expect(logs).toContainEqual(expect.stringMatching(/^chunk 0 failed: .*note/));
    expect(logs.filter((l) => l.includes('will retry'))).toEqual([]);
  }, 120_000);
});
