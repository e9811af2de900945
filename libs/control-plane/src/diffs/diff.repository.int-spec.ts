import { DataSource } from 'typeorm';
import { createPostgresDatabase, EphemeralDatabase, waitForLockWaiters } from '@dbferry/testing';
import { createControlDataSource } from '../data-source';
import { migrateUnderLock } from '../migrator';
import { DiffRepository, groupLeaders, SEGMENTS_PER_JOB } from './diff.repository';

/** Diff state: a segment settles once, its rows never double, a split's children come with it. */
describe('DiffRepository', () => {
  let db: EphemeralDatabase;
  let dataSource: DataSource;
  let repo: DiffRepository;
  const ref = '00000000-0000-4000-8000-000000000001';
  const other = '00000000-0000-4000-8000-000000000002';

  const planned = async () => {
    const diffId = await repo.create({ referenceId: ref, otherIds: [other], request: [{ reference: 'public.t' }], createdBy: null });
    expect(await repo.start(diffId)).toBe(true);
    const [segmentId] = await repo.addTables(diffId, [{ position: 0, specIndex: 0, referenceTable: 'public.t', otherTables: { [other]: 'db.t' }, snapshot: { v: 1 }, notes: [], segment: { others: [other], depth: 0 } }], []);
    return { diffId, segmentId };
  };

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_diff_repository');
    dataSource = createControlDataSource({ url: db.url, applicationName: 'diff-repository-test' });
    await dataSource.initialize();
    await migrateUnderLock(dataSource);
    repo = new DiffRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('settles a segment once: a second completion (a re-run) writes no row and no count', async () => {
    const { diffId, segmentId } = await planned();
    expect(await repo.takeSegments([segmentId])).toEqual(new Set([segmentId]));
    const rows = [
      { connectionId: other, kind: 'missing' as const, key: [{ $int: '7' }] },
      { connectionId: other, kind: 'different' as const, key: [8], columns: ['price', 'at'] },
      { connectionId: other, kind: 'extra' as const, key: ['x'.repeat(5000)] },
    ];
    expect(await repo.completeSegment(segmentId, 100, rows)).toBe(true);
    expect(await repo.completeSegment(segmentId, 100, rows)).toBe(false);
    expect(await repo.takeSegments([segmentId])).toEqual(new Set());
    const [table] = await repo.tables(diffId);
    expect([table.segmentsDone, table.segmentsTotal, Number(table.rowsCompared), table.status]).toEqual([1, 1, 100, 'running']);
    expect(await repo.totals(table.id)).toEqual({ missing: { [other]: 1 }, extra: { [other]: 1 }, different: { [other]: 1 }, columns: { [other]: ['at', 'price'] } });
    expect(await repo.openSegmentCount(diffId)).toBe(0);
    expect((await repo.rows(table.id, { kind: 'different' }, 10, 0)).items.map((r) => r.columns)).toEqual([['price', 'at']]);
    expect(await repo.summaries([diffId])).toEqual(new Map([[diffId, { tables: ['public.t'], differences: 3 }]]));
  });

  it('stores a split with its children in one step; a second split returns the open children instead of adding any', async () => {
    const { diffId, segmentId } = await planned();
    await repo.takeSegments([segmentId]);
    const children = [0, 1, 2].map((i) => ({ segment: { lower: [i], others: [other], depth: 1 }, depth: 1 }));
    const first = await repo.splitSegment(segmentId, 0, children);
    expect(first.split).toBe(true);
    expect(first.childIds).toHaveLength(3);
    const again = await repo.splitSegment(segmentId, 0, children);
    expect(again).toEqual({ split: false, childIds: first.childIds });
    expect(await repo.openSegmentCount(diffId)).toBe(3);
    const [table] = await repo.tables(diffId);
    expect([table.segmentsDone, table.segmentsTotal]).toEqual([1, 4]);
    await repo.failSegment(first.childIds[0], 'boom');
    expect(await repo.segmentFailure(table.id)).toBe('boom');
    // Cancelling closes the diff, its table and its open segments.
    expect(await repo.cancel(diffId)).toBe(true);
    expect(await repo.openSegmentCount(diffId)).toBe(0);
    expect((await repo.diff(diffId))?.status).toBe('cancelled');
    expect(await repo.cancel(diffId)).toBe(false);
  });

  it("stores a first split's children in one statement, each in its place, and reads a segment job's group in one", async () => {
    const { diffId, segmentId } = await planned();
    expect(await repo.segmentGroupToRun(diffId, segmentId)).toMatchObject({
      diffStatus: 'running',
      members: [{ id: segmentId, status: 'pending', segment: { others: [other], depth: 0 } }],
      limits: new Map(),
    });
    expect(await repo.segmentGroupToRun('00000000-0000-4000-8000-0000000000ff', segmentId)).toBeNull();
    expect(await repo.takeSegments([segmentId])).toEqual(new Set([segmentId]));
    const children = Array.from({ length: 300 }, (_, i) => ({ segment: { lower: [{ $int: String(i * 1000) }], others: [other], depth: 1 }, depth: 1 }));
    const { childIds } = await repo.splitSegment(segmentId, 0, children);
    expect(childIds).toHaveLength(300);
    for (const i of [0, 1, 150, 299]) {
      // Its group: the siblings of ordinals ⌊i / SEGMENTS_PER_JOB⌋ × SEGMENTS_PER_JOB onwards (the last one shorter).
      const first = Math.floor(i / SEGMENTS_PER_JOB) * SEGMENTS_PER_JOB;
      const group = await repo.segmentGroupToRun(diffId, childIds[i]);
      expect(group?.members.map((m) => m.id)).toEqual(childIds.slice(first, Math.min(300, first + SEGMENTS_PER_JOB)));
      expect(group?.members[i - first]).toMatchObject({ status: 'pending', segment: children[i].segment });
      expect((await repo.segment(childIds[i]))?.ordinal).toBe(i);
    }
    const leaders = groupLeaders(childIds);
    expect(leaders).toHaveLength(Math.ceil(300 / SEGMENTS_PER_JOB));
    expect((await repo.openSegmentGroups(diffId)).map((g) => g.leaderId)).toEqual(leaders);
    expect(await repo.openChildGroups([segmentId])).toEqual(leaders);
    const [table] = await repo.tables(diffId);
    expect(await repo.snapshot(table.id)).toEqual({ v: 1 });
    expect([table.segmentsDone, table.segmentsTotal]).toEqual([1, 301]);
    await repo.cancel(diffId);
    expect((await repo.segmentGroupToRun(diffId, childIds[0]))?.diffStatus).toBe('cancelled');
  });

  it("settles a group's done segments in one statement, each once, and gives back the ones it did not reach", async () => {
    const { diffId, segmentId } = await planned();
    await repo.takeSegments([segmentId]);
    const children = Array.from({ length: 4 }, (_, i) => ({ segment: { lower: [i], others: [other], depth: 1 }, depth: 1 }));
    const { childIds } = await repo.splitSegment(segmentId, 0, children);
    const [a, b, c, d] = childIds;
    expect(await repo.takeSegments(childIds)).toEqual(new Set(childIds));
    // a was settled by an earlier attempt: settling it again writes nothing.
    expect(await repo.completeSegment(a, 10, [])).toBe(true);
    const settled = await repo.completeSegments([
      { segmentId: a, rowsCompared: 10, rows: [{ connectionId: other, kind: 'missing', key: [1] }] },
      { segmentId: b, rowsCompared: 20, rows: [{ connectionId: other, kind: 'different', key: [2], columns: ['v'] }, { connectionId: other, kind: 'extra', key: [3] }] },
      { segmentId: c, rowsCompared: 30, rows: [] },
    ]);
    expect(settled).toEqual(new Set([b, c]));
    await repo.releaseSegments([d], null);
    expect((await repo.segment(d))?.status).toBe('pending');
    expect((await repo.openSegmentGroups(diffId))).toEqual([{ leaderId: a, segmentIds: [d] }]);
    const [table] = await repo.tables(diffId);
    expect([table.segmentsDone, table.segmentsTotal, Number(table.rowsCompared)]).toEqual([4, 5, 60]);
    expect(await repo.totals(table.id)).toEqual({ missing: {}, extra: { [other]: 1 }, different: { [other]: 1 }, columns: { [other]: ['v'] } });
    expect((await repo.segment(b))).toMatchObject({ status: 'done', missing: 0, extra: 1, different: 1 });
  });

  it('a cancel and a segment completing at the same moment never deadlock: each takes the segment before its table', async () => {
    const { diffId, segmentId } = await planned();
    await repo.takeSegments([segmentId]);
    const [table] = await repo.tables(diffId);
    // A third session holds the table's row, so the cancel queues for it first and the completion behind it.
    const holder = dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query('SELECT 1 FROM diff_table WHERE id = $1 FOR UPDATE', [table.id]);
    const waiting = (n: number) => waitForLockWaiters((sql) => dataSource.query(sql), n);
    const cancelled = repo.cancel(diffId);
    await waiting(1);
    const completed = repo.completeSegment(segmentId, 10, []);
    await waiting(2);
    await holder.commitTransaction();
    await holder.release();
    // The cancel took the open segment first: the completion then finds it ended and stores nothing.
    expect(await Promise.all([cancelled, completed])).toEqual([true, false]);
    const [after] = await repo.tables(diffId);
    expect([after.status, after.segmentsDone]).toEqual(['cancelled', 0]);
  });

  it('stores no table for a diff cancelled while it was planned', async () => {
    const diffId = await repo.create({ referenceId: ref, otherIds: [other], request: [{ reference: 'public.t' }], createdBy: null });
    await repo.start(diffId);
    expect(await repo.cancel(diffId)).toBe(true);
    const table = { position: 0, specIndex: 0, referenceTable: 'public.t', otherTables: {}, snapshot: {}, notes: [], segment: {} };
    expect(await repo.addTables(diffId, [table], [])).toEqual([]);
    expect(await repo.tables(diffId)).toEqual([]);
  });

  it('stores a diff computed elsewhere as finished, with its totals', async () => {
    const id = await repo.createFinishedDiff({ referenceId: ref, otherIds: [other], request: [{ reference: 'public.t' }], createdBy: null, trigger: 'repair' }, [
      { referenceTable: 'public.t', otherTables: { [other]: 'db.t' }, rowsCompared: 10, rows: [{ connectionId: other, kind: 'missing', key: [1] }] },
    ]);
    const found = await repo.withTables(id);
    expect(found?.diff).toMatchObject({ status: 'succeeded', trigger: 'repair' });
    expect(found?.tables[0]).toMatchObject({ status: 'succeeded', missing: { [other]: 1 }, extra: {}, rowsCompared: '10' });
    expect((await repo.summaries([id])).get(id)).toEqual({ tables: ['public.t'], differences: 1 });
  });
});
