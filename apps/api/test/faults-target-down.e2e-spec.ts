import { startTcpProxy, TcpProxy, waitFor } from '@dbferry/testing';
import { ChunkRow, countBy, expectSameTable, FAST_STALLS, FaultRig } from './fault-rig';

const ROWS = 200_000;
const OUTAGE_MS = 30_000;

/**
 * The targets refuse every connection for 30 s mid-run (a TCP proxy between the worker and
 * each of MariaDB and PostgreSQL resets them): chunks fail as transient errors, back off and
 * retry, and both runs end succeeded once the targets are back.
 */
describe('the target down for 30 s mid-run (e2e)', () => {
  let rig: FaultRig;
  const proxies: TcpProxy[] = [];
  let mariaViaProxy: string;
  let pgViaProxy: string;

  beforeAll(async () => {
    rig = await FaultRig.start('dbferry_down');
    await rig.source(`CREATE TABLE events (id bigint PRIMARY KEY, kind int NOT NULL, note text)`);
    await rig.source(`INSERT INTO events SELECT g, g % 13, 'note ' || g FROM generate_series(1, ${ROWS}) g`);
    const toMaria = await startTcpProxy(Number(new URL(rig.maria.url).port));
    const toPg = await startTcpProxy(Number(new URL(rig.pgTarget.url).port));
    proxies.push(toMaria, toPg);
    mariaViaProxy = await rig.connection({ name: 'maria-via-proxy', dialect: 'mysql', host: '127.0.0.1', port: toMaria.port, database: rig.maria.name, username: 'root' });
    pgViaProxy = await rig.connection({ name: 'pg-via-proxy', dialect: 'postgres', host: '127.0.0.1', port: toPg.port, database: rig.pgTarget.name, username: 'postgres' });
  }, 180_000);

  afterAll(async () => {
    await rig?.close();
    await Promise.all(proxies.map((p) => p.close()));
  }, 60_000);

  it('retries the chunks with backoff through the outage and succeeds, each target equal to the source', async () => {
    const job = (name: string, targetId: string) =>
      rig.createJob({ name, sourceId: rig.sourceId, targetId, chunkRows: 10_000, batchSize: 2000, tables: [{ source: 'public.events' }] });
    const toMaria = await job('to maria through an outage', mariaViaProxy);
    const toPg = await job('to pg through an outage', pgViaProxy);
    await rig.spawnWorker({ WORKER_CONCURRENCY: '3', ...FAST_STALLS });
    const mariaRun = await rig.startRun(toMaria);
    const pgRun = await rig.startRun(toPg);
    // Each run's chunks queue as one block behind the other's: cut while the first block is under
    // way and neither run is finished, so both meet the outage.
    const under = (c: ChunkRow[]) => countBy(c, 'done') >= 3 && countBy(c, 'running') > 0;
    const open = (c: ChunkRow[]) => c.length >= 15 && countBy(c, 'done') < c.length;
    const [before, pgBefore] = await waitFor(async () => {
      const both = await Promise.all([rig.chunks(mariaRun), rig.chunks(pgRun)]);
      return both.every(open) && both.some(under) && both;
    }, 120_000, `both runs planned, one under way (workers said: ${rig.workerOutput()})`);

    for (const proxy of proxies) proxy.refuse();
    // The outage itself is the scenario: 30 s of wall time.
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    for (const [runId, atStart] of [[mariaRun, before], [pgRun, pgBefore]] as const) {
      const atEnd = await rig.chunks(runId);
      expect(atEnd.some((c) => c.attempts > 1)).toBe(true);
      expect((await rig.run(runId)).status).toBe('running');
      expect(atEnd.filter((c) => c.status === 'failed')).toEqual([]);
      // Nothing reached the target while it was down: at most the chunks committing at the cut were checkpointed after it.
      expect(countBy(atEnd, 'done')).toBeLessThanOrEqual(countBy(atStart, 'done') + 3);
      expect(await rig.logs(runId)).toEqual(expect.arrayContaining([expect.stringMatching(/^chunk \d+ will retry \(attempt \d\): /)]));
    }
    for (const proxy of proxies) expect(proxy.refused).toBeGreaterThan(0);

    for (const proxy of proxies) proxy.accept();
    for (const runId of [mariaRun, pgRun]) {
      const run = await rig.waitForEnd(runId, 180_000);
      expect(run).toMatchObject({ status: 'succeeded', error: null, rowsWritten: ROWS });
      const after = await rig.chunks(runId);
      expect(after.every((c) => c.status === 'done')).toBe(true);
      // Backoff, not a tight loop: within the 30 s a chunk gets a handful of tries, not its whole budget.
      expect(Math.max(...after.map((c) => c.attempts))).toBeLessThanOrEqual(7);
    }

    const source = { dialect: 'postgres', url: rig.pg.url, table: { schema: 'public', name: 'events' } } as const;
    await expectSameTable(source, { dialect: 'mysql', url: rig.maria.url, table: { schema: rig.maria.name, name: 'events' } }, ROWS);
    await expectSameTable(source, { dialect: 'postgres', url: rig.pgTarget.url, table: { schema: 'public', name: 'events' } }, ROWS);
  }, 300_000);
});
