import { DataSource } from 'typeorm';
import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { createControlDataSource } from '../data-source';
import { migrateUnderLock } from '../migrator';
import { DiffRepository } from './diff.repository';

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
    expect(await repo.takeSegment(segmentId)).not.toBeNull();
    const rows = [
      { connectionId: other, kind: 'missing' as const, key: [{ $int: '7' }] },
      { connectionId: other, kind: 'different' as const, key: [8], columns: ['price', 'at'] },
      { connectionId: other, kind: 'extra' as const, key: ['x'.repeat(5000)] },
    ];
    expect(await repo.completeSegment(segmentId, 100, rows)).toBe(true);
    expect(await repo.completeSegment(segmentId, 100, rows)).toBe(false);
    expect(await repo.takeSegment(segmentId)).toBeNull();
    const [table] = await repo.tables(diffId);
    expect([table.segmentsDone, table.segmentsTotal, Number(table.rowsCompared), table.status]).toEqual([1, 1, 100, 'running']);
    expect(await repo.totals(table.id)).toEqual({ missing: { [other]: 1 }, extra: { [other]: 1 }, different: { [other]: 1 }, columns: { [other]: ['at', 'price'] } });
    expect(await repo.openSegmentCount(diffId)).toBe(0);
    expect((await repo.rows(table.id, { kind: 'different' }, 10, 0)).items.map((r) => r.columns)).toEqual([['price', 'at']]);
    expect(await repo.summaries([diffId])).toEqual(new Map([[diffId, { tables: ['public.t'], differences: 3 }]]));
  });

  it('stores a split with its children in one step; a second split returns the open children instead of adding any', async () => {
    const { diffId, segmentId } = await planned();
    await repo.takeSegment(segmentId);
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

  it("stores a first split's children in one statement, each in its place, and reads what a segment job needs in one", async () => {
    const { diffId, segmentId } = await planned();
    expect(await repo.segmentToRun(diffId, segmentId)).toMatchObject({ diffStatus: 'running', status: 'pending', segment: { others: [other], depth: 0 }, limits: new Map() });
    expect(await repo.segmentToRun('00000000-0000-4000-8000-0000000000ff', segmentId)).toBeNull();
    expect(await repo.takeSegment(segmentId)).toEqual({ diffTableId: expect.any(String) });
    const children = Array.from({ length: 300 }, (_, i) => ({ segment: { lower: [{ $int: String(i * 1000) }], others: [other], depth: 1 }, depth: 1 }));
    const { childIds } = await repo.splitSegment(segmentId, 0, children);
    expect(childIds).toHaveLength(300);
    for (const i of [0, 1, 150, 299]) {
      expect(await repo.segmentToRun(diffId, childIds[i])).toMatchObject({ status: 'pending', segment: children[i].segment });
      expect((await repo.segment(childIds[i]))?.ordinal).toBe(i);
    }
    const [table] = await repo.tables(diffId);
    expect(await repo.snapshot(table.id)).toEqual({ v: 1 });
    expect([table.segmentsDone, table.segmentsTotal]).toEqual([1, 301]);
    await repo.cancel(diffId);
    expect((await repo.segmentToRun(diffId, childIds[0]))?.diffStatus).toBe('cancelled');
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
