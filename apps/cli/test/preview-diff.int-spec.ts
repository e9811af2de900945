import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { runCli } from './run-cli';

/** `dbferry preview` (DDL, mapping, loss notes; nothing changed) and `dbferry diff` (the arbitration engine in-process). */
describe('dbferry preview and diff', () => {
  let pg: EphemeralDatabase;
  let my: EphemeralDatabase;
  const mysql = async (sql: string) => {
    const c = await createConnection(my.url);
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    pg = await createPostgresDatabase('dbferry_cli_pd');
    my = await createMysqlDatabase('dbferry_cli_pd');
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    await c.query(`CREATE TABLE public.lossy (id int PRIMARY KEY, big numeric(70,5), span interval);
      CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL);
      INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, 300) g`);
    await c.end();
    await mysql('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)');
    await mysql("INSERT INTO items SELECT seq, CONCAT('item ', seq) FROM seq_1_to_300");
    // 2 missing, 1 extra, 1 different.
    await mysql('DELETE FROM items WHERE id IN (7, 70)');
    await mysql("INSERT INTO items VALUES (1000, 'only here')");
    await mysql("UPDATE items SET name = 'changed' WHERE id = 42");
  }, 120_000);

  afterAll(async () => {
    await pg?.drop();
    await my?.drop();
  });

  it('previews the DDL and each column\'s mapping with its value-loss note, creating nothing', async () => {
    const run = await runCli(['preview', pg.url, my.url, '--tables', 'public.lossy', '--json']);
    expect(run.code).toBe(0);
    const [table] = JSON.parse(run.stdout).tables;
    expect(table).toMatchObject({ source: 'public.lossy', target: `${my.name}.lossy`, targetExists: false, keyColumns: ['id'] });
    expect(table.ddl[0]).toMatch(/^CREATE TABLE `[^`]+`\.`lossy`/);
    const byColumn = Object.fromEntries(table.mapping.map((m: { column: string; targetType: string; lossy?: { description: string } }) => [m.column, m]));
    expect(byColumn.big).toMatchObject({ targetType: 'decimal(65,0)', lossy: { description: expect.stringContaining('65') } });
    expect(byColumn.span.lossy.description).toContain('interval');
    expect(byColumn.id.lossy).toBeUndefined();
    const text = await runCli(['preview', pg.url, my.url, '--tables', 'public.lossy']);
    expect(text.stdout).toMatch(/^big\s+numeric\(70,5\)\s+decimal\(70,5\)\s+decimal\(65,0\)\s+\S/m);
    expect(text.stdout).toContain('DDL:');
    // Nothing was created.
    const check = await createConnection(my.url);
    const [rows] = await check.query("SHOW TABLES LIKE 'lossy'");
    await check.end();
    expect(rows).toEqual([]);
  });

  it('diffs PostgreSQL against MariaDB: exactly 2 missing, 1 extra, 1 different, with their keys', async () => {
    const run = await runCli(['diff', pg.url, my.url, '--tables', 'public.it*', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.equal).toBe(false);
    expect(out.tables).toHaveLength(1);
    expect(out.tables[0]).toMatchObject({ table: 'public.items', other: `${my.name}.items`, rowsCompared: 300, missing: 2, extra: 1, different: 1 });
    expect(out.tables[0].keys).toEqual({ missing: [[7], [70]], extra: [[1000]], different: [{ key: [42], columns: ['name'] }] });
    const checked = await runCli(['diff', pg.url, my.url, '--tables', 'public.items', '--check']);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(/^different public\.items key \[42\]: name$/m);
    const missingTable = await runCli(['diff', pg.url, my.url, '--tables', 'public.nope']);
    expect(missingTable.code).toBe(1);
  }, 120_000);
});
