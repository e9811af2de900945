import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
