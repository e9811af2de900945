import { type DataPlane, type DialectSession, parseConnectionUrl, RowCountMismatchError, type TableRef } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { planTables } from '../plan/plan-tables';
import { copyChunk } from './copy-chunk';
import { buildDeferredKey, DeferredKeyError } from './deferred-key';
import { readSnapshot, SnapshotError, snapshotTable, type SnapshotJobSettings, type TableSnapshot } from './table-snapshot';

/**
 * A table the run creates is loaded without its primary key and keyed after the load
 * (DialectCapabilities.deferredKeyBuild, PostgreSQL → PostgreSQL): first attempts insert and are
 * proven by COPY's own count, retries replace their range, the build fails on duplicates and on a
 * wrong count, and is idempotent.
 */
type Side = { session: DialectSession; data: DataPlane };

async function open(url: string): Promise<Side> {
  const session = await dialectFor('postgres').connect({ dialect: 'postgres', ...parseConnectionUrl('postgres', url) }, { timeoutMs: 10_000 });
  return { session, data: session.data! };
}

const JOB: SnapshotJobSettings = { mode: 'full', writeMode: 'insert', deleteMissing: false, batchSize: 7, nul: 'strip', maxRejects: 0 };
const ROWS = 40;

describe('a deferred primary key (PostgreSQL → PostgreSQL)', () => {
  let srcDb: EphemeralDatabase;
  let dstDb: EphemeralDatabase;
  let source: Side;
  let target: Side;

  async function plannedSnapshot(name: string, job: SnapshotJobSettings = JOB): Promise<{ snapshot: TableSnapshot; table: TableRef; ddl: string[] }> {
    const [plan] = await planTables({
      source: { dialect: 'postgres', session: source.session },
      target: { dialect: 'postgres', session: target.session, defaultSchema: 'public' },
      tables: [{ source: 'public.items', target: name }],
      options: { createTables: true, evolveSchema: false, deferKeys: job.mode === 'full' && job.writeMode !== 'upsert' },
    });
    await target.data.execute(plan.ddl);
    const frozen = await snapshotTable({ plan, source: { dialect: 'postgres', data: source.data }, target: { dialect: 'postgres', data: target.data }, job, stagingTag: name });
    return { snapshot: readSnapshot(JSON.parse(JSON.stringify(frozen))), table: plan.target, ddl: plan.ddl };
  }

  const primaryKey = async (table: TableRef) => (await target.data.introspector.describeTable(table))?.primaryKey ?? [];
  const count = (table: TableRef) => target.data.reader.countRows!(table);

  beforeAll(async () => {
    srcDb = await createPostgresDatabase('dbferry_defer_src');
    dstDb = await createPostgresDatabase('dbferry_defer_dst');
    source = await open(srcDb.url);
    target = await open(dstDb.url);
    await source.data.execute([
      'CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL, code int NOT NULL)',
      'CREATE UNIQUE INDEX items_code ON items (code)',
      `INSERT INTO items SELECT g, 'l' || g, 1000 + g FROM generate_series(1, ${ROWS}) g`,
    ]);
  }, 60_000);

  afterAll(async () => {
    await source?.session.close();
    await target?.session.close();
    await srcDb?.drop();
    await dstDb?.drop();
  });

  it('creates the table bare, loads it without deleting on first attempts, then builds key and indexes once', async () => {
    const { snapshot, table, ddl } = await plannedSnapshot('public.loaded');
    expect(ddl.join(';')).not.toMatch(/PRIMARY KEY|INDEX/);
    expect(snapshot.write.mode).toBe('replace-range');
    expect(snapshot.deferredKey?.statements).toEqual(['ALTER TABLE "public"."loaded" ADD PRIMARY KEY ("id")', 'CREATE UNIQUE INDEX "loaded_code_key" ON "public"."loaded" ("code")']);
    expect(await primaryKey(table)).toEqual([]);

    // Every DELETE statement on the table, even one removing nothing, leaves a line here.
    const deletes: TableRef = { schema: 'public', name: 'deletes' };
    await target.data.execute([
      'CREATE TABLE deletes (at timestamptz DEFAULT now())',
      `CREATE FUNCTION note_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO deletes DEFAULT VALUES; RETURN NULL; END $$`,
      'CREATE TRIGGER noted BEFORE DELETE ON loaded FOR EACH STATEMENT EXECUTE FUNCTION note_delete()',
    ]);
    const ports = { source: source.data, target: target.data, firstAttempt: true };
    const low = await copyChunk(snapshot, { upper: [20n] }, ports);
    const high = await copyChunk(snapshot, { lower: [20n] }, ports);
    expect([low.rowsWritten, high.rowsWritten]).toEqual([20, 20]);
    // A first attempt deletes nothing (its range is known empty).
    expect(await count(deletes)).toBe(0);

    // A retried chunk (a later lease) replaces its range: no duplicates even though its rows are there.
    const again = await copyChunk(snapshot, { upper: [20n] }, { source: source.data, target: target.data, firstAttempt: false });
    expect(again.rowsWritten).toBe(20);
    expect(await count(deletes)).toBe(1);
    expect(await count(table)).toBe(ROWS);

    expect(await buildDeferredKey(snapshot, target.data, ROWS)).toEqual({ built: true, rows: ROWS });
    expect(await primaryKey(table)).toEqual(['id']);
    const indexes = (await target.data.introspector.describeTable(table))?.indexes ?? [];
    expect(indexes).toEqual([expect.objectContaining({ columns: ['code'], unique: true })]);
    // A finish-run retried after the build: the catalogue says it is there, only the count runs.
    expect(await buildDeferredKey(snapshot, target.data, ROWS)).toEqual({ built: false, rows: ROWS });
    // A count other than the rows the run wrote fails.
    await expect(buildDeferredKey(snapshot, target.data, ROWS + 1)).rejects.toThrow(RowCountMismatchError);
  }, 60_000);

  it('a re-plan claims a bare table only when createdBare says this run created it, and only while it has no key', async () => {
    const { table } = await plannedSnapshot('public.claimed');
    const replan = async (createdBare?: (t: TableRef) => Promise<boolean>) => {
      const asked: string[] = [];
      const [plan] = await planTables({
        source: { dialect: 'postgres', session: source.session },
        target: { dialect: 'postgres', session: target.session, defaultSchema: 'public' },
        tables: [{ source: 'public.items', target: 'public.claimed' }],
        options: { createTables: true, evolveSchema: false, deferKeys: true, ...(createdBare && { createdBare: async (t: TableRef) => (asked.push(t.name), createdBare(t)) }) },
      });
      return { plan, asked };
    };
    const claimed = await replan(async () => true);
    expect(claimed.asked).toEqual(['claimed']);
    expect(claimed.plan).toMatchObject({ ddl: [], targetExists: true });
    expect(claimed.plan.deferredKey).toEqual(['ALTER TABLE "public"."claimed" ADD PRIMARY KEY ("id")', 'CREATE UNIQUE INDEX "claimed_code_key" ON "public"."claimed" ("code")']);
    // Its snapshot carries the deferral on: chunks load it bare, finish-run keys it.
    const snapshot = await snapshotTable({ plan: claimed.plan, source: { dialect: 'postgres', data: source.data }, target: { dialect: 'postgres', data: target.data }, job: JOB, stagingTag: 'claimed' });
    expect(snapshot.deferredKey?.statements).toEqual(claimed.plan.deferredKey);
    expect(await primaryKey(table)).toEqual([]);
    // Not this run's (or no answer): an existing table, left as it is.
    expect((await replan(async () => false)).plan.deferredKey).toBeUndefined();
    expect((await replan()).plan.deferredKey).toBeUndefined();
    // A keyed table is never asked about.
    await buildDeferredKey(snapshot, target.data);
    const keyed = await replan(async () => true);
    expect(keyed.asked).toEqual([]);
    expect(keyed.plan.deferredKey).toBeUndefined();
  }, 60_000);

  it('a first attempt is proven by COPY’s own count: rows a trigger drops fail the chunk, rolled back', async () => {
    const { snapshot, table } = await plannedSnapshot('public.trigger_eats');
    await target.data.execute([
      `CREATE FUNCTION eat_tens() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id % 10 = 0 THEN RETURN NULL; END IF; RETURN NEW; END $$`,
      'CREATE TRIGGER eat BEFORE INSERT ON trigger_eats FOR EACH ROW EXECUTE FUNCTION eat_tens()',
    ]);
    const failure = await copyChunk(snapshot, {}, { source: source.data, target: target.data, firstAttempt: true }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(RowCountMismatchError);
    expect((failure as Error).message).toMatch(/stored 36 of the 40 row\(s\).*COPY's own count/);
    expect(await count(table)).toBe(0);
  }, 60_000);

  it('fails loudly, naming the table, when the rows hold a duplicate key', async () => {
    const { snapshot, table } = await plannedSnapshot('public.dupes');
    await copyChunk(snapshot, {}, { source: source.data, target: target.data, firstAttempt: true });
    // A second first-attempt write of the same range (what a chunk delivered twice at once could do).
    await copyChunk(snapshot, { upper: [1n] }, { source: source.data, target: target.data, firstAttempt: true });
    const failure = await buildDeferredKey(snapshot, target.data, ROWS).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DeferredKeyError);
    expect((failure as DeferredKeyError).transient).toBe(false);
    expect((failure as Error).message).toMatch(/primary key \(id\) of public\.dupes could not be built after the load.*duplicate/i);
    expect(await primaryKey(table)).toEqual([]);
  }, 60_000);

  it('keys the table at once when the write mode needs the key (an upsert after key orders disagree, incremental)', async () => {
    // An incremental job never plans a deferral; a deferral its snapshot cannot use is built at once.
    const [plan] = await planTables({
      source: { dialect: 'postgres', session: source.session },
      target: { dialect: 'postgres', session: target.session, defaultSchema: 'public' },
      tables: [{ source: 'public.items', target: 'public.incremental' }],
      options: { createTables: true, evolveSchema: false, deferKeys: true },
    });
    expect(plan.deferredKey).toBeDefined();
    await target.data.execute(plan.ddl);
    const snapshot = await snapshotTable({ plan, source: { dialect: 'postgres', data: source.data }, target: { dialect: 'postgres', data: target.data }, job: { ...JOB, mode: 'incremental' }, stagingTag: 'inc' });
    expect(snapshot.deferredKey).toBeUndefined();
    expect(snapshot.write.mode).toBe('upsert');
    expect(await primaryKey(plan.target)).toEqual(['id']);
  }, 60_000);

  it('defers only a key the source enforces: a key the job names (maybe not unique) is kept during the load', async () => {
    const [plan] = await planTables({
      source: { dialect: 'postgres', session: source.session },
      target: { dialect: 'postgres', session: target.session, defaultSchema: 'public' },
      tables: [{ source: 'public.items', target: 'public.by_label', keyColumns: ['label'] }],
      options: { createTables: true, evolveSchema: false, deferKeys: true },
    });
    expect(plan.deferredKey).toBeUndefined();
    expect(plan.ddl.join(';')).toContain('PRIMARY KEY ("label")');
  }, 60_000);

  it('refuses an upsert into a table without a key on the upsert key, naming the table', async () => {
    const { snapshot, table } = await plannedSnapshot('public.left_bare');
    expect(snapshot.deferredKey).toBeDefined();
    // The run that created it failed before building the key: the next upsert run is refused before any chunk.
    const [plan] = await planTables({
      source: { dialect: 'postgres', session: source.session },
      target: { dialect: 'postgres', session: target.session, defaultSchema: 'public' },
      tables: [{ source: 'public.items', target: 'public.left_bare' }],
      options: { createTables: true, evolveSchema: false },
    });
    expect(plan.ddl).toEqual([]);
    const refused = snapshotTable({ plan, source: { dialect: 'postgres', data: source.data }, target: { dialect: 'postgres', data: target.data }, job: { ...JOB, writeMode: 'upsert' }, stagingTag: 'up' });
    await expect(refused).rejects.toThrow(SnapshotError);
    await expect(refused).rejects.toThrow(/public\.left_bare has no primary key or unique index on \(id\)/);
    expect(await primaryKey(table)).toEqual([]);
  }, 60_000);
});
