import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataPlane, DialectSession, NeutralValue } from '@dbferry/dialects-core';
import { parseConnectionUrl } from '@dbferry/dialects-core';
import { Client } from 'pg';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { BIN, runCli, shellWords } from './run-cli';
import { expectTortureValues, loadTorture, open, readAll } from './torture-check';

const tableResult = (t: Record<string, unknown>) => ({ source: t.source, target: t.target, status: t.status, rowsRead: t.rowsRead, rowsWritten: t.rowsWritten, rejects: t.rejects });

/**
 * `dbferry copy` run as a user runs it (a child process on the launcher): PostgreSQL → MariaDB
 * and MariaDB → SQLite of the torture table, read back value by value; progress on a pseudo-TTY
 * and as plain lines; exit codes; a replication file.
 */
describe('dbferry copy (one-shot, in-process engine)', () => {
  let pg: EphemeralDatabase;
  let my: EphemeralDatabase;
  let pgEnds: { session: DialectSession; data: DataPlane };
  let myEnds: { session: DialectSession; data: DataPlane };
  let dir: string;

  beforeAll(async () => {
    pg = await createPostgresDatabase('dbferry_cli');
    my = await createMysqlDatabase('dbferry_cli');
    dir = mkdtempSync(join(tmpdir(), 'dbferry-cli-'));
    pgEnds = await open({ dialect: 'postgres', ...parseConnectionUrl('postgres', pg.url) });
    myEnds = await open({ dialect: 'mysql', ...parseConnectionUrl('mysql', my.url) });
    await loadTorture(pgEnds.data);
    // Small tables for progress, exit codes and the replication file.
    await pgEnds.data.execute([
      'CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL, amount numeric(10,2))',
      "INSERT INTO public.items SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, 500) g",
      'CREATE TABLE public.notes (id int PRIMARY KEY, body text)',
      "INSERT INTO public.notes SELECT g, repeat('n', g) FROM generate_series(1, 5) g",
    ]);
  }, 120_000);

  afterAll(async () => {
    await pgEnds?.session.close();
    await myEnds?.session.close();
    await pg?.drop();
    await my?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies the torture table PostgreSQL → MariaDB and reports exact counts in --json', async () => {
    const run = await runCli(['copy', pg.url, my.url, '--tables', 'public.torture', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect({ status: out.status, exitCode: out.exitCode, rowsRead: out.rowsRead, rowsWritten: out.rowsWritten }).toEqual({ status: 'succeeded', exitCode: 0, rowsRead: 4, rowsWritten: 4 });
    expect(out.tables.map(tableResult)).toEqual([{ source: 'public.torture', target: `${my.name}.torture`, status: 'succeeded', rowsRead: 4, rowsWritten: 4, rejects: 0 }]);
    expect(out.tables[0].ddl[0]).toMatch(/^CREATE TABLE/);
    expectTortureValues(await readAll(myEnds.data, { schema: my.name, name: 'torture' }));
  });

  it('PostgreSQL → PostgreSQL into a new table: loads it without its primary key and builds the key and indexes after the load, rows exact', async () => {
    const dst = await createPostgresDatabase('dbferry_cli_dst');
    try {
      await pgEnds.data.execute([
        'CREATE TABLE public.keyed (id bigint PRIMARY KEY, code int NOT NULL, note text)',
        'CREATE UNIQUE INDEX keyed_code ON public.keyed (code)',
        "INSERT INTO public.keyed SELECT g, 100000 + g, md5(g::text) FROM generate_series(1, 20000) g",
      ]);
      const run = await runCli(['copy', pg.url, dst.url, '--tables', 'public.keyed', '--json', '--chunk-rows', '3000', '--concurrency', '3', '--batch-size', '1000']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout);
      expect(out.tables.map(tableResult)).toEqual([{ source: 'public.keyed', target: 'public.keyed', status: 'succeeded', rowsRead: 20000, rowsWritten: 20000, rejects: 0 }]);
      // Created bare, keyed after the load: the DDL run, in order.
      const ddl = out.tables[0].ddl as string[];
      expect(ddl[0]).toMatch(/^CREATE TABLE "public"\."keyed"/);
      expect(ddl[0]).not.toMatch(/PRIMARY KEY/);
      expect(ddl.slice(1)).toEqual(['ALTER TABLE "public"."keyed" ADD PRIMARY KEY ("id")', 'CREATE UNIQUE INDEX "keyed_code_key" ON "public"."keyed" ("code")']);
      expect(out.tables[0].chunks).toBeGreaterThan(1);
      const client = new Client({ connectionString: dst.url });
      await client.connect();
      try {
        const key = await client.query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'public.keyed'::regclass AND contype = 'p'`);
        expect(key.rows).toEqual([{ def: 'PRIMARY KEY (id)' }]);
        const unique = await client.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'keyed' AND indexname = 'keyed_code_key'`);
        expect(unique.rows).toHaveLength(1);
        const [held] = (await client.query('SELECT count(*)::int AS rows, count(DISTINCT id)::int AS keys, sum(code)::bigint::text AS codes, md5(string_agg(note, \',\' ORDER BY id)) AS notes FROM public.keyed')).rows;
        const srcClient = new Client({ connectionString: pg.url });
        await srcClient.connect();
        const [expected] = (await srcClient.query('SELECT count(*)::int AS rows, count(DISTINCT id)::int AS keys, sum(code)::bigint::text AS codes, md5(string_agg(note, \',\' ORDER BY id)) AS notes FROM public.keyed')).rows;
        await srcClient.end();
        expect(held).toEqual(expected);
        expect(held.rows).toBe(20000);
      } finally {
        await client.end();
      }
    } finally {
      // The later tests copy public.* of the source.
      await pgEnds.data.execute(['DROP TABLE public.keyed']);
      await dst.drop();
    }
  });

  it('copies the torture table MariaDB → SQLite (a new file) with every value intact', async () => {
    // The MariaDB copy is the previous test's target: made by the CLI itself. A bare table name
    // is a table of the source's own namespace (here the URL's database), as sling reads it.
    const file = join(dir, 'torture.db');
    const run = await runCli(['copy', my.url, `sqlite://${file}`, '--tables', 'torture', '--json', '--batch-size', '2']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.tables.map(tableResult)).toEqual([{ source: `${my.name}.torture`, target: 'main.torture', status: 'succeeded', rowsRead: 4, rowsWritten: 4, rejects: 0 }]);
    const sqlite = await open({ dialect: 'sqlite', database: file });
    try {
      expectTortureValues(await readAll(sqlite.data, { schema: 'main', name: 'torture' }));
    } finally {
      await sqlite.session.close();
    }
  });

  it('draws a progress bar per table on a pseudo-terminal', async () => {
    const file = join(dir, 'tty.db');
    const command = shellWords([process.execPath, BIN, 'copy', pg.url, `sqlite://${file}`, '--tables', 'public.items,public.notes', '--batch-size', '50']);
    // An 80-column terminal, as most are: the line (rate and ETA included) must fit, not be cut at the edge.
    const run = await runCli([], { shell: `script -qec ${shellWords([`stty cols 80 rows 24; ${command}`])} /dev/null` });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('█');
    expect(run.stdout).toMatch(/public\.items\s+\[[█░]+\] 100% \| 500\/500 rows \| \d+ rows\/s \| ETA/);
    expect(run.stdout).toMatch(/public\.notes\s+\[[█░]+\] 100% \| 5\/5 rows/);
    // The summary table after the bars.
    expect(run.stdout).toMatch(/public\.items\s+main\.items\s+succeeded\s+500\s+500\s+0/);
  });

  it('prints plain progress lines and a summary without a terminal', async () => {
    const file = join(dir, 'plain.db');
    const run = await runCli(['copy', pg.url, `sqlite://${file}`, '--tables', 'public.*', '--batch-size', '50']);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('\u001b[');
    expect(run.stderr).not.toContain('█');
    expect(run.stderr).toContain('planned 3 table(s)');
    expect(run.stderr).toMatch(/^public\.items: done, 500 rows written in [\d.]+ s \(\d+ rows\/s\)$/m);
    expect(run.stdout).toMatch(/^table\s+target\s+status\s+rows read\s+rows written/m);
    expect(run.stdout).toMatch(/^public\.notes\s+main\.notes\s+succeeded\s+5\s+5\s+0/m);
    expect(run.stdout).toMatch(/^succeeded: 509 rows written from 3 table\(s\)/m);
  });

  it('exits 2 on bad usage, with one line naming the argument', async () => {
    const [noTables, badScheme, badNumber, badChoice, transform] = await Promise.all([
      runCli(['copy', pg.url, my.url]),
      runCli(['copy', 'ftp://x/y', my.url, '--tables', 'a.b']),
      runCli(['copy', pg.url, my.url, '--tables', 'a.b', '--batch-size', '0']),
      runCli(['copy', pg.url, my.url, '--tables', 'a.b', '--write-mode', 'merge']),
      runCli(['copy', pg.url, my.url, '--tables', 'public.items', '--transform', 'name=mask']),
    ]);
    expect(noTables.code).toBe(2);
    expect(noTables.stderr.trim().split('\n')).toHaveLength(1);
    expect(noTables.stderr).toContain('--tables');
    expect(badScheme.code).toBe(2);
    expect(badScheme.stderr).toMatch(/^dbferry: SOURCE_URL: unknown scheme "ftp:"/);
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain('--batch-size');
    expect(badChoice.code).toBe(2);
    expect(badChoice.stderr).toContain('--write-mode');
    expect(transform.code).toBe(2);
    expect(transform.stderr).toMatch(/^dbferry: --transform "name=mask": /);
  }, 180_000);

  it('exits 1 for a failed copy, in one line without the password or a stack', async () => {
    const secret = 'Sup3rSecretPw';
    const badPassword = my.url.replace('root@', `root:${secret}@`);
    const run = await runCli(['copy', pg.url, badPassword, '--tables', 'public.items']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^dbferry: /);
    expect(run.stderr + run.stdout).not.toContain(secret);
    expect(run.stderr).not.toMatch(/\n\s+at /);

    const missing = await runCli(['copy', pg.url, my.url, '--tables', 'public.nope', '--json']);
    expect(missing.code).toBe(1);
    const out = JSON.parse(missing.stdout);
    expect(out.status).toBe('failed');
    expect(out.tables[0]).toMatchObject({ source: 'public.nope', status: 'failed' });
    expect(out.tables[0].error).toContain('public.nope');
  });

  it('exits 3 when rows were rejected within --max-rejects, 1 beyond it', async () => {
    // Rows 4 and 5 (amounts 6.00 and 7.50) break the target's CHECK.
    await myEnds.data.execute([`CREATE TABLE \`${my.name}\`.\`items\` (id int PRIMARY KEY, name text NOT NULL, amount decimal(10,2) CHECK (amount < 6))`]);
    const args = ['copy', pg.url, my.url, '--tables', 'public.items', '--target-schema', my.name, '--no-create-tables', '--json', '--where', 'id <= 5'];
    const renamed = (extra: string[]) => runCli([...args, ...extra]);
    const within = await renamed(['--max-rejects', '5']);
    expect(within.code).toBe(3);
    const partial = JSON.parse(within.stdout);
    expect(partial.tables.map(tableResult)).toEqual([{ source: 'public.items', target: `${my.name}.items`, status: 'partial', rowsRead: 5, rowsWritten: 3, rejects: 2 }]);
    expect(partial.tables[0].rejected.map((r: { key: string[] }) => r.key)).toEqual([['4'], ['5']]);
    const beyond = await renamed(['--max-rejects', '1']);
    expect(beyond.code).toBe(1);
    expect(JSON.parse(beyond.stdout).tables[0]).toMatchObject({ status: 'failed', rejects: 2 });
  });

  it('runs a replication file: two tables, defaults and a per-table override', async () => {
    const file = join(dir, 'replication.yaml');
    const target = join(dir, 'replicated.db');
    writeFileSync(
      file,
      [
        'source: CLI_TEST_SOURCE',
        'target: CLI_TEST_TARGET',
        'defaults:',
        '  writeMode: upsert',
        '  batchSize: 100',
        'tables:',
        '  public.items:',
        '    where: "id > 450"',
        '    target: main.items_recent',
        '  public.notes: {}',
      ].join('\n'),
    );
    const env = { CLI_TEST_SOURCE: pg.url, CLI_TEST_TARGET: `sqlite://${target}` };
    const run = await runCli(['copy', '-f', file, '--json'], { env });
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.tables.map(tableResult)).toEqual([
      { source: 'public.items', target: 'main.items_recent', status: 'succeeded', rowsRead: 50, rowsWritten: 50, rejects: 0 },
      { source: 'public.notes', target: 'main.notes', status: 'succeeded', rowsRead: 5, rowsWritten: 5, rejects: 0 },
    ]);
    const sqlite = await open({ dialect: 'sqlite', database: target });
    try {
      const items = await sqlite.data.reader.read({ table: { schema: 'main', name: 'items_recent' }, columns: [{ name: 'id', nativeType: 'INTEGER', nullable: false, type: { kind: 'int64' } }], keyColumns: ['id'], batchSize: 1000 });
      const ids: NeutralValue[] = [];
      for await (const batch of items) ids.push(...batch.rows.map((r) => r[0]));
      expect(ids.map(Number)).toEqual(Array.from({ length: 50 }, (_, i) => 451 + i));
    } finally {
      await sqlite.session.close();
    }
    // Run twice: upsert (the default here) makes the second run rewrite the same rows.
    const again = await runCli(['copy', '-f', file, '--json'], { env });
    expect(again.code).toBe(0);
    const missingVar = await runCli(['copy', '-f', file], { env: { CLI_TEST_SOURCE: pg.url } });
    expect(missingVar.code).toBe(2);
    expect(missingVar.stderr).toContain('CLI_TEST_TARGET');
  });
});
