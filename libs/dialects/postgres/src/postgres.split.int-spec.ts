import { Client } from 'pg';
import { type DataPlane, type DialectSession, type KeyRange, type NeutralColumn, parseConnectionUrl, type TableSchema } from '@dbferry/dialects-core';
import { createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { PostgresDialect } from './postgres.dialect';
import { literalRangePredicate } from './postgres.sql';

/** splitRanges on tables large enough to be split from a page sample instead of numbering every key. */
describe('PostgreSQL: splitting a large table from a sample', () => {
  let db: EphemeralDatabase;
  let admin: Client;
  let session: DialectSession;
  let data: DataPlane;
  const ROWS = 240_000;

  const countIn = async (table: string, keyColumns: string[], columns: NeutralColumn[], range: KeyRange, where?: string) => {
    const conditions = [...literalRangePredicate(keyColumns, columns, range), ...(where ? [where] : [])];
    const result = await admin.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`);
    return Number(result.rows[0]?.n);
  };

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_pgsplit');
    admin = new Client({ connectionString: db.url });
    await admin.connect();
    // Keys with a gap and an uneven density: equal key intervals would not give equal rows.
    await admin.query(`CREATE TABLE big AS SELECT CASE WHEN g <= 120000 THEN g ELSE 10000000 + g * 50 END::bigint AS id, g % 7 AS kind FROM generate_series(1, ${ROWS}) g`);
    await admin.query('ALTER TABLE big ADD PRIMARY KEY (id)');
    await admin.query(`CREATE TABLE pairs AS SELECT g % 100 AS a, ('k' || (g / 100))::text AS b FROM generate_series(1, ${ROWS}) g`);
    await admin.query('ALTER TABLE pairs ADD PRIMARY KEY (a, b)');
    await admin.query('ANALYZE big; ANALYZE pairs');
    session = await new PostgresDialect().connect({ dialect: 'postgres', ...parseConnectionUrl('postgres', db.url) }, { timeoutMs: 5000 });
    data = session.data as DataPlane;
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await admin?.end();
    await db?.drop();
  });

  it.each([
    ['big', ['id'], undefined, ROWS],
    ['big', ['id'], '"kind" <> 3', ROWS - Math.floor((ROWS + 4) / 7)],
    ['pairs', ['a', 'b'], undefined, ROWS],
  ])('%s by %j (filter %s): ranges of about equal size that cover every row once', async (name, keyColumns, where, expected) => {
    const schema = (await data.introspector.describeTable({ schema: 'public', name })) as TableSchema;
    const keys = keyColumns.map((k) => schema.columns.find((c) => c.name === k) as NeutralColumn);
    const ranges = await data.reader.splitRanges(schema, keys, 8, where);
    expect(ranges).toHaveLength(8);
    expect(ranges[0]?.lower).toBeUndefined();
    expect(ranges[7]?.upper).toBeUndefined();
    for (let i = 1; i < 8; i++) expect(ranges[i]?.lower).toEqual(ranges[i - 1]?.upper);
    const counts = await Promise.all(ranges.map((r) => countIn(`public.${name}`, keyColumns, schema.columns, r, where)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(expected);
    for (const n of counts) expect(Math.abs(n - expected / 8)).toBeLessThan(expected / 8 / 4);
    // Taken from the sample: numbering every key would have given 8 exactly equal ranges.
    expect(new Set(counts).size).toBeGreaterThan(1);
  });

  it('numbers every key when a filter leaves too few sampled rows', async () => {
    const schema = (await data.introspector.describeTable({ schema: 'public', name: 'big' })) as TableSchema;
    const where = '"id" % 100000 = 0';
    const ranges = await data.reader.splitRanges(schema, [schema.columns[0] as NeutralColumn], 4, where);
    const counts = await Promise.all(ranges.map((r) => countIn('public.big', ['id'], schema.columns, r, where)));
    // 61 rows, numbered: every 16th key ends a range.
    expect(counts).toEqual([16, 16, 16, 13]);
  });
});
