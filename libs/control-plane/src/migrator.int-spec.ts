import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { MIGRATIONS } from '@dbferry/migrations';
import { createControlDataSource } from './data-source';
import { isSchemaCurrent, migrateUnderLock } from './migrator';

describe('migrateUnderLock', () => {
  let db: EphemeralDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_migrate');
  });
  afterAll(() => db.drop());

  it('migrates once when two processes start together on an empty database', async () => {
    const sources = [0, 1].map((i) => createControlDataSource({ url: db.url, applicationName: `racer-${i}` }));
    await Promise.all(sources.map((s) => s.initialize()));
    try {
      const outcomes = await Promise.all(sources.map((s) => migrateUnderLock(s)));
      const applied = outcomes.map((o) => o.applied.length).sort();
      expect(applied).toEqual([0, MIGRATIONS.length]);
      const rows = await sources[0].query('SELECT name FROM migrations');
      expect(rows).toHaveLength(MIGRATIONS.length);
      expect(await isSchemaCurrent(sources[1])).toBe(true);
      const tables = await sources[0].query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('app_user', 'connection', 'audit_log')`);
      expect(tables[0].n).toBe(3);
    } finally {
      await Promise.all(sources.map((s) => s.destroy()));
    }
  });

  it('reports a fresh database as behind', async () => {
    const other = await createPostgresDatabase('dbferry_behind');
    const source = createControlDataSource({ url: other.url, applicationName: 'behind' });
    await source.initialize();
    try {
      expect(await isSchemaCurrent(source)).toBe(false);
      // Asking is read-only: the worker asks in a loop and must not create even the migrations table.
      const tables = await source.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
      expect(tables).toEqual([]);
    } finally {
      await source.destroy();
      await other.drop();
    }
  });

  it('migrates down and up again cleanly', async () => {
    const source = createControlDataSource({ url: db.url, applicationName: 'down-up' });
    await source.initialize();
    try {
      for (let i = 0; i < MIGRATIONS.length; i++) await source.undoLastMigration({ transaction: 'each' });
      expect(await isSchemaCurrent(source)).toBe(false);
      const { applied } = await migrateUnderLock(source);
      expect(applied).toHaveLength(MIGRATIONS.length);
    } finally {
      await source.destroy();
    }
  });
});
