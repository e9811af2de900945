import { DataSource } from 'typeorm';
import { createControlDataSource, migrateUnderLock, RunRepository } from '@dbferry/control-plane';
import { TerminalDbError } from '@dbferry/dialects-core';
import { PlanError } from '@dbferry/engine';
import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { RunStore } from './run-store';

/** A run's log is closed when the run ends, and repeated retry lines are coalesced (issue 9, item 7). */
describe('RunStore run log', () => {
  let db: EphemeralDatabase;
  let dataSource: DataSource;
  let store: RunStore;
  let jobId: string;

  const newRun = async (status = 'running') => {
    const [run] = await dataSource.query(`INSERT INTO run (job_id, status, trigger) VALUES ($1, $2, 'manual') RETURNING id`, [jobId, status]);
    return run.id as string;
  };
  const lines = async (runId: string) =>
    ((await dataSource.query('SELECT level, table_name, message FROM run_log WHERE run_id = $1 ORDER BY id', [runId])) as { level: string; table_name: string | null; message: string }[]).map(
      (r) => `${r.level} ${r.table_name ?? '-'} ${r.message}`,
    );

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_run_log');
    dataSource = createControlDataSource({ url: db.url, applicationName: 'run-log-test' });
    await dataSource.initialize();
    await migrateUnderLock(dataSource);
    store = new RunStore(new RunRepository(dataSource));
    const [conn] = await dataSource.query(`INSERT INTO connection (name, dialect, database) VALUES ('c', 'postgres', 'd') RETURNING id`);
    const [job] = await dataSource.query(
      `INSERT INTO sync_job (name, source_id, target_id, tables, mode, write_mode) VALUES ('j', $1, $1, '[]', 'full', 'replace') RETURNING id`,
      [conn.id],
    );
    jobId = job.id;
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('appends while the run is open and nothing once it has ended, except the lines that end it', async () => {
    for (const end of ['succeeded', 'failed', 'cancelled']) {
      const runId = await newRun();
      await store.log(runId, 'info', 'while running');
      await dataSource.query('UPDATE run SET status = $2, finished_at = now() WHERE id = $1', [runId, end]);
      await store.logEnd(runId, 'info', `run ${end}`);
      // A worker that resumed after a pause, late:
      await store.log(runId, 'warn', 'chunk 0 will retry (attempt 2 of 8): connection reset', 'public.t');
      expect(await store.logRetry(runId, 'chunk 0 will retry', 'chunk 0 will retry (attempt 3 of 8): reset', 'public.t')).toBe(false);
      expect(await lines(runId)).toEqual(['info - while running', `info - run ${end}`]);
    }
  });

  it('writes one retry line per chunk per window, whatever the number of attempts', async () => {
    const runId = await newRun();
    const written: boolean[] = [];
    for (let attempt = 1; attempt <= 50; attempt++) {
      written.push(await store.logRetry(runId, 'chunk 3 will retry', `chunk 3 will retry (attempt ${attempt} of 60): connection refused`, 'public.t'));
      written.push(await store.logRetry(runId, 'chunk 4 will retry', `chunk 4 will retry (attempt ${attempt} of 60): connection refused`, 'public.t'));
    }
    expect(written.filter(Boolean)).toHaveLength(2);
    // "chunk 3" must not hold back "chunk 30", nor a line of another table.
    expect(await store.logRetry(runId, 'chunk 30 will retry', 'chunk 30 will retry (attempt 1 of 8): x', 'public.t')).toBe(true);
    expect(await store.logRetry(runId, 'chunk 3 will retry', 'chunk 3 will retry (attempt 1 of 8): x', 'public.u')).toBe(true);
    // Past the window, the next attempt is logged again, with its attempt number.
    await dataSource.query(`UPDATE run_log SET at = at - interval '61 seconds' WHERE run_id = $1`, [runId]);
    expect(await store.logRetry(runId, 'chunk 3 will retry', 'chunk 3 will retry (attempt 51 of 60): connection refused', 'public.t')).toBe(true);
    expect(await lines(runId)).toEqual([
      'warn public.t chunk 3 will retry (attempt 1 of 60): connection refused',
      'warn public.t chunk 4 will retry (attempt 1 of 60): connection refused',
      'warn public.t chunk 30 will retry (attempt 1 of 8): x',
      'warn public.u chunk 3 will retry (attempt 1 of 8): x',
      'warn public.t chunk 3 will retry (attempt 51 of 60): connection refused',
    ]);
  });

  it("keeps an error's class, code and stack, never a connection string's password", async () => {
    await dataSource.query(`UPDATE run SET status = 'failed', finished_at = now() WHERE status IN ('queued', 'running')`);
    const runId = await newRun();
    const driver = new TerminalDbError('authentication-failed', 'connecting to postgres://app:s3cret-pw@db.internal:5432/shop (password=s3cret-pw)');
    await store.log(runId, 'error', 'chunk 0 failed: authentication failed', 'public.t', driver);
    await store.logRetry(runId, 'chunk 1 will retry', 'chunk 1 will retry (attempt 1 of 8): x', 'public.t', new PlanError('tables[0]', 'no such column'));
    await store.log(runId, 'info', 'no error here');
    await dataSource.query('UPDATE run SET status = $2, finished_at = now() WHERE id = $1', [runId, 'failed']);
    await store.logEnd(runId, 'error', 'run failed', undefined, 'a thrown string');
    const rows: { detail: { class: string; code?: string; stack?: string } | null }[] = await dataSource.query('SELECT detail FROM run_log WHERE run_id = $1 ORDER BY id', [runId]);
    expect(rows.map((r) => r.detail && { class: r.detail.class, code: r.detail.code })).toEqual([
      { class: 'TerminalDbError', code: 'authentication-failed' },
      { class: 'PlanError', code: undefined },
      null,
      { class: 'string', code: undefined },
    ]);
    expect(rows[0].detail?.stack).toMatch(/^TerminalDbError: authentication failed: connecting to postgres:\/\/app:\*\*\*@db\.internal:5432\/shop \(password=\*\*\*\)\n\s+at /);
    expect(rows[1].detail?.stack).toMatch(/^PlanError: tables\[0\]: no such column\n\s+at /);
    expect(JSON.stringify(rows)).not.toContain('s3cret');
  });
});
