import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Database } from 'sqlite3';
import { type DataPlane, type DialectSession, type NeutralColumn, parseConnectionUrl, RowCountMismatchError, type TableRef } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { copyRange, type CopyRangeInput } from './copy-range';

/**
 * Issue 8 item 2: a chunk never reports rows its target range does not hold. With a target that
 * loses or moves one row of the chunk (a trigger standing in for a second writer), replace-range
 * fails inside its transaction (nothing committed) and upsert fails after its commit, both with
 * a terminal RowCountMismatchError giving both numbers; without such a target every mode passes.
 */
const ROWS = 1000;
const LOST = 250;

type Side = { session: DialectSession; data: DataPlane };

async function open(dialect: 'postgres' | 'mysql' | 'sqlite', database: string): Promise<Side> {
  const spec = dialect === 'sqlite' ? { database } : parseConnectionUrl(dialect, database);
  const session = await dialectFor(dialect).connect({ dialect, ...spec }, { timeoutMs: 10_000 });
  return { session, data: session.data! };
}

async function ids(side: Side, table: TableRef): Promise<string[]> {
  const described = (await side.data.introspector.describeTable(table))!;
  const id = described.columns.find((c) => c.name === 'id') as NeutralColumn;
  const out: string[] = [];
  for await (const batch of side.data.reader.read({ table, columns: [id], keyColumns: ['id'], batchSize: 1000 })) out.push(...batch.rows.map((r) => String(r[0])));
  return out;
}

describe('copyRange guard: the target range holds the rows written', () => {
  let pgDb: EphemeralDatabase;
  let mariaDb: EphemeralDatabase;
  let source: Side;
  let columns: NeutralColumn[];
  const targets: Record<string, { side: Side; schema: string }> = {};

  beforeAll(async () => {
    pgDb = await createPostgresDatabase('dbferry_guard');
    mariaDb = await createMysqlDatabase('dbferry_guard');
    source = await open('postgres', pgDb.url);
    await source.data.execute([
      'CREATE TABLE src (id bigint PRIMARY KEY, v text NOT NULL)',
      `INSERT INTO src SELECT g, 'v' || g FROM generate_series(1, ${ROWS}) g`,
    ]);
    columns = (await source.data.introspector.describeTable({ schema: 'public', name: 'src' }))!.columns;

    // Each target gets `ok` (plain) and `lossy` (one row of the chunk deleted or moved away by a trigger).
    const pgTarget = await open('postgres', pgDb.url);
    await pgTarget.data.execute([
      'CREATE TABLE ok (id bigint PRIMARY KEY, v text NOT NULL)',
      'CREATE TABLE lossy (id bigint PRIMARY KEY, v text NOT NULL)',
      `CREATE FUNCTION lose_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM lossy WHERE id = ${LOST}; RETURN NULL; END $$`,
      `CREATE TRIGGER lose_one AFTER INSERT ON lossy FOR EACH ROW WHEN (NEW.id = ${LOST}) EXECUTE FUNCTION lose_one()`,
    ]);
    targets.postgres = { side: pgTarget, schema: 'public' };

    const maria = await open('mysql', mariaDb.url);
    // MariaDB triggers cannot touch their own table: this one moves the row out of the range.
    await maria.data.execute([
      'CREATE TABLE ok (id bigint PRIMARY KEY, v varchar(20) NOT NULL)',
      'CREATE TABLE lossy (id bigint PRIMARY KEY, v varchar(20) NOT NULL)',
      `CREATE TRIGGER lose_one BEFORE INSERT ON lossy FOR EACH ROW SET NEW.id = IF(NEW.id = ${LOST}, 1000000 + UUID_SHORT() % 1000000000, NEW.id)`,
    ]);
    targets.mysql = { side: maria, schema: mariaDb.name };

    const file = join(mkdtempSync(join(tmpdir(), 'dbferry-guard-')), 'guard.db');
    await new Promise<void>((resolve, reject) => {
      const db = new Database(file, (error) => {
        if (error) return reject(error);
        db.exec(
          [
            'CREATE TABLE ok (id INTEGER PRIMARY KEY, v TEXT NOT NULL)',
            'CREATE TABLE lossy (id INTEGER PRIMARY KEY, v TEXT NOT NULL)',
            `CREATE TRIGGER lose_one AFTER INSERT ON lossy WHEN NEW.id = ${LOST} BEGIN DELETE FROM lossy WHERE id = NEW.id; END`,
          ].join(';\n'),
          (e) => db.close(() => (e ? reject(e) : resolve())),
        );
      });
    });
    targets.sqlite = { side: await open('sqlite', file), schema: 'main' };
  }, 60_000);

  afterAll(async () => {
    await source?.session.close();
    for (const t of Object.values(targets)) await t.side.session.close();
    await pgDb?.drop();
    await mariaDb?.drop();
  });

  const copy = (dialect: string, table: string, overrides: Partial<CopyRangeInput>) =>
    copyRange({
      source: source.data,
      target: targets[dialect].side.data,
      from: { schema: 'public', name: 'src' },
      to: { schema: targets[dialect].schema, name: table },
      columns,
      keyColumns: ['id'],
      range: { lower: [0n], upper: [500n] },
      mode: 'replace-range',
      verify: 'range',
      batchSize: 100,
      ...overrides,
    });

  describe.each(['postgres', 'mysql', 'sqlite'])('into %s', (dialect) => {
    it('passes in every mode when the target holds what was written, run after run', async () => {
      const to = { schema: targets[dialect].schema, name: 'ok' };
      for (const mode of ['replace-range', 'upsert', 'replace-range'] as const) {
        const result = await copy(dialect, 'ok', { mode });
        expect(result).toMatchObject({ rowsRead: 500, rowsWritten: 500 });
      }
      const keyCheck = { keys: { dialect: dialect as 'postgres', keyColumns: columns.filter((c) => c.name === 'id') } };
      expect(await copy(dialect, 'ok', { mode: 'upsert', verify: keyCheck, range: { lower: [500n] } })).toMatchObject({ rowsWritten: 500 });
      expect(await ids(targets[dialect].side, to)).toHaveLength(ROWS);
    });

    it('replace-range: a range holding one row fewer than written fails terminally before the commit, with both numbers', async () => {
      const to = { schema: targets[dialect].schema, name: 'lossy' };
      await expect(copy(dialect, 'lossy', { range: { upper: [100n] } })).resolves.toMatchObject({ rowsWritten: 100 });
      const before = await ids(targets[dialect].side, to);
      const failure = await copy(dialect, 'lossy', {}).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RowCountMismatchError);
      expect(failure).toMatchObject({ expected: 500, found: 499, transient: false });
      expect((failure as Error).message).toMatch(/holds 499 row\(s\) after 500 were written/);
      expect(await ids(targets[dialect].side, to)).toEqual(before);
    });

    it('upsert: the range holding fewer rows than the source gave fails terminally, with both numbers', async () => {
      const failure = await copy(dialect, 'lossy', { mode: 'upsert' }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RowCountMismatchError);
      expect(failure).toMatchObject({ expected: 500, found: 499, transient: false });
      expect((failure as Error).message).toMatch(/holds 499 row\(s\) after the source's 500 were upserted/);
    });

    it('upsert by key set (keys ordered differently on the two sides): a missing key fails terminally, with both numbers', async () => {
      const keyCheck = { keys: { dialect: dialect as 'postgres', keyColumns: columns.filter((c) => c.name === 'id') } };
      const failure = await copy(dialect, 'lossy', { mode: 'upsert', verify: keyCheck }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RowCountMismatchError);
      expect(failure).toMatchObject({ expected: 500, found: 499 });
      expect((failure as Error).message).toMatch(/holds 499 row\(s\) with the 500 key\(s\) this chunk wrote/);
    });

    it('without the guard the same write reports rows the target does not hold (what the guard is for)', async () => {
      const result = await copy(dialect, 'lossy', { verify: undefined });
      expect(result.rowsWritten).toBe(500);
      const held = (await ids(targets[dialect].side, { schema: targets[dialect].schema, name: 'lossy' })).filter((id) => Number(id) <= 500);
      expect(held).toHaveLength(499);
    });
  });

  /**
   * PostgreSQL counts each replace-range through the key's index in the write's transaction: rows
   * the target orders outside the range, a trigger dropping one, or a partition's trigger moving
   * one away all fail the chunk before the commit.
   */
  describe('into postgres: every replace-range is counted on the key index before the commit', () => {
    let pg: Side;
    let textColumns: NeutralColumn[];
    const rangeCounts: string[] = [];
    let spy: jest.SpyInstance;

    beforeAll(async () => {
      pg = await open('postgres', pgDb.url);
      await pg.data.execute([
        // Keys as text on the source, bigint on the target: '10' < '9' on one side only.
        'CREATE TABLE src_text (id text PRIMARY KEY, v text NOT NULL)',
        "INSERT INTO src_text SELECT g::text, 'v' || g FROM generate_series(1, 100) g",
        'CREATE TABLE by_value (id bigint PRIMARY KEY, v text NOT NULL)',
        'CREATE TABLE quiet (id bigint PRIMARY KEY, v text NOT NULL)',
        // A trigger that exists but is disabled changes nothing.
        'CREATE FUNCTION keep_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$',
        'CREATE TRIGGER keep_row BEFORE INSERT ON quiet FOR EACH ROW EXECUTE FUNCTION keep_row()',
        'ALTER TABLE quiet DISABLE TRIGGER keep_row',
        // A BEFORE trigger dropping a row.
        `CREATE FUNCTION drop_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = ${LOST} THEN RETURN NULL; END IF; RETURN NEW; END $$`,
        'CREATE TABLE dropping (id bigint PRIMARY KEY, v text NOT NULL)',
        'CREATE TRIGGER drop_one BEFORE INSERT ON dropping FOR EACH ROW EXECUTE FUNCTION drop_one()',
        // A partitioned table whose one partition has an AFTER trigger moving a row out of the range.
        'CREATE TABLE parted (id bigint PRIMARY KEY, v text NOT NULL) PARTITION BY RANGE (id)',
        'CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (MINVALUE) TO (1000)',
        'CREATE TABLE parted_high PARTITION OF parted FOR VALUES FROM (1000) TO (MAXVALUE)',
        `CREATE FUNCTION move_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE parted SET id = 5000 WHERE id = ${LOST}; RETURN NULL; END $$`,
        `CREATE TRIGGER move_one AFTER INSERT ON parted_low FOR EACH ROW WHEN (NEW.id = ${LOST}) EXECUTE FUNCTION move_one()`,
      ]);
      textColumns = (await pg.data.introspector.describeTable({ schema: 'public', name: 'src_text' }))!.columns;
      const query = Client.prototype.query as (...args: unknown[]) => unknown;
      spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
        if (typeof args[0] === 'string' && args[0].startsWith('SELECT count(*)')) rangeCounts.push(args[0]);
        return query.apply(this, args);
      } as never);
    }, 60_000);

    afterAll(async () => {
      spy?.mockRestore();
      await pg?.session.close();
    });

    beforeEach(() => {
      rangeCounts.length = 0;
    });

    const into = (table: string, overrides: Partial<CopyRangeInput> = {}) =>
      copyRange({
        source: source.data,
        target: pg.data,
        from: { schema: 'public', name: 'src' },
        to: { schema: 'public', name: table },
        columns,
        keyColumns: ['id'],
        range: { lower: [0n], upper: [500n] },
        mode: 'replace-range',
        verify: 'range',
        batchSize: 100,
        ...overrides,
      });

    it('a table without an enabled trigger passes, run after run, each range counted through the key index', async () => {
      for (const range of [{ upper: [200n] }, { lower: [200n], upper: [600n] }, { lower: [600n] }, { lower: [200n], upper: [600n] }]) {
        await expect(into('quiet', { range })).resolves.toMatchObject({ rowsWritten: range.upper ? Number(range.upper[0]) - Number(range.lower?.[0] ?? 0) : ROWS - 600 });
      }
      expect(rangeCounts).toHaveLength(4);
      expect(await ids(pg, { schema: 'public', name: 'quiet' })).toHaveLength(ROWS);
    });

    it('rows the target orders outside the range fail the chunk terminally before the commit, with both numbers', async () => {
      // The source's text range ('1', '5'] holds 1, 10–19, 2, 20–29, … 5: 45 rows, of which the
      // target's bigint range (1, 5] holds 4 (2, 3, 4, 5).
      const textCopy = (verify: CopyRangeInput['verify']) =>
        copyRange({
          source: pg.data,
          target: pg.data,
          from: { schema: 'public', name: 'src_text' },
          to: { schema: 'public', name: 'by_value' },
          columns: textColumns,
          keyColumns: ['id'],
          range: { lower: ['1'], upper: ['5'] },
          mode: 'replace-range',
          verify,
          batchSize: 10,
        });
      const failure = await textCopy('range').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RowCountMismatchError);
      expect(failure).toMatchObject({ expected: 45, found: 4, transient: false });
      expect((failure as Error).message).toMatch(/holds 4 row\(s\) after 45 were written into it, in the same transaction \(rolled back\)/);
      expect(await ids(pg, { schema: 'public', name: 'by_value' })).toEqual([]);
      expect(rangeCounts).toHaveLength(1);
      // Without the guard the chunk says 45 while 41 of them sit outside its range.
      await expect(textCopy(undefined)).resolves.toMatchObject({ rowsWritten: 45 });
      expect(await ids(pg, { schema: 'public', name: 'by_value' })).toHaveLength(45);
    });

    it('a BEFORE trigger dropping a row: the range is counted and the chunk fails with both numbers', async () => {
      const failure = await into('dropping').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RowCountMismatchError);
      expect(failure).toMatchObject({ expected: 500, found: 499, transient: false });
      expect(rangeCounts).toHaveLength(1);
      expect(await ids(pg, { schema: 'public', name: 'dropping' })).toEqual([]);
    });

    it('a trigger on a partition moving a row out of the range: counted, fails with both numbers', async () => {
      const failure = await into('parted').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RowCountMismatchError);
      expect(failure).toMatchObject({ expected: 500, found: 499, transient: false });
      expect(rangeCounts).toHaveLength(1);
      expect(await ids(pg, { schema: 'public', name: 'parted' })).toEqual([]);
      await expect(into('parted', { verify: undefined })).resolves.toMatchObject({ rowsWritten: 500 });
      expect((await ids(pg, { schema: 'public', name: 'parted' })).filter((id) => Number(id) <= 500)).toHaveLength(499);
    });
  });
});
