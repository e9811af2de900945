import { Client } from 'pg';
import { waitFor, type WorkerProcess } from '@dbferry/testing';
import { expectSameTable, FAST_STALLS, FaultRig } from './fault-rig';

const ROWS = 60_000;
const WORKER_ENV = { WORKER_CONCURRENCY: '2', FAULTS_ENABLED: 'true', ...FAST_STALLS };

/**
 * PG→PG into a table the run creates, whose primary key is built after the load (docs/sync-jobs.md):
 * the re-plan of a run whose worker died between creating the bare table and storing its chunks,
 * a duplicate key met at finish, and a table retried whole.
 */
describe('the deferred primary key (e2e)', () => {
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await FaultRig.start('dbferry_defer', { FAULTS_ENABLED: 'true' });
    for (const name of ['replanned', 'abandoned', 'dupes', 'retried', 'capped', 'cancelled_in_plan']) {
      await rig.source(`CREATE TABLE ${name} (id bigint PRIMARY KEY, kind int NOT NULL, note text)`);
      await rig.source(`INSERT INTO ${name} SELECT g, g % 11, md5(g::text) FROM generate_series(1, ${ROWS}) g`);
    }
  }, 180_000);

  afterEach(async () => {
    await rig.stopWorkers();
  }, 30_000);

  afterAll(async () => {
    await rig?.close();
  }, 60_000);

  /** The primary key of a table of the PostgreSQL target, as pg_constraint has it (none: []). */
  const targetKey = async (table: string) =>
    (await rig.pgTargetQuery<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'public.${table}'::regclass AND contype = 'p'`)).map((r) => r.def);
  const targetExists = async (table: string) => (await rig.pgTargetQuery<{ t: string | null }>(`SELECT to_regclass('public.${table}')::text AS t`))[0].t !== null;
  const sameAsSource = (table: string, rows: number) =>
    expectSameTable(
      { dialect: 'postgres', url: rig.pg.url, table: { schema: 'public', name: table } },
      { dialect: 'postgres', url: rig.pgTarget.url, table: { schema: 'public', name: table } },
      rows,
    );

  /**
   * Holds the source table locked, so a plan stops at its first read of the rows (the split),
   * after it has created the target table: the point between the CREATE TABLE and the stored chunks.
   */
  const lockSource = async (table: string) => {
    const client = new Client({ connectionString: rig.pg.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query(`LOCK TABLE public.${table} IN ACCESS EXCLUSIVE MODE`);
    return { release: async () => void (await client.query('ROLLBACK').finally(() => client.end())) };
  };

  /**
   * Starts a run of a new job over `table` on a worker of its own and waits until its plan has
   * created the bare target table and stopped at the locked source (its split); `there` acts at
   * that point, then the source is released. Returns the run's id.
   */
  const runHeldAtSplit = async (name: string, table: string, there: (runId: string, worker: WorkerProcess) => Promise<void>): Promise<string> => {
    const jobId = await rig.createJob({ name, sourceId: rig.sourceId, targetId: rig.pgTargetId, writeMode: 'insert', chunkRows: 10_000, tables: [{ source: `public.${table}` }] });
    const lock = await lockSource(table);
    try {
      const worker = await rig.spawnWorker(WORKER_ENV);
      const runId = await rig.startRun(jobId);
      await waitFor(() => targetExists(table), 60_000, 'the plan to create the target table');
      await there(runId, worker);
      return runId;
    } finally {
      await lock.release();
    }
  };
  /** The bare table ends keyed and empty, and the run's log says so with `line`. */
  const expectKeyedEmpty = async (table: string, runId: string, line: string) => {
    await waitFor(async () => (await targetKey(table)).length > 0, 120_000, `the key of the bare table ${table}`);
    expect(await targetKey(table)).toEqual(['PRIMARY KEY (id)']);
    const [held] = await rig.pgTargetQuery<{ rows: number }>(`SELECT count(*)::int AS rows FROM public.${table}`);
    expect(held.rows).toBe(0);
    await waitFor(async () => (await rig.logs(runId)).includes(line), 30_000, 'the closing log line');
  };
  const kill = async (_runId: string, worker: WorkerProcess) => {
    worker.child.kill('SIGKILL');
    await worker.exited;
  };

  it('a PostgreSQL target before 16 is loaded by at most two chunks of a table at once, whatever the worker\'s concurrency', async () => {
    const [{ version }] = await rig.pgTargetQuery<{ version: number }>(`SELECT current_setting('server_version_num')::int AS version`);
    const jobId = await rig.createJob({ name: 'capped', sourceId: rig.sourceId, targetId: rig.pgTargetId, writeMode: 'insert', chunkRows: 5_000, tables: [{ source: 'public.capped' }] });
    await rig.spawnWorker({ ...WORKER_ENV, WORKER_CONCURRENCY: '4' });
    const runId = await rig.startRun(jobId);
    const run = await rig.waitForEnd(runId, 180_000);
    expect(run).toMatchObject({ status: 'succeeded', error: null, rowsWritten: ROWS });
    const chunks = await rig.chunks(runId);
    expect(chunks.length).toBeGreaterThan(8);
    expect(chunks.map((c) => [c.status, c.attempts])).toEqual(chunks.map(() => ['done', 1]));
    // The most chunks that held a lease at one moment (a chunk waits for the table's slot before its lease).
    const at = (text: string) => Date.parse(text.replace(' ', 'T').replace(/\.(\d{3})\d*/, '.$1').replace(/([+-]\d\d)$/, '$1:00'));
    const edges = chunks.flatMap((c) => [
      { t: at(c.startedAt as string), d: 1 },
      { t: at(c.finishedAt as string), d: -1 },
    ]);
    edges.sort((a, b) => a.t - b.t || a.d - b.d);
    let now = 0;
    let most = 0;
    for (const e of edges) most = Math.max(most, (now += e.d));
    if (version < 160000) expect(most).toBe(2);
    else expect(most).toBeGreaterThanOrEqual(2);
    expect(await targetKey('capped')).toEqual(['PRIMARY KEY (id)']);
    await sameAsSource('capped', ROWS);
  }, 240_000);

  it('a worker killed between creating the bare table and storing the chunks: the re-plan knows the table as its own, loads it bare and keys it', async () => {
    const runId = await runHeldAtSplit('killed in plan', 'replanned', kill);
    // Nothing was stored: the plan died before its chunks.
    expect(await rig.chunks(runId)).toEqual([]);
    expect(await targetKey('replanned')).toEqual([]);

    await rig.spawnWorker(WORKER_ENV);
    const run = await rig.waitForEnd(runId, 180_000);
    expect(run).toMatchObject({ status: 'succeeded', error: null, rowsWritten: ROWS });
    expect(await targetKey('replanned')).toEqual(['PRIMARY KEY (id)']);
    const logs = await rig.logs(runId);
    expect(logs).toContain('public.replanned was created without its primary key by an earlier attempt of this plan, cut short: its key is still built after the load');
    expect(logs).toContain(`primary key built after the load; the table holds the ${ROWS} row(s) written`);
    // Loaded bare: every chunk's single attempt inserted into its empty range.
    const chunks = await rig.chunks(runId);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((c) => [c.status, c.attempts])).toEqual(chunks.map(() => ['done', 1]));
    await sameAsSource('replanned', ROWS);
  }, 300_000);

  it('a worker killed in the plan, then the run cancelled: the plan taken again keys the empty bare table and says so', async () => {
    const runId = await runHeldAtSplit('killed in plan, cancelled', 'abandoned', kill);
    await rig.cancel(runId);
    expect((await rig.run(runId)).status).toBe('cancelled');
    expect(await targetKey('abandoned')).toEqual([]);
    // The stalled plan is taken again by the next worker: the run has ended, only the key is built.
    await rig.spawnWorker(WORKER_ENV);
    await expectKeyedEmpty('abandoned', runId, 'public.abandoned was created without its primary key by this run, which ended before loading it: keyed now, empty');
    expect(await rig.chunks(runId)).toEqual([]);
    expect((await rig.run(runId)).status).toBe('cancelled');
  }, 300_000);

  it('a run cancelled while its plan runs: the plan stores its tables cancelled, no chunk starts, and the bare table is keyed empty', async () => {
    const runId = await runHeldAtSplit('cancelled in plan', 'cancelled_in_plan', (id) => rig.cancel(id));
    // The plan carries on, stores the table and its chunks, and the run's finish keys the table.
    await expectKeyedEmpty('cancelled_in_plan', runId, 'the table was not copied whole (cancelled): its primary key was built on the rows copied so far');
    const chunks = await rig.waitForChunks(runId, (c) => c.length > 0, 'the chunks the plan stored');
    expect(chunks.map((c) => [c.status, c.attempts])).toEqual(chunks.map(() => ['pending', 0]));
    const run = await rig.run(runId);
    expect(run.status).toBe('cancelled');
    expect(run.tables.map((t) => t.status)).toEqual(['cancelled']);
  }, 300_000);

  it('a duplicate key in the loaded table fails the run at finish, naming the table and the key, and the log says what the table holds', async () => {
    // A writer of its own puts a row into the keyless table, whose key the source also has.
    const runId = await runHeldAtSplit('duplicate at finish', 'dupes', () => rig.pgTargetQuery(`INSERT INTO public.dupes (id, kind, note) VALUES (7, 0, 'not from the source')`).then(() => undefined));
    const run = await rig.waitForEnd(runId, 180_000);
    expect(run).toMatchObject({ status: 'failed', error: '1 table(s) failed', rowsWritten: ROWS });
    const [table] = (run as unknown as { tables: { status: string; error: string }[] }).tables;
    expect(table.status).toBe('failed');
    expect(table.error).toMatch(/^the primary key \(id\) of public\.dupes could not be built after the load, the table is left without it: .*\(Key \(id\)=\(7\) is duplicated\.\)/);
    const logs = await rig.logs(runId);
    expect(logs).toContainEqual(
      expect.stringMatching(
        new RegExp(`^primary key not built: the primary key \\(id\\) of public\\.dupes .*; the table holds ${ROWS + 1} row\\(s\\), ${ROWS} of them written by this run, and has no key until it is built: ALTER TABLE "public"\\."dupes" ADD PRIMARY KEY \\("id"\\)$`),
      ),
    );
    expect(logs).toContain('run failed');
    expect(await targetKey('dupes')).toEqual([]);
    const [held] = await rig.pgTargetQuery<{ rows: number; keys: number }>('SELECT count(*)::int AS rows, count(DISTINCT id)::int AS keys FROM public.dupes');
    expect(held).toEqual({ rows: ROWS + 1, keys: ROWS });
  }, 300_000);

  it('a table in one chunk whose writes fail twice is retried whole: its retries replace the range and it ends keyed and exact', async () => {
    // One chunk for the whole table (one worker slot, chunkRows above the rows).
    const jobId = await rig.createJob({ name: 'retried whole', sourceId: rig.sourceId, targetId: rig.pgTargetId, writeMode: 'insert', chunkRows: ROWS * 2, tables: [{ source: 'public.retried' }] });
    const lock = await lockSource('retried');
    let runId: string;
    try {
      await rig.spawnWorker({ ...WORKER_ENV, WORKER_CONCURRENCY: '1' });
      runId = await rig.startRun(jobId);
      await waitFor(() => targetExists('retried'), 60_000, 'the plan to create the target table');
      // The plan has run its DDL: the next two writes on the target are the chunk's (its first
      // attempt's insert, then its retry's range delete).
      await rig.fault({ connectionId: rig.pgTargetId, operation: 'write', count: 2 });
    } finally {
      await lock.release();
    }
    const run = await rig.waitForEnd(runId, 180_000);
    expect(run).toMatchObject({ status: 'succeeded', error: null, rowsWritten: ROWS });
    const chunks = await rig.chunks(runId);
    expect(chunks.map((c) => [c.status, c.attempts, c.rowsWritten])).toEqual([['done', 3, ROWS]]);
    const logs = await rig.logs(runId);
    expect(logs.filter((m) => /injected fault .* \(write\)/.test(m)).length).toBeGreaterThanOrEqual(1);
    expect(logs).toContain(`primary key built after the load; the table holds the ${ROWS} row(s) written`);
    expect(await targetKey('retried')).toEqual(['PRIMARY KEY (id)']);
    await sameAsSource('retried', ROWS);
  }, 300_000);
});
