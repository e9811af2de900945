import { DataSource } from 'typeorm';
import { createControlDataSource, migrateUnderLock } from '@dbferry/control-plane';
import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { RunStore } from './run-store';

/**
 * Rejected rows are stored with the chunk's checkpoint, under its lease: a chunk stored again
 * (a retry after a failure) replaces its rejects, and a worker that lost the lease stores none.
 */
describe('RunStore rejects', () => {
  let db: EphemeralDatabase;
  let dataSource: DataSource;
  let store: RunStore;
  let runId: string;
  let chunkId: string;

  const counts = async () => {
    const [run] = await dataSource.query('SELECT rejects::int AS n FROM run WHERE id = $1', [runId]);
    const [table] = await dataSource.query('SELECT rejects::int AS n FROM run_table WHERE run_id = $1', [runId]);
    const [chunk] = await dataSource.query('SELECT rejects AS n FROM run_chunk WHERE id = $1', [chunkId]);
    const rows = await dataSource.query('SELECT key, column_name, error FROM run_reject WHERE run_id = $1 ORDER BY id', [runId]);
    return { run: run.n, table: table.n, chunk: chunk.n, rows };
  };
  const written = { rowsRead: 10, rowsWritten: 8, warnings: [] };
  const bad = (id: bigint, column?: string) => ({ key: [id, Buffer.from([0, 255])], column, error: `row ${id} refused` });

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_run_store');
    dataSource = createControlDataSource({ url: db.url, applicationName: 'run-store-test' });
    await dataSource.initialize();
    await migrateUnderLock(dataSource);
    store = new RunStore(dataSource);
    const [conn] = await dataSource.query(`INSERT INTO connection (name, dialect, database) VALUES ('c', 'postgres', 'd') RETURNING id`);
    const [job] = await dataSource.query(
      `INSERT INTO sync_job (name, source_id, target_id, tables, mode, write_mode) VALUES ('j', $1, $1, '[]', 'full', 'replace') RETURNING id`,
      [conn.id],
    );
    const [run] = await dataSource.query(`INSERT INTO run (job_id, status, trigger) VALUES ($1, 'running', 'manual') RETURNING id`, [job.id]);
    runId = run.id;
    const [table] = await dataSource.query(
      `INSERT INTO run_table (run_id, ordinal, spec_index, source_schema, source_name, target_schema, target_name, source_table, target_table)
       VALUES ($1, 0, 0, 'public', 't', 'public', 't', 'public.t', 'public.t') RETURNING id`,
      [runId],
    );
    const [chunk] = await dataSource.query(`INSERT INTO run_chunk (run_table_id, ordinal) VALUES ($1, 0) RETURNING id`, [table.id]);
    chunkId = chunk.id;
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('stores nothing for a worker that lost the lease', async () => {
    const stale = (await store.lease(chunkId, 60_000))!;
    await store.lease(chunkId, 60_000); // another worker took the chunk over
    expect(await store.complete(stale, { ...written, rejects: [bad(1n)] })).toBe(false);
    await store.fail(stale, 'too late', [bad(1n)]);
    expect(await counts()).toEqual({ run: 0, table: 0, chunk: 0, rows: [] });
  });

  it('keeps the rejects of a chunk failed past its limit, and replaces them when the chunk is stored again', async () => {
    const first = (await store.lease(chunkId, 60_000))!;
    await store.fail(first, 'more than 1 row(s) rejected', [bad(1n, 'note'), bad(2n)]);
    expect(await counts()).toMatchObject({ run: 2, table: 2, chunk: 2 });

    const again = (await store.lease(chunkId, 60_000))!;
    expect(again.chunk.rejects).toBe(2);
    expect(await store.complete(again, { ...written, rejects: [bad(2n, 'note')] })).toBe(true);
    const after = await counts();
    expect(after).toMatchObject({ run: 1, table: 1, chunk: 1 });
    expect(after.rows).toEqual([{ key: [{ $int: '2' }, { $bytes: 'AP8=' }], column_name: 'note', error: 'row 2 refused' }]);
    expect(await store.lease(chunkId, 60_000)).toBeNull(); // done: never stored a third time
  });
});
