import { countBy, expectSameTable, FAST_STALLS, FaultRig, Side } from './fault-rig';

const ROWS = 400_000;
const BIG = 1_000_000;

/** SIGTERM: the worker stops taking jobs, finishes or checkpoints the ones it runs, and exits in time. */
describe('a worker stopped with SIGTERM mid-run (e2e)', () => {
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await FaultRig.start('dbferry_term');
    await rig.source(`CREATE TABLE events (id bigint PRIMARY KEY, kind int NOT NULL, note text)`);
    await rig.source(`INSERT INTO events SELECT g, g % 13, 'note ' || g FROM generate_series(1, ${ROWS}) g`);
    await rig.source(`CREATE TABLE big (id bigint PRIMARY KEY, kind int NOT NULL, note text)`);
    await rig.source(`INSERT INTO big SELECT g, g % 11, md5(g::text) FROM generate_series(1, ${BIG}) g`);
  }, 180_000);

  afterEach(async () => {
    await rig.stopWorkers();
  }, 30_000);

  afterAll(async () => {
    await rig?.close();
  }, 60_000);

  const sameAsSource = (source: string, target: Side, rows: number) =>
    expectSameTable({ dialect: 'postgres', url: rig.pg.url, table: { schema: 'public', name: source } }, target, rows);

  it('drains: the chunks it was copying are finished and checkpointed, then a new worker does the rest', async () => {
    const jobId = await rig.createJob({
      name: 'drained', sourceId: rig.sourceId, targetId: rig.targetId, chunkRows: 40_000, batchSize: 5000,
      tables: [{ source: 'public.events', target: `${rig.maria.name}.drained` }],
    });
    const timeoutMs = 60_000;
    const worker = await rig.spawnWorker({ WORKER_CONCURRENCY: '2', WORKER_SHUTDOWN_TIMEOUT: String(timeoutMs), ...FAST_STALLS });
    const runId = await rig.startRun(jobId);
    await rig.waitForChunks(runId, (c) => countBy(c, 'done') >= 2 && countBy(c, 'running') > 0 && countBy(c, 'pending') > 2, 'chunks under way');

    const sent = Date.now();
    worker.child.kill('SIGTERM');
    const atTerm = await rig.chunks(runId);
    const exit = await worker.exited;
    const tookMs = Date.now() - sent;
    // Nest re-raises the signal once its shutdown hooks are done; the backstop would exit 1.
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(tookMs).toBeLessThan(timeoutMs);

    // Every chunk it held is checkpointed as done; it took no new one while draining.
    const atExit = await rig.chunks(runId);
    const held = atTerm.filter((c) => c.status === 'running');
    expect(held.length).toBeGreaterThan(0);
    for (const chunk of held) expect(atExit.find((c) => c.id === chunk.id)).toMatchObject({ status: 'done', attempts: 1 });
    expect(countBy(atExit, 'running')).toBe(0);
    expect(countBy(atExit, 'pending')).toBeGreaterThan(0);

    await rig.spawnWorker({ WORKER_CONCURRENCY: '2', ...FAST_STALLS });
    const run = await rig.waitForEnd(runId, 180_000);
    expect(run).toMatchObject({ status: 'succeeded', error: null, rowsWritten: ROWS });
    const after = await rig.chunks(runId);
    expect(after.map((c) => [c.ordinal, c.status, c.attempts])).toEqual(after.map((c) => [c.ordinal, 'done', 1]));
    await sameAsSource('events', { dialect: 'mysql', url: rig.maria.url, table: { schema: rig.maria.name, name: 'drained' } }, ROWS);
  }, 300_000);

  it('past WORKER_SHUTDOWN_TIMEOUT: the chunks it was copying are rolled back and left for another worker, which finishes the run', async () => {
    // Two chunks of about 500,000 rows (any estimate up to 1.2M splits in two), both taken at once,
    // each several times longer than the 1 s drain bound, on any machine: the target table's
    // trigger sleeps 5 ms every 500 rows, so a chunk's COPY takes at least 5 s. (Batch sizes alone
    // did not hold: with 50-row batches a chunk copied PostgreSQL → PostgreSQL in under a second
    // here.) Inserted, not upserted: an upsert's rows go to a staging table first, and the merge
    // that then fires the trigger is not interrupted by the abort.
    await rig.pgTargetQuery(`CREATE TABLE public.aborted (id bigint PRIMARY KEY, kind int NOT NULL, note text)`);
    await rig.pgTargetQuery(`CREATE FUNCTION public.slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.id % 500 = 0 THEN PERFORM pg_sleep(0.005); END IF; RETURN NEW; END $$`);
    await rig.pgTargetQuery(`CREATE TRIGGER slow BEFORE INSERT ON public.aborted FOR EACH ROW EXECUTE FUNCTION public.slow_insert()`);
    const jobId = await rig.createJob({
      name: 'aborted', sourceId: rig.sourceId, targetId: rig.pgTargetId, writeMode: 'insert', chunkRows: 600_000, batchSize: 5000,
      tables: [{ source: 'public.big', target: 'public.aborted' }],
    });
    const timeoutMs = 1000;
    const worker = await rig.spawnWorker({ WORKER_CONCURRENCY: '2', WORKER_SHUTDOWN_TIMEOUT: String(timeoutMs), ...FAST_STALLS });
    const runId = await rig.startRun(jobId);
    await rig.waitForChunks(runId, (c) => countBy(c, 'running') === 2, 'two chunks under way');

    const sent = Date.now();
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    const tookMs = Date.now() - sent;
    // Not the backstop's exit 1, 5 s past the bound. Past the bound a chunk that has already sent
    // all its rows may still commit (the target is ingesting them); one still reading is rolled back.
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(tookMs).toBeLessThan(timeoutMs + 5000);

    // Released for a retry, never failed: a shutdown is not the chunk's fault.
    const atExit = await rig.chunks(runId);
    const released = new Set(atExit.filter((c) => c.status === 'pending').map((c) => c.id));
    if (released.size === 0) throw new Error(`no chunk released at exit: ${JSON.stringify(atExit)}`);
    for (const chunk of atExit) expect({ status: chunk.status, attempts: chunk.attempts }).toEqual({ status: released.has(chunk.id) ? 'pending' : 'done', attempts: 1 });
    expect((await rig.run(runId)).status).toBe('running');
    expect(await rig.logs(runId)).toEqual(expect.arrayContaining([expect.stringMatching(/^chunk \d will retry \(attempt 1\): .*shutting down/)]));

    await rig.spawnWorker({ WORKER_CONCURRENCY: '2', ...FAST_STALLS });
    const run = await rig.waitForEnd(runId, 180_000);
    expect(run).toMatchObject({ status: 'succeeded', error: null, rowsWritten: BIG });
    const after = await rig.chunks(runId);
    expect(after.map((c) => [c.status, c.attempts])).toEqual(after.map((c) => ['done', released.has(c.id) ? 2 : 1]));
    await sameAsSource('big', { dialect: 'postgres', url: rig.pgTarget.url, table: { schema: 'public', name: 'aborted' } }, BIG);
  }, 300_000);
});
