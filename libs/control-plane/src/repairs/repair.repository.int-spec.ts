import { DataSource } from 'typeorm';
import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { createControlDataSource } from '../data-source';
import { migrateUnderLock } from '../migrator';
import { RepairRepository } from './repair.repository';

/** Repair state: a plan is stored once, a segment settles once with its count, an apply restarts cleanly. */
describe('RepairRepository', () => {
  let db: EphemeralDatabase;
  let dataSource: DataSource;
  let repo: RepairRepository;
  const source = '00000000-0000-4000-8000-000000000001';
  const target = '00000000-0000-4000-8000-000000000002';
  const upsert = (id: number) => ({ kind: 'upsert', key: [id], row: [id, 'x'], from: source });

  const create = (dryRun: boolean) =>
    repo.create({ dryRun, diffId: null, diffTableId: null, rule: { kind: 'source', connectionId: source }, sourceId: source, targetIds: [target], deleteExtra: false, table: 'public.t', keys: [[1], [2], [3]], keyColumns: null, createdBy: null });
  const plan = [{ connectionId: target, upserts: 3, deletes: 0, unresolved: 0, segments: [{ kind: 'upsert' as const, actions: [upsert(1), upsert(2)] }, { kind: 'upsert' as const, actions: [upsert(3)] }] }];

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_repair_repository');
    dataSource = createControlDataSource({ url: db.url, applicationName: 'repair-repository-test' });
    await dataSource.initialize();
    await migrateUnderLock(dataSource);
    repo = new RepairRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('stores a plan once: a dry run becomes planned, a second save (a retried plan) writes nothing', async () => {
    const id = await create(true);
    expect(await repo.savePlan(id, { v: 1 }, 3, plan)).toBe(true);
    expect(await repo.savePlan(id, { v: 1 }, 3, plan)).toBe(false);
    expect(await repo.repair(id)).toMatchObject({ status: 'planned', phase: 'plan', keysPlanned: 3 });
    expect((await repo.segments(id)).map((s) => [s.ordinal, s.kind, s.actions.length, s.status])).toEqual([
      [0, 'upsert', 2, 'pending'],
      [1, 'upsert', 1, 'pending'],
    ]);
    expect(await repo.targets(id)).toMatchObject([{ connectionId: target, upserts: 3, deletes: 0, upserted: 0 }]);
  });

  it('settles a segment once with its staged count, and an apply started again resets the counts', async () => {
    const id = await create(false);
    expect(await repo.savePlan(id, { v: 1 }, 3, plan)).toBe(true);
    expect(await repo.repair(id)).toMatchObject({ status: 'running', phase: 'apply' });
    // Applying twice while it runs is refused.
    expect(await repo.startApply(id)).toBe(false);
    const [first, second] = await repo.segments(id, target);
    expect(await repo.stageSegment(first.id, [upsert(2)])).toBe(true);
    // A resumed attempt finds it staged: the staged actions stand, they are not replaced.
    expect(await repo.stageSegment(first.id, [])).toBe(false);
    expect((await repo.segments(id, target))[0].staged).toEqual([upsert(2)]);
    expect(await repo.completeSegment(first.id, 1)).toBe(true);
    expect(await repo.completeSegment(first.id, 1)).toBe(false);
    expect(await repo.completeSegment(second.id, 1)).toBe(false);
    expect(await repo.stageSegment(second.id, [upsert(3)])).toBe(true);
    expect(await repo.completeSegment(second.id, 1)).toBe(true);
    expect(await repo.targets(id)).toMatchObject([{ upserts: 3, upserted: 2 }]);
    expect(await repo.succeed(id, null, true)).toBe(true);
    expect(await repo.succeed(id, null, true)).toBe(false);
    expect(await repo.repair(id)).toMatchObject({ status: 'succeeded', applies: 1, verifyClean: true });

    expect(await repo.startApply(id)).toBe(true);
    expect(await repo.repair(id)).toMatchObject({ status: 'running', phase: 'apply', verifyClean: null });
    expect((await repo.segments(id)).map((s) => [s.status, s.staged, s.applied])).toEqual([
      ['pending', null, 0],
      ['pending', null, 0],
    ]);
    expect(await repo.targets(id)).toMatchObject([{ upserts: 3, upserted: 0, deleted: 0, errors: 0 }]);
  });

  it('fails a running repair once, and lists running repairs past their grace as stale', async () => {
    const id = await create(false);
    await dataSource.query(`UPDATE repair SET created_at = now() - interval '1 minute' WHERE id = $1`, [id]);
    expect((await repo.stale(5)).map((r) => r.id)).toContain(id);
    expect(await repo.fail(id, 'boom')).toBe(true);
    expect(await repo.fail(id, 'again')).toBe(false);
    expect(await repo.repair(id)).toMatchObject({ status: 'failed', error: 'boom' });
    expect((await repo.stale(5)).map((r) => r.id)).not.toContain(id);
  });
});
