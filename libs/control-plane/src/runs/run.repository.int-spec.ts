import { DataSource } from 'typeorm';
import { createPostgresDatabase, EphemeralDatabase, waitForLockWaiters } from '@dbferry/testing';
import { createControlDataSource } from '../data-source';
import { migrateUnderLock } from '../migrator';
import { ChunkLease, RunEnd, RunRepository } from './run.repository';

/** Run, table and chunk state change only by the repository's transitions (issue 10, item 4). */
describe('RunRepository transitions', () => {
  let db: EphemeralDatabase;
  let dataSource: DataSource;
  let repo: RunRepository;
  let connectionId: string;

  /** A job of its own (one active run per job) and a run in `status`. */
  const newRun = async (status = 'queued') => {
    const [job] = await dataSource.query(
      `INSERT INTO sync_job (name, source_id, target_id, tables, mode, write_mode) VALUES (gen_random_uuid()::text, $1, $1, '[]', 'full', 'replace') RETURNING id`,
      [connectionId],
    );
    const [run] = await dataSource.query(`INSERT INTO run (job_id, status, trigger) VALUES ($1, $2, 'manual') RETURNING id`, [job.id, status]);
    return run.id as string;
  };
  const newTable = async (runId: string, status = 'pending') => {
    const [t] = await dataSource.query(
      `INSERT INTO run_table (run_id, ordinal, spec_index, source_schema, source_name, target_schema, target_name, source_table, target_table,
                              key_columns, resumable, chunks_total, ddl, losses, status)
       VALUES ($1, (SELECT count(*) FROM run_table WHERE run_id = $1), 0, 'public', 't', 'public', 't', 'public.t', 'public.t', '{id}', true, 1, '{}', '[]', $2)
       RETURNING id`,
      [runId, status],
    );
    return t.id as string;
  };
  const newChunk = async (tableId: string, status = 'pending') => {
    const [c] = await dataSource.query(`INSERT INTO run_chunk (run_table_id, ordinal, lower_key, upper_key, status) VALUES ($1, 0, 'null', 'null', $2) RETURNING id`, [tableId, status]);
    return c.id as string;
  };
  const statusOf = async (table: string, id: string) => ((await dataSource.query(`SELECT status FROM ${table} WHERE id = $1`, [id])) as { status: string }[])[0].status;
  const counts = { rowsRead: 3, rowsWritten: 3, warnings: [] };

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_run_repository');
    dataSource = createControlDataSource({ url: db.url, applicationName: 'run-repository-test' });
    await dataSource.initialize();
    await migrateUnderLock(dataSource);
    repo = new RunRepository(dataSource);
    const [conn] = await dataSource.query(`INSERT INTO connection (name, dialect, database) VALUES ('c', 'postgres', 'd') RETURNING id`);
    connectionId = conn.id;
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('moves a run queued → running → each end state once, and refuses every other move', async () => {
    for (const end of ['succeeded', 'failed', 'cancelled'] as RunEnd[]) {
      const runId = await newRun();
      expect(await repo.start(runId)).toBe(true);
      expect(await repo.start(runId)).toBe(false);
      expect(await statusOf('run', runId)).toBe('running');
      expect(await repo.end(runId, end, end === 'failed' ? 'why' : null)).toBe(true);
      expect(await statusOf('run', runId)).toBe(end);
      // Ended: nothing moves it again, neither back nor to another end.
      expect(await repo.start(runId)).toBe(false);
      for (const other of ['succeeded', 'failed', 'cancelled'] as RunEnd[]) expect(await repo.end(runId, other, 'late')).toBe(false);
      const [row] = await dataSource.query('SELECT status, error, finished_at FROM run WHERE id = $1', [runId]);
      expect(row).toMatchObject({ status: end, error: end === 'failed' ? 'why' : null });
      expect(row.finished_at).not.toBeNull();
    }
    // A queued run may end without ever running (cancelled before its plan, a plan that gave up).
    const queued = await newRun();
    expect(await repo.end(queued, 'failed', 'the plan gave up')).toBe(true);
    expect(await repo.start(queued)).toBe(false);
  });

  it('cancels a run with its unfinished tables and one log line, once', async () => {
    const runId = await newRun('running');
    const pending = await newTable(runId, 'pending');
    const done = await newTable(runId, 'succeeded');
    expect(await repo.cancel(runId, 'alice')).toBe(true);
    expect(await repo.cancel(runId, 'bob')).toBe(false);
    expect([await statusOf('run', runId), await statusOf('run_table', pending), await statusOf('run_table', done)]).toEqual(['cancelled', 'cancelled', 'succeeded']);
    const lines = await dataSource.query('SELECT message FROM run_log WHERE run_id = $1', [runId]);
    expect(lines).toEqual([{ message: 'run cancelled by alice' }]);
    expect((await repo.run(runId))?.cancelRequested).toBe(true);
  });

  it('ends a table from pending or running once, never an ended one', async () => {
    const runId = await newRun('running');
    for (const from of ['pending', 'running']) {
      const tableId = await newTable(runId, from);
      expect(await repo.endTable(tableId, 'succeeded', null)).toBe(true);
      expect(await repo.endTable(tableId, 'failed', 'late')).toBe(false);
      expect(await statusOf('run_table', tableId)).toBe('succeeded');
    }
  });

  it('moves a chunk only under its lease: pending → running → done | failed | pending', async () => {
    const runId = await newRun('running');
    const tableId = await newTable(runId);
    const chunkId = await newChunk(tableId);
    const lease = (await repo.lease(chunkId, 60_000)) as ChunkLease;
    expect(await statusOf('run_chunk', chunkId)).toBe('running');
    // Released for a retry, then leased again: the old token moves nothing any more.
    expect(await repo.release(lease, 'connection reset')).toBe(true);
    expect(await repo.release(lease, 'again')).toBe(false);
    expect(await statusOf('run_chunk', chunkId)).toBe('pending');
    const second = (await repo.lease(chunkId, 60_000)) as ChunkLease;
    expect(await repo.complete(lease, counts)).toBe(false);
    expect(await repo.fail(lease, 'stale holder')).toBe(false);
    expect(await repo.complete(second, counts)).toBe(true);
    expect(await statusOf('run_chunk', chunkId)).toBe('done');
    // Done is final: no lease, no second completion, no failure.
    expect(await repo.lease(chunkId, 60_000)).toBeNull();
    expect(await repo.complete(second, counts)).toBe(false);
    expect(await repo.fail(second, 'late')).toBe(false);
    expect(await repo.release(second, 'late')).toBe(false);
    const [table] = await dataSource.query('SELECT status, chunks_done, rows_written FROM run_table WHERE id = $1', [tableId]);
    expect(table).toEqual({ status: 'running', chunks_done: 1, rows_written: '3' });

    // A failed chunk keeps its error; only a new lease (the reconciler re-enqueuing it) takes it again.
    const other = await newChunk(await newTable(runId));
    const failing = (await repo.lease(other, 60_000)) as ChunkLease;
    expect(await repo.fail(failing, 'value too long')).toBe(true);
    expect(await repo.fail(failing, 'twice')).toBe(false);
    expect(await repo.complete(failing, counts)).toBe(false);
    const [failed] = await dataSource.query('SELECT status, error FROM run_chunk WHERE id = $1', [other]);
    expect(failed).toEqual({ status: 'failed', error: 'value too long' });
    expect(await repo.lease(other, 60_000)).not.toBeNull();
  });

  it('leases no chunk of a run that ended or has a cancel requested, and leaves such a chunk untouched', async () => {
    // The lease is where a chunk starts, so a chunk that waited (for its table's slot, in the queue)
    // while its run ended is refused by the same statement that would have taken it.
    const untouched = { status: 'pending', attempts: 0, lease_token: null };
    const chunkOf = async (runId: string) => newChunk(await newTable(runId));
    const stateOf = async (chunkId: string) => (await dataSource.query('SELECT status, attempts, lease_token FROM run_chunk WHERE id = $1', [chunkId]))[0];

    const cancelled = await newRun('running');
    const ofCancelled = await chunkOf(cancelled);
    expect(await repo.cancel(cancelled, 'alice')).toBe(true);
    expect(await repo.lease(ofCancelled, 60_000)).toBeNull();
    expect(await stateOf(ofCancelled)).toEqual(untouched);

    const failed = await newRun('running');
    const ofFailed = await chunkOf(failed);
    expect(await repo.end(failed, 'failed', 'boom')).toBe(true);
    expect(await repo.lease(ofFailed, 60_000)).toBeNull();
    expect(await stateOf(ofFailed)).toEqual(untouched);

    const asked = await newRun('running');
    const ofAsked = await chunkOf(asked);
    await dataSource.query('UPDATE run SET cancel_requested = true WHERE id = $1', [asked]);
    expect(await repo.lease(ofAsked, 60_000)).toBeNull();
    expect(await stateOf(ofAsked)).toEqual(untouched);

    // Queued (its plan not done yet): no chunk of it runs either.
    const queued = await newRun('queued');
    expect(await repo.lease(await chunkOf(queued), 60_000)).toBeNull();
  });

  it('a cancel and a chunk completing at the same moment never deadlock: each takes the run before its table', async () => {
    const runId = await newRun('running');
    const tableId = await newTable(runId);
    const lease = (await repo.lease(await newChunk(tableId), 60_000)) as ChunkLease;
    // A third session holds the run's row, so the cancel queues for it first and the completion
    // behind it: the completion must not hold the table's row meanwhile, which the cancel needs next.
    const holder = dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query('SELECT 1 FROM run WHERE id = $1 FOR UPDATE', [runId]);
    const waiting = (n: number) => waitForLockWaiters((sql) => dataSource.query(sql), n);
    const cancelled = repo.cancel(runId, 'alice');
    await waiting(1);
    const completed = repo.complete(lease, counts);
    await waiting(2);
    await holder.commitTransaction();
    await holder.release();
    expect(await Promise.all([cancelled, completed])).toEqual([true, true]);
    // The rows the chunk committed are counted, and its table stays cancelled.
    const [table] = await dataSource.query('SELECT status, chunks_done, rows_written FROM run_table WHERE id = $1', [tableId]);
    expect(table).toEqual({ status: 'cancelled', chunks_done: 1, rows_written: '3' });
    expect(await statusOf('run', runId)).toBe('cancelled');
  });

  it('settles a run once when many finishers race for it', async () => {
    const runId = await newRun('running');
    const ends: RunEnd[] = ['succeeded', 'failed', 'cancelled', 'succeeded', 'failed', 'cancelled', 'succeeded', 'failed'];
    // Each finisher locks the run in its own transaction, as finish-run does, then ends it.
    const results = await Promise.all(
      ends.map((end, i) =>
        repo.transaction(async (tx) => {
          const status = await tx.lockRun(runId);
          if (status !== 'queued' && status !== 'running') return false;
          return tx.end(runId, end, `finisher ${i}`);
        }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    const [row] = await dataSource.query('SELECT status, error FROM run WHERE id = $1', [runId]);
    expect(row).toEqual({ status: ends[winner], error: `finisher ${winner}` });
    // Without the lock too: the conditional UPDATE alone lets one through.
    const second = await newRun('running');
    const bare = await Promise.all(ends.map((end) => repo.end(second, end, null)));
    expect(bare.filter(Boolean)).toHaveLength(1);
  });
});
