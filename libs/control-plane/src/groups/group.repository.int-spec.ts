import { DataSource } from 'typeorm';
import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { createControlDataSource } from '../data-source';
import { migrateUnderLock } from '../migrator';
import { GroupRepository, type GroupWriteRecord } from './group.repository';

/** Group state: a write and its tasks land together; a member applies a key's newest write or nothing, and settles the key's open tasks. */
describe('GroupRepository', () => {
  let db: EphemeralDatabase;
  let dataSource: DataSource;
  let repo: GroupRepository;
  let groupId: string;
  const [a, b, c] = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-00000000000c'];

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_group_repository');
    dataSource = createControlDataSource({ url: db.url, applicationName: 'group-repository-test' });
    await dataSource.initialize();
    await migrateUnderLock(dataSource);
    for (const id of [a, b, c]) {
      await dataSource.query(`INSERT INTO connection (id, name, dialect, host, port, database, username) VALUES ($1, $2, 'postgres', 'h', 5432, 'd', 'u')`, [id, `c-${id.slice(-1)}`]);
    }
    repo = new GroupRepository(dataSource);
    groupId = await repo.create({
      name: 'g',
      keyColumns: ['id'],
      columns: [{ name: 'id', kind: 'int32', nullable: false }, { name: 'v', kind: 'text', nullable: true }],
      differences: [],
      autoExecute: false,
      debtAlertSeconds: 60,
      members: [a, b, c].map((connectionId, ordinal) => ({ connectionId, ordinal, table: { schema: 'public', name: 't' }, columns: [] })),
      createdBy: null,
    });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const write = (key: number, op: 'upsert' | 'delete', owedBy: string[]) =>
    repo.recordWrite({ groupId, keyDigest: `[${key}]`, key: { id: key }, op, row: op === 'upsert' ? { id: key, v: `v${Math.random()}` } : null, writeTo: [a, b, c].filter((x) => !owedBy.includes(x)), owedBy, queued: false, createdBy: null });

  it('records a write with one pending task per member owing it, and counts them as debt', async () => {
    const { version, tasks } = await write(1, 'upsert', [c]);
    expect(Object.keys(tasks)).toEqual([c]);
    const task = await repo.task(tasks[c]);
    expect(task).toMatchObject({ status: 'pending', version, connectionId: c, op: 'upsert', key: { id: 1 } });
    const debt = await repo.debt(groupId);
    expect(debt.find((d) => d.connectionId === c)).toMatchObject({ pending: 1, failed: 0 });
    expect(debt.find((d) => d.connectionId === a)).toMatchObject({ pending: 0, failed: 0, oldestPendingAt: null });
  });

  it('coalesces: the newest write is applied once, older open tasks are skipped, the newest done', async () => {
    const first = await write(2, 'upsert', [c]);
    const second = await write(2, 'upsert', [c]);
    const applied: GroupWriteRecord[] = [];
    const outcome = await repo.applyNewest(groupId, c, '[2]', async (w) => void applied.push(w));
    expect(applied.map((w) => w.version)).toEqual([second.version]);
    expect(outcome).toMatchObject({ appliedVersion: second.version, wrote: true, done: [second.tasks[c]], skipped: [first.tasks[c]] });
    expect((await repo.task(first.tasks[c]))?.skippedFor).toBe(second.version);
    // Again: nothing newer, nothing written.
    expect(await repo.applyNewest(groupId, c, '[2]', async () => void applied.push({} as GroupWriteRecord))).toMatchObject({ wrote: false, done: [], skipped: [] });
    expect(applied).toHaveLength(1);
  });

  it('a late task after a newer write (a delete) is skipped: the tombstone stays', async () => {
    const update = await write(3, 'upsert', [c]);
    const del = await write(3, 'delete', []);
    expect(await repo.applyNewest(groupId, c, '[3]', async (w) => expect(w.op).toBe('delete'))).toMatchObject({ appliedVersion: del.version, wrote: true });
    const late = await repo.task(update.tasks[c]);
    expect(late).toMatchObject({ status: 'skipped', skippedFor: del.version });
  });

  it('a failing target write rolls back: the task stays open and the version held is unchanged', async () => {
    const w = await write(4, 'upsert', [c]);
    await expect(repo.applyNewest(groupId, c, '[4]', async () => Promise.reject(new Error('target down')))).rejects.toThrow('target down');
    expect(await repo.start(w.tasks[c])).toMatchObject({ status: 'running', attempts: 1 });
    expect(await repo.attemptFailed(w.tasks[c], 'target down', false)).toBe(true);
    expect(await repo.task(w.tasks[c])).toMatchObject({ status: 'pending', error: 'target down', attempts: 1 });
    expect(await repo.attemptFailed(w.tasks[c], 'still down', true)).toBe(true);
    expect((await repo.debt(groupId)).find((d) => d.connectionId === c)).toMatchObject({ failed: 1 });
    expect(await repo.retryFailed(w.tasks[c])).toEqual({ id: w.tasks[c], round: 1 });
    expect(await repo.applyNewest(groupId, c, '[4]', async () => undefined)).toMatchObject({ done: [w.tasks[c]] });
  });

  it('orders versions as numbers: 100 is newer than 99', async () => {
    await dataSource.query('ALTER TABLE group_write ALTER COLUMN version RESTART WITH 99');
    const older = await write(6, 'upsert', [c]);
    const newer = await write(6, 'upsert', [c]);
    expect([older.version, newer.version]).toEqual(['99', '100']);
    expect((await repo.newestWrite(groupId, '[6]'))?.version).toBe('100');
    expect(await repo.applyNewest(groupId, c, '[6]', async (w) => expect(w.version).toBe('100'))).toMatchObject({ appliedVersion: '100', done: [newer.tasks[c]], skipped: [older.tasks[c]] });
  });

  it('two appliers of one key take turns: the newest is written once', async () => {
    await write(5, 'upsert', [c]);
    const w2 = await write(5, 'upsert', [c]);
    let writes = 0;
    const slow = async () => {
      writes++;
      await new Promise((r) => setTimeout(r, 200));
    };
    const [x, y] = await Promise.all([repo.applyNewest(groupId, c, '[5]', slow), repo.applyNewest(groupId, c, '[5]', slow)]);
    expect(writes).toBe(1);
    expect([x.wrote, y.wrote].sort()).toEqual([false, true]);
    expect(x.appliedVersion).toBe(w2.version);
  });
});
