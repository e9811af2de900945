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

  describe('applyKeys (the API\'s coalesced writes and the worker\'s drain, H4)', () => {
    // Member b owes only what these tests make it owe.
    const owe = (key: number, op: 'upsert' | 'delete' = 'upsert') => write(key, op, [b]);
    const status = async (id: string) => (await repo.task(id))?.status;

    it('writes several keys in one call, each key\'s newest write once, and settles their tasks (done, older skipped)', async () => {
      const k20 = await owe(20);
      const k21a = await owe(21);
      const k21b = await owe(21, 'delete');
      const calls: GroupWriteRecord[][] = [];
      const outcome = await repo.applyKeys(groupId, b, ['[21]', '[20]', '[21]'], {}, async (w) => void calls.push(w));
      expect(calls).toHaveLength(1);
      expect(calls[0].map((w) => [w.keyDigest, w.version, w.op])).toEqual([
        ['[20]', k20.version, 'upsert'],
        ['[21]', k21b.version, 'delete'],
      ]);
      expect(outcome).toMatchObject({ keys: 2, written: ['[20]', '[21]'], held: { '[20]': k20.version, '[21]': k21b.version } });
      expect(outcome.done.sort()).toEqual([k20.tasks[b], k21b.tasks[b]].sort());
      expect(outcome.skipped).toEqual([k21a.tasks[b]]);
      // Taken along, a pending task counts its one attempt.
      expect(await repo.task(k20.tasks[b])).toMatchObject({ status: 'done', attempts: 1 });
      // Nothing newer: nothing written.
      expect(await repo.applyKeys(groupId, b, ['[20]'], {}, async () => void calls.push([]))).toMatchObject({ written: [], done: [], skipped: [] });
      expect(calls).toHaveLength(1);
    });

    it('claims the member\'s other pending tasks only when the fleet may run them: auto-executing, or queued by hand', async () => {
      const lead = await owe(30);
      const other = await owe(31);
      const written: string[] = [];
      const record = async (w: GroupWriteRecord[]) => void written.push(...w.map((x) => x.keyDigest));
      // The group holds its tasks (autoExecute false) and 31 was not queued: only the lead's key.
      await repo.applyKeys(groupId, b, ['[30]'], { claim: { limit: 10, autoExecute: false } }, record);
      expect(written).toEqual(['[30]']);
      expect(await status(other.tasks[b])).toBe('pending');
      expect(await status(lead.tasks[b])).toBe('done');
      await repo.queueOpen({ taskId: other.tasks[b] });
      const third = await owe(32);
      await repo.applyKeys(groupId, b, ['[30]'], { claim: { limit: 10, autoExecute: false } }, record);
      expect(written).toEqual(['[30]', '[31]']);
      expect(await status(other.tasks[b])).toBe('done');
      expect(await status(third.tasks[b])).toBe('pending');
      // An auto-executing group's pending tasks are the fleet's to take.
      await repo.applyKeys(groupId, b, [], { claim: { limit: 10, autoExecute: true } }, record);
      expect(written).toEqual(['[30]', '[31]', '[32]']);
      expect(await status(third.tasks[b])).toBe('done');
    });

    it('leaves out a key another applier holds, and rolls everything back when the write fails', async () => {
      const busy = await owe(40);
      const free = await owe(41);
      const other = dataSource.createQueryRunner();
      await other.connect();
      await other.startTransaction();
      try {
        await other.query(`SELECT 1 FROM group_member_key WHERE group_id = $1 AND connection_id = $2 AND key_digest = '[40]' FOR UPDATE`, [groupId, b]);
        await expect(repo.applyKeys(groupId, b, [], { claim: { limit: 10, autoExecute: true } }, async () => Promise.reject(new Error('member down')))).rejects.toThrow('member down');
        expect([await status(busy.tasks[b]), await status(free.tasks[b])]).toEqual(['pending', 'pending']);
        expect((await repo.task(free.tasks[b]))?.attempts).toBe(0);
        const written: string[] = [];
        await repo.applyKeys(groupId, b, [], { claim: { limit: 10, autoExecute: true } }, async (w) => void written.push(...w.map((x) => x.keyDigest)));
        expect(written).toEqual(['[41]']);
        expect([await status(busy.tasks[b]), await status(free.tasks[b])]).toEqual(['pending', 'done']);
      } finally {
        await other.rollbackTransaction();
        await other.release();
      }
      await repo.applyKeys(groupId, b, [], { claim: { limit: 10, autoExecute: true } }, async () => undefined);
      expect(await status(busy.tasks[b])).toBe('done');
    });

    it('serialize: one call per member at a time, so two drains never write the member at once', async () => {
      for (let k = 50; k < 56; k++) await owe(k);
      let inside = 0;
      let most = 0;
      const slow = async () => {
        most = Math.max(most, ++inside);
        await new Promise((r) => setTimeout(r, 150));
        inside--;
      };
      const outcomes = await Promise.all([50, 51, 52].map((k) => repo.applyKeys(groupId, b, [`[${k}]`], { claim: { limit: 1, autoExecute: true }, serialize: true, waitForTasks: true }, slow)));
      expect(most).toBe(1);
      // Whichever goes first writes its key and claims the oldest other one; each next finds its key held and claims one more.
      expect(outcomes.reduce((n, o) => n + o.written.length, 0)).toBe(4);
      expect((await repo.debt(groupId)).find((d) => d.connectionId === b)).toMatchObject({ pending: 2 });
    });
  });
});
