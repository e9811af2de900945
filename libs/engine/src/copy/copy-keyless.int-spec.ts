import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionSpec, DataPlane, DialectName, DialectSession, NeutralColumn, TableRef } from '@dbferry/dialects-core';
import { normalizeValue, parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { copyKeyless, keylessSwapSql } from './copy-keyless';

const ROWS = 3000;

interface Side {
  dialect: DialectName;
  session: DialectSession;
  data: DataPlane;
  schema: string;
  drop(): Promise<void>;
}

async function open(dialect: DialectName, spec: ConnectionSpec, schema: string, drop: () => Promise<void>): Promise<Side> {
  const session = await dialectFor(dialect).connect(spec, { timeoutMs: 10_000 });
  return { dialect, session, data: session.data!, schema, drop: async () => (await session.close(), await drop()) };
}

/** Every row as normalised text, sorted: keyless tables have no order of their own. */
async function contents(side: Side, table: TableRef): Promise<string[]> {
  const described = (await side.data.introspector.describeTable(table))!;
  const rows: string[] = [];
  for await (const batch of side.data.reader.read({ table, columns: described.columns, keyColumns: [], batchSize: 1000 })) {
    for (const row of batch.rows) rows.push(JSON.stringify(row.map((v, i) => normalizeValue((described.columns[i] as NeutralColumn).type, v))));
  }
  return rows.sort();
}

describe('copyKeyless: a staging table swapped in', () => {
  let pgDb: EphemeralDatabase;
  let source: Side;
  const targets: Side[] = [];
  let columns: NeutralColumn[];
  const from: TableRef = { schema: 'public', name: 'events' };

  beforeAll(async () => {
    pgDb = await createPostgresDatabase('dbferry_keyless');
    source = await open('postgres', { dialect: 'postgres', ...parseConnectionUrl('postgres', pgDb.url) }, 'public', async () => undefined);
    await source.data.execute([
      'CREATE TABLE events (at timestamp(6), kind text, n bigint)',
      `INSERT INTO events SELECT timestamp '2024-01-01' + g * interval '1 second', 'kind ' || (g % 7), g * 9000000000000 FROM generate_series(1, ${ROWS}) g`,
      // duplicates are allowed without a key: they must arrive twice
      `INSERT INTO events VALUES ('2024-01-01 00:00:01', 'kind 1', 9000000000000)`,
    ]);
    columns = (await source.data.introspector.describeTable(from))!.columns;

    const maria = await createMysqlDatabase('dbferry_keyless');
    targets.push(await open('mysql', { dialect: 'mysql', ...parseConnectionUrl('mysql', maria.url) }, maria.name, maria.drop));
    const pgTarget = await createPostgresDatabase('dbferry_keyless_dst');
    targets.push(await open('postgres', { dialect: 'postgres', ...parseConnectionUrl('postgres', pgTarget.url) }, 'public', pgTarget.drop));
    const dir = mkdtempSync(join(tmpdir(), 'dbferry-keyless-'));
    targets.push(await open('sqlite', { dialect: 'sqlite', database: join(dir, 'k.db'), options: { create: true } }, 'main', async () => rmSync(dir, { recursive: true, force: true })));
  }, 60_000);

  afterAll(async () => {
    await source?.session.close();
    await pgDb?.drop();
    for (const t of targets) await t.drop();
  });

  it.each(['mysql', 'postgres', 'sqlite'] as const)('replaces a %s target whole, dropping any leftover staging table', async (dialect) => {
    const side = targets.find((t) => t.dialect === dialect)!;
    const to: TableRef = { schema: side.schema, name: 'events' };
    await side.data.execute(side.data.ddl.createTable(to, { columns, primaryKey: [], indexes: [] }).statements);
    const stage = keylessSwapSql(dialect, (t) => side.data.ddl.qualify(t), to, 'run-table-1', columns).stage;
    // Old rows in the target, and a staging table left by a worker that died mid-copy.
    await side.data.execute(side.data.ddl.createTable(stage, { columns, primaryKey: [], indexes: [] }).statements);
    const base = { source: source.data, target: side.data, targetDialect: dialect, stagingTag: 'run-table-1', from, to, columns, batchSize: 500 };
    await copyKeyless({ ...base, where: `"n" < 0` }); // an empty set first: the target must become empty, not keep rows
    expect(await contents(side, to)).toEqual([]);
    const result = await copyKeyless(base);
    expect(result.rowsWritten).toBe(ROWS + 1);
    expect(await contents(side, to)).toEqual(await contents(source, from));
    expect(await side.data.introspector.describeTable(stage)).toBeNull();
  }, 60_000);

  it('leaves the target as it was when the copy fails part-way', async () => {
    const side = targets.find((t) => t.dialect === 'mysql')!;
    const to: TableRef = { schema: side.schema, name: 'events' };
    const before = await contents(side, to);
    const controller = new AbortController();
    let batches = 0;
    await expect(
      copyKeyless({
        source: source.data, target: side.data, targetDialect: 'mysql', stagingTag: 'run-table-2', from, to, columns, batchSize: 200,
        signal: controller.signal,
        onRows: () => {
          if (++batches === 3) controller.abort(new Error('worker shutting down'));
        },
      }),
    ).rejects.toThrow();
    expect(await contents(side, to)).toEqual(before);
    expect(await side.data.introspector.describeTable(keylessSwapSql('mysql', (t) => side.data.ddl.qualify(t), to, 'run-table-2', columns).stage)).toBeNull();
  }, 60_000);
});

describe('keyless swap SQL (golden)', () => {
  const cols = [{ name: 'a b', nativeType: 'int', nullable: true, type: { kind: 'int32' } }] as NeutralColumn[];
  const q = (t: TableRef) => `[${t.schema}].[${t.name}]`;
  it('swaps in one transaction on SQL Server and in one block on Oracle', () => {
    expect(keylessSwapSql('mssql', q, { schema: 'dbo', name: 't' }, 'abc-123', cols)).toEqual({
      stage: { schema: 'dbo', name: 'dbferry_stage_abc123' },
      dropLeftovers: ['DROP TABLE IF EXISTS [dbo].[dbferry_stage_abc123]'],
      createLike: undefined,
      swap: [['DELETE FROM [dbo].[t]', 'INSERT INTO [dbo].[t] ([a b]) SELECT [a b] FROM [dbo].[dbferry_stage_abc123]'], ['DROP TABLE [dbo].[dbferry_stage_abc123]']],
    });
    const oq = (t: TableRef) => `"${t.schema}"."${t.name}"`;
    const oracle = keylessSwapSql('oracle', oq, { schema: 'APP', name: 'T' }, 'abc-123', cols);
    expect(oracle.swap[0]).toEqual(['BEGIN DELETE FROM "APP"."T"; INSERT INTO "APP"."T" ("a b") SELECT "a b" FROM "APP"."dbferry_stage_abc123"; END;']);
    expect(oracle.dropLeftovers[0]).toBe(
      `BEGIN EXECUTE IMMEDIATE 'DROP TABLE "APP"."dbferry_stage_abc123" PURGE'; EXCEPTION WHEN OTHERS THEN IF SQLCODE != -942 THEN RAISE; END IF; END;`,
    );
  });
});
