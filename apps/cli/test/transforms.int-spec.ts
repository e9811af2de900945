import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { runCli } from './run-cli';

/**
 * `dbferry copy|preview --transform` (issue 15 item 4) as a user runs it: a masked, a renamed
 * and an expression column land on MariaDB as the preview said, hashed under --salt; a bad spec
 * exits 2 naming it; a replication file's per-table transform list applies.
 */
const ROWS = 30;
const SALT = 'a-test-salt-of-some-length';
const FLAGS = ['--transform', 'email:rename=email_hash,mask=hash', '--transform', 'id=rename:person_id', '--transform', "full_name:expr=first_name || ' ' || last_name", '--transform', 'total:type=decimal,expr=price * qty'];
const hmac = (text: string) => createHmac('sha256', Buffer.from(SALT, 'utf8')).update(text, 'utf8').digest('hex');

describe('dbferry --transform (one-shot)', () => {
  let pg: EphemeralDatabase;
  let my: EphemeralDatabase;
  let dir: string;

  const targetTypes = async (table: string): Promise<Record<string, string>> => {
    const db = await createConnection({ uri: my.url });
    try {
      const [rows] = await db.query('SELECT column_name AS c, column_type AS t FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position', [my.name, table]);
      return Object.fromEntries((rows as { c: string; t: string }[]).map((r) => [r.c, r.t.replace(/^(tinyint|smallint|mediumint|int|bigint)\(\d+\)/, '$1')]));
    } finally {
      await db.end();
    }
  };
  const targetRows = async (table: string) => {
    const db = await createConnection({ uri: my.url, supportBigNumbers: true, bigNumberStrings: true });
    try {
      const [rows] = await db.query(`SELECT * FROM \`${table}\` ORDER BY person_id`);
      return rows as Record<string, unknown>[];
    } finally {
      await db.end();
    }
  };

  beforeAll(async () => {
    pg = await createPostgresDatabase('dbferry_cli_tf');
    my = await createMysqlDatabase('dbferry_cli_tf');
    dir = mkdtempSync(join(tmpdir(), 'dbferry-cli-tf-'));
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query('CREATE TABLE people (id int PRIMARY KEY, first_name varchar(40) NOT NULL, last_name varchar(40), email varchar(120) NOT NULL, price numeric(10,2) NOT NULL, qty int NOT NULL)');
    await client.query(`INSERT INTO people SELECT g, 'First' || g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'Last' || g END, 'p' || g || '@example.com', g * 1.25, g FROM generate_series(1, ${ROWS}) g`);
    await client.end();
  }, 120_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await pg?.drop();
    await my?.drop();
  });

  it('lands a masked, a renamed and two expression columns as previewed', async () => {
    const preview = await runCli(['preview', pg.url, my.url, '--tables', 'public.people', ...FLAGS, '--json']);
    expect(preview.code).toBe(0);
    const mapping = Object.fromEntries((JSON.parse(preview.stdout).tables[0].mapping as { column: string; targetType: string; transform?: string }[]).map((m) => [m.column, m]));
    expect(Object.keys(mapping)).toEqual(['person_id', 'first_name', 'last_name', 'email_hash', 'price', 'qty', 'full_name', 'total']);
    expect(mapping.full_name).toMatchObject({ targetType: 'longtext', transform: `new column, set to the source's expression "first_name" || ' ' || "last_name"` });
    expect(mapping.total).toMatchObject({ transform: expect.stringContaining(`"price" * "qty"`) });
    expect(mapping.email_hash).toMatchObject({ targetType: 'varchar(64)' });

    const copy = await runCli(['copy', pg.url, my.url, '--tables', 'public.people', ...FLAGS, '--salt', SALT, '--json']);
    expect(copy.stderr).toBe('');
    expect(copy.code).toBe(0);
    expect(JSON.parse(copy.stdout).tables[0]).toMatchObject({ status: 'succeeded', rowsWritten: ROWS });
    const types = await targetTypes('people');
    for (const [column, m] of Object.entries(mapping)) expect(`${column} ${types[column]}`).toBe(`${column} ${m.targetType}`);
    const rows = await targetRows('people');
    expect(rows).toHaveLength(ROWS);
    for (const row of rows) {
      const g = Number(row.person_id);
      expect(row.email_hash).toBe(hmac(`p${g}@example.com`));
      // PostgreSQL's || gives NULL when a side is NULL: the source evaluates it, its rules apply.
      expect(row.full_name).toBe(g % 7 === 0 ? null : `First${g} Last${g}`);
      expect(Number(row.total)).toBeCloseTo(g * 1.25 * g, 6);
    }
  }, 180_000);

  it('exits 2 for a bad spec, naming it, and warns when hashing without a salt', async () => {
    const [bad, hostile, unknownColumn] = await Promise.all([
      runCli(['copy', pg.url, my.url, '--tables', 'public.people', '--transform', 'email:mask=sha1']),
      runCli(['copy', pg.url, my.url, '--tables', 'public.people', '--transform', 'x:expr=pg_sleep(5)']),
      runCli(['preview', pg.url, my.url, '--tables', 'public.people', '--transform', 'x:expr=password || 1']),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^dbferry: --transform "email:mask=sha1": must be "hash"/);
    // The expression is checked against the table when it is planned: the table fails, naming the field.
    expect(hostile.code).toBe(1);
    expect(hostile.stderr).toMatch(/transforms\[0\]\.set\.expr.*function pg_sleep is not allowed/);
    expect(unknownColumn.code).toBe(1);
    expect(unknownColumn.stderr).toMatch(/unknown column "password"/);

    const unsalted = await runCli(['copy', pg.url, `sqlite://${join(dir, 'unsalted.db')}`, '--tables', 'public.people', '--transform', 'email:mask=hash', '--json'], { env: { DBFERRY_SALT: '' } });
    expect(unsalted.code).toBe(0);
    expect(unsalted.stderr).toMatch(/warning: mask=hash with no --salt or DBFERRY_SALT/);
  }, 180_000);

  it("applies a replication file's per-table transform list (objects or flag strings)", async () => {
    const file = join(dir, 'replication.yaml');
    writeFileSync(
      file,
      [
        'source: TF_SRC',
        'target: TF_DST',
        'tables:',
        '  public.people:',
        `    target: ${my.name}.people_f`,
        '    transform:',
        '      - { column: id, rename: person_id }',
        '      - { column: email, exclude: true }',
        `      - "initials:expr=left(first_name, 1) || coalesce(left(last_name, 1), '-')"`,
      ].join('\n'),
    );
    const run = await runCli(['copy', '-f', file, '--json'], { env: { TF_SRC: pg.url, TF_DST: my.url, DBFERRY_SALT: SALT } });
    expect(run.code).toBe(0);
    const rows = await targetRows('people_f');
    expect(rows).toHaveLength(ROWS);
    expect(rows[0]).not.toHaveProperty('email');
    expect(rows.find((r) => Number(r.person_id) === 7)?.initials).toBe('F-');
    expect(rows.find((r) => Number(r.person_id) === 12)?.initials).toBe('FL');
  }, 180_000);
});
