import { DataSource } from 'typeorm';
import { createControlDataSource, migrateUnderLock, RunRepository } from '@dbferry/control-plane';
import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import type { ValueLoss } from '@dbferry/dialects-core';
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
  const written = { rowsRead: 10, rowsWritten: 8, warnings: [] as ValueLoss[] };
  const bad = (id: bigint, column?: string) => ({ key: [id, Buffer.from([0, 255])], column, error: `row ${id} refused` });

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_run_store');
    dataSource = createControlDataSource({ url: db.url, applicationName: 'run-store-test' });
    await dataSource.initialize();
    await migrateUnderLock(dataSource);
    store = new RunStore(new RunRepository(dataSource));
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

  it("sums each chunk's value losses per (column, kind) into the table's warnings, once per chunk", async () => {
    const [{ run_table_id: tableId }] = await dataSource.query('SELECT run_table_id FROM run_chunk WHERE id = $1', [chunkId]);
    const more: string[] = [];
    for (const ordinal of [1, 2]) {
      const [chunk] = await dataSource.query(`INSERT INTO run_chunk (run_table_id, ordinal) VALUES ($1, $2) RETURNING id`, [tableId, ordinal]);
      more.push(chunk.id);
    }
    const zero = (count: number): ValueLoss => ({ column: 'd', kind: 'zero-date', count });
    // Chunk 1 stalls after its write; another worker takes it over and completes it first.
    const stalled = (await store.lease(more[0], 60_000))!;
    const takeover = (await store.lease(more[0], 60_000))!;
    const second = (await store.lease(more[1], 60_000))!;
    // Two batches of one chunk may each report the same column: summed, not de-duplicated.
    await Promise.all([
      store.complete(takeover, { ...written, warnings: [zero(1), { column: 'b', kind: 'nul-stripped', count: 2 }, zero(1)] }),
      store.complete(second, { ...written, warnings: [zero(1)] }),
    ]);
    expect(await store.complete(stalled, { ...written, warnings: [zero(1)] })).toBe(false);
    const [table] = await dataSource.query('SELECT warnings FROM run_table WHERE id = $1', [tableId]);
    expect(table.warnings).toEqual(["t.d: 3 zero dates ('0000-00-00') became NULL", 't.b: NUL characters (U+0000) removed from 2 values; PostgreSQL text cannot hold them']);
    const chunks = await dataSource.query('SELECT warnings FROM run_chunk WHERE id = ANY($1) ORDER BY ordinal', [more]);
    expect(chunks.map((c: { warnings: ValueLoss[] }) => c.warnings)).toEqual([
      [zero(2), { column: 'b', kind: 'nul-stripped', count: 2 }],
      [zero(1)],
    ]);
  });
});
