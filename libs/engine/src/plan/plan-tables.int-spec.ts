import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import type { ConnectionSpec, DialectName, DialectSession } from '@dbferry/dialects-core';
import { parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { copyRange } from '../copy/copy-range';
import { PlanError, planTables, TablePlan, TableSelectionSpec } from './plan-tables';

const connect = (dialect: DialectName, url: string): Promise<DialectSession> =>
  dialectFor(dialect).connect({ dialect, ...parseConnectionUrl(dialect, url) } as ConnectionSpec, { timeoutMs: 10_000 });

async function pgQuery<T extends object>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Column → format_type, as the catalogue prints it. */
const pgTypes = async (url: string, table: string): Promise<Record<string, string>> =>
  Object.fromEntries(
    (await pgQuery<{ name: string; type: string }>(url, `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`, [table])).map((r) => [r.name, r.type]),
  );

/** Every row as PostgreSQL's own text of the row, in key order. */
const pgRows = async (url: string, table: string): Promise<string[]> =>
  (await pgQuery<{ t: string }>(url, `SELECT x::text AS t FROM ${table} x ORDER BY 1`)).map((r) => r.t);

async function plan(source: { dialect: DialectName; session: DialectSession }, target: { dialect: DialectName; session: DialectSession; defaultSchema: string }, tables: TableSelectionSpec[]): Promise<TablePlan[]> {
  return planTables({ source, target, tables, options: { createTables: true, evolveSchema: true } });
}

async function runPlans(source: DialectSession, target: DialectSession, plans: TablePlan[]): Promise<void> {
  for (const p of plans) {
    if (p.ddl.length) await target.data!.execute(p.ddl);
    await copyRange({ source: source.data!, target: target.data!, from: p.source, to: p.target, columns: p.columns, keyColumns: p.keyColumns, mode: 'insert', batchSize: 500 });
  }
}

describe('planTables: a same-dialect copy keeps the source types (PostgreSQL)', () => {
  let src: EphemeralDatabase;
  let dst: EphemeralDatabase;
  let source: DialectSession;
  let target: DialectSession;
  let citext = false;
  const side = (session: DialectSession, defaultSchema = 'public') => ({ dialect: 'postgres' as const, session, defaultSchema });

  beforeAll(async () => {
    src = await createPostgresDatabase('dbferry_native_src');
    dst = await createPostgresDatabase('dbferry_native_dst');
    const available = await pgQuery<{ n: string }>(src.url, `SELECT name AS n FROM pg_available_extensions WHERE name = 'citext'`);
    citext = available.length > 0;
    if (citext) {
      await pgQuery(src.url, 'CREATE EXTENSION citext');
      await pgQuery(dst.url, 'CREATE EXTENSION citext');
    } else {
      console.warn('citext is not available on this server: its column is left out of the PostgreSQL same-dialect test');
    }
    const statements = [
      `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'it''s')`,
      'CREATE SCHEMA shared',
      `CREATE TYPE shared.level AS ENUM ('low', 'high')`,
      'CREATE DOMAIN posint AS integer CHECK (VALUE > 0)',
      `CREATE TABLE docs (
         id int PRIMARY KEY, body tsvector, feeling mood, feelings mood[], tier shared.level, addr inet, net cidr, price money,
         amount numeric, exact numeric(12,3), counts int[], grid text[][], status varchar(10) CHECK (status IN ('new', 'done')),
         at timestamptz(3), span interval, bits bit varying(5), count posint ${citext ? ', email citext' : ''})`,
      `INSERT INTO docs VALUES
         (1, to_tsvector('english', 'the quick brown foxes jumped'), 'happy', '{sad,happy}', 'high', '10.1.2.3/8', '10.0.0.0/8', 1234.56,
          1e-30, 12.345, '{1,NULL,3}', '{{a,b},{c,d}}', 'new', '2024-02-29 12:00:00.123+00', '1 year 2 mons 3 days 04:05:06.5', B'101', 7 ${citext ? ", 'Ann@Example.com'" : ''}),
         (2, '''a'':1 ''b'':2', 'it''s', '{}', 'low', '::1', '2001:db8::/32', -0.01, 123456789012345678901234567890.123456789, -1.5,
          NULL, NULL, 'done', '1969-07-20 20:17:40.5+00', '-1 days', B'0', 1 ${citext ? ", 'x'" : ''}),
         (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL ${citext ? ', NULL' : ''})`,
      'CREATE TABLE more_docs (id int PRIMARY KEY, feeling mood)',
    ];
    for (const sql of statements) await pgQuery(src.url, sql);
    source = await connect('postgres', src.url);
    target = await connect('postgres', dst.url);
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await target?.close();
    await src?.drop();
    await dst?.drop();
  });

  it('creates the target with format_type equal to the source for every column, enum types created once with the same labels, and copies every value unchanged', async () => {
    await pgQuery(dst.url, 'CREATE SCHEMA shared');
    const plans = await plan(side(source), side(target), [{ source: 'public.docs' }, { source: 'public.more_docs' }]);
    const [docs, more] = plans;
    expect(docs.ddl[0]).toBe(`CREATE TYPE "public"."mood" AS ENUM ('sad', 'ok', 'happy', 'it''s')`);
    expect(docs.ddl[1]).toBe(`CREATE TYPE "shared"."level" AS ENUM ('low', 'high')`);
    expect(more.ddl.filter((s) => s.startsWith('CREATE TYPE'))).toEqual([]);
    expect(docs.mapping.find((m) => m.column === 'body')).toMatchObject({ sourceType: 'tsvector', targetType: 'tsvector', typeSource: 'source' });
    // A CHECK (col IN …) read as an enum keeps the neutral mapping, which keeps the CHECK.
    expect(docs.mapping.find((m) => m.column === 'status')).toMatchObject({ typeSource: 'neutral', targetType: 'text' });

    await runPlans(source, target, plans);
    const [before, after] = [await pgTypes(src.url, 'public.docs'), await pgTypes(dst.url, 'public.docs')];
    const { status: _s, count: _c, ...kept } = before;
    expect(after).toMatchObject(kept);
    if (citext) expect(after.email).toBe('citext');
    // A domain is introspected as its base type: the column is created with that type.
    expect(after.count).toBe('integer');
    expect(after.status).toBe('text');
    expect(await pgQuery(dst.url, `SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE conrelid = 'public.docs'::regclass AND contype = 'c'`)).toHaveLength(1);
    expect(await pgRows(dst.url, 'public.docs')).toEqual(await pgRows(src.url, 'public.docs'));
  });

  it('falls back to the neutral mapping, with a note, when the target has the enum with other labels or lacks its schema', async () => {
    const other = await createPostgresDatabase('dbferry_native_dst2');
    const session = await connect('postgres', other.url);
    try {
      await pgQuery(other.url, `CREATE TYPE mood AS ENUM ('sad', 'happy')`);
      const [docs] = await plan(side(source), side(session), [{ source: 'public.docs' }]);
      expect(docs.ddl.some((s) => s.startsWith('CREATE TYPE'))).toBe(false);
      const feeling = docs.mapping.find((m) => m.column === 'feeling');
      expect(feeling).toMatchObject({ typeSource: 'neutral', targetType: 'text' });
      expect(feeling?.note).toMatch(/public\.mood exists on the target with labels \(sad, happy\).*not altered/);
      expect(docs.mapping.find((m) => m.column === 'tier')?.note).toMatch(/schema shared, which does not exist on the target/);
      await session.data!.execute(docs.ddl);
      const types = await pgTypes(other.url, 'public.docs');
      expect(types).toMatchObject({ feeling: 'text', tier: 'text', body: 'tsvector', addr: 'inet', price: 'money' });
      await copyRange({ source: source.data!, target: session.data!, from: docs.source, to: docs.target, columns: docs.columns, keyColumns: docs.keyColumns, mode: 'insert', batchSize: 500 });
      expect((await pgQuery<{ f: string }>(other.url, 'SELECT feeling AS f FROM public.docs ORDER BY id')).map((r) => r.f)).toEqual(['happy', "it's", null]);
    } finally {
      await session.close();
      await other.drop();
    }
  });

  it('within one database, a table copied to another schema keeps using the source enum type', async () => {
    await pgQuery(src.url, 'CREATE SCHEMA IF NOT EXISTS archive');
    const [more] = await plan(side(source), side(source, 'archive'), [{ source: 'public.more_docs', target: 'archive.more_docs' }]);
    expect(more.ddl).toHaveLength(1);
    expect(more.mapping.find((m) => m.column === 'feeling')).toMatchObject({ targetType: '"public"."mood"', typeSource: 'source' });
  });

  it('applies a table’s types over the source type, and refuses one naming no copied column', async () => {
    const [docs] = await plan(side(source), side(source, 'archive'), [{ source: 'public.docs', target: 'archive.docs2', types: { amount: 'numeric(40,20)', addr: 'text' } }]);
    expect(docs.ddl[0]).toContain('"amount" numeric(40,20)');
    expect(docs.ddl[0]).toContain('"addr" text');
    expect(docs.mapping.find((m) => m.column === 'amount')).toMatchObject({ targetType: 'numeric(40,20)', typeSource: 'override' });
    await expect(plan(side(source), side(target), [{ source: 'public.docs', columns: ['id'], types: { amount: 'numeric' } }])).rejects.toMatchObject({ field: 'tables[0].types.amount' });
    await expect(plan(side(source), side(target), [{ source: 'public.docs', types: { nope: 'text' } }])).rejects.toThrow(PlanError);
  });
});

describe('planTables: a same-dialect copy keeps the source types (MariaDB)', () => {
  let src: EphemeralDatabase;
  let dst: EphemeralDatabase;
  let source: DialectSession;
  let target: DialectSession;

  async function my<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const conn = await createConnection(url);
    try {
      const [rows] = await conn.query(sql, params);
      return rows as T[];
    } finally {
      await conn.end();
    }
  }
  const columnTypes = async (db: EphemeralDatabase) =>
    Object.fromEntries(
      (await my<{ name: string; type: string; extra: string; nullable: string }>(db.url, `SELECT column_name AS name, column_type AS type, extra, is_nullable AS nullable FROM information_schema.columns WHERE table_schema = ? AND table_name = 'things'`, [db.name])).map((r) => [r.name, `${r.type} ${r.nullable} ${r.extra}`.trim()]),
    );
  const rows = async (db: EphemeralDatabase) => my<Record<string, unknown>>(db.url, `SELECT id, flag, yr, tags + 0 AS tag_bits, CAST(tags AS char) AS tags, size, big, CAST(at AS char) AS at, body, price FROM \`${db.name}\`.things ORDER BY id`);

  beforeAll(async () => {
    src = await createMysqlDatabase('dbferry_native_src');
    dst = await createMysqlDatabase('dbferry_native_dst');
    await my(src.url, `
      CREATE TABLE \`${src.name}\`.things (
        id int NOT NULL AUTO_INCREMENT PRIMARY KEY, flag tinyint(1), yr year, tags set('a','b','c'), size enum('s','m','l') NOT NULL,
        big bigint unsigned, at timestamp(6) NULL, body mediumtext, price decimal(10,2) unsigned)`);
    await my(src.url, `
      INSERT INTO \`${src.name}\`.things (flag, yr, tags, size, big, at, body, price) VALUES
        (1, 2024, 'a,c', 'm', 18446744073709551615, '2024-02-29 12:00:00.123456', 'ünïcode 🐬', 12.5),
        (0, 1901, '', 's', 0, '1970-01-01 00:00:01.000001', '', 0),
        (NULL, NULL, NULL, 'l', NULL, NULL, NULL, NULL)`);
    source = await connect('mysql', src.url);
    target = await connect('mysql', dst.url);
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await target?.close();
    await src?.drop();
    await dst?.drop();
  });

  it('creates the target with column_type equal to the source for every column (AUTO_INCREMENT kept) and copies every value unchanged', async () => {
    const plans = await plan({ dialect: 'mysql', session: source }, { dialect: 'mysql', session: target, defaultSchema: dst.name }, [{ source: `${src.name}.things`, target: `${dst.name}.things` }]);
    expect(plans[0].mapping.every((m) => m.typeSource === 'source')).toBe(true);
    await runPlans(source, target, plans);
    expect(await columnTypes(dst)).toEqual(await columnTypes(src));
    expect((await columnTypes(dst)).yr).toMatch(/^year/);
    expect(await rows(dst)).toEqual(await rows(src));
  });
});
