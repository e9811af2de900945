import { join } from 'node:path';
import request from 'supertest';
import { type DialectName, type DialectSession, parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { type ApiHarness, saveConnection, startApi } from './harness';

/**
 * GET /api/arbiter (issue 12, item 2) on the real API over live PostgreSQL, MariaDB and SQLite:
 * one key's row on each, values equal in value but spelled differently found consistent, a key
 * present in 2 of 3, composite and text keys, values as lossless JSON, and every bad input a
 * 400 naming its field (never a 500 or a hang). A viewer may call it.
 */
describe('GET /api/arbiter', () => {
  let api: ApiHarness;
  let pgDb: EphemeralDatabase;
  let mariaDb: EphemeralDatabase;
  const sessions: DialectSession[] = [];
  let viewer: string;
  let pg: string;
  let maria: string;
  let lite: string;

  const get = (query: Record<string, string>, token = viewer) => request(api.http).get('/api/arbiter').query(query).set('Authorization', `Bearer ${token}`);
  const arbiter = async (query: Record<string, string>) => {
    const res = await get(query);
    if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { key: unknown[]; rows: Record<string, Record<string, unknown> | null>; consistent: boolean; majority: string[]; groups: string[][]; differingColumns: string[]; tables: Record<string, string>; columns: string[] };
  };
  const all = () => [pg, maria, lite].join(',');

  const open = async (dialect: DialectName, database: string) => {
    const spec = dialect === 'sqlite' ? { database } : parseConnectionUrl(dialect, database);
    const session = await dialectFor(dialect).connect({ dialect, ...spec }, { timeoutMs: 10_000, create: true });
    sessions.push(session);
    return session.data!;
  };

  beforeAll(async () => {
    api = await startApi();
    [pgDb, mariaDb] = await Promise.all([createPostgresDatabase('dbferry_arbiter'), createMysqlDatabase('dbferry_arbiter')]);
    const [pgData, mariaData, liteData] = await Promise.all([open('postgres', pgDb.url), open('mysql', mariaDb.url), open('sqlite', join(api.env.SQLITE_ROOT, 'arbiter.db'))]);
    // Row 1: equal in value everywhere, spelled each database's way. Row 2: not on SQLite. Row 3:
    // SQLite one cent more. Row 4: MariaDB one microsecond later.
    await pgData.execute([
      'CREATE TABLE items (id bigint PRIMARY KEY, price numeric(12,2), at timestamp(6), doc jsonb, label varchar(40), raw bytea)',
      `INSERT INTO items VALUES
        (1, 0.50, '2024-01-01 10:00:00.1234', '{"b":[1,2],"a":1}', 'Zoë', '\\x00ff'),
        (2, 7.00, '2024-01-02 00:00:00', '{"a":2}', NULL, NULL),
        (3, 3.10, '2024-01-03 00:00:00', NULL, '', NULL),
        (4, 4.44, '2024-01-04 12:00:00.000001', '{"a":4}', 'four', NULL)`,
      'CREATE TABLE composite (region integer, seq bigint, amount numeric(10,3), PRIMARY KEY (region, seq))',
      'INSERT INTO composite VALUES (1, 9007199254740993, 1.5), (2, 8, 2.25)',
      'CREATE TABLE words (word varchar(40) COLLATE "C" PRIMARY KEY, n integer)',
      "INSERT INTO words VALUES ('Apple', 1), ('Éclair', 2)",
    ]);
    await mariaData.execute([
      'CREATE TABLE items (id BIGINT PRIMARY KEY, price DECIMAL(14,4), at DATETIME(6), doc JSON, label VARCHAR(40), raw VARBINARY(16))',
      `INSERT INTO items VALUES
        (1, 0.5000, '2024-01-01 10:00:00.123400', '{"a": 1, "b": [1, 2]}', 'Zoë', X'00ff'),
        (2, 7, '2024-01-02 00:00:00', '{ "a" : 2 }', NULL, NULL),
        (3, 3.1, '2024-01-03 00:00:00', NULL, '', NULL),
        (4, 4.44, '2024-01-04 12:00:00.000002', '{"a":4}', 'four', NULL)`,
      'CREATE TABLE composite (region INT, seq BIGINT, amount DECIMAL(10,3), PRIMARY KEY (region, seq))',
      'INSERT INTO composite VALUES (1, 9007199254740993, 1.500), (2, 8, 2.26)',
      // Case- and accent-insensitive: WHERE word = 'Apple' finds 'apple', = 'Éclair' finds 'Eclair'.
      'CREATE TABLE words (word VARCHAR(40) COLLATE utf8mb4_unicode_ci PRIMARY KEY, n INT)',
      "INSERT INTO words VALUES ('apple', 1), ('Eclair', 2)",
    ]);
    await liteData.execute([
      'CREATE TABLE items (id INTEGER PRIMARY KEY, price DECIMAL_TEXT(14,4), at TIMESTAMP(6), doc JSON_TEXT, label TEXT, raw BLOB)',
      `INSERT INTO items VALUES
        (1, '0.5', '2024-01-01 10:00:00.123400', '{ "b": [1, 2], "a": 1 }', 'Zoë', X'00ff'),
        (3, '3.11', '2024-01-03 00:00:00', NULL, '', NULL),
        (4, '4.44', '2024-01-04 12:00:00.000001', '{"a":4}', 'four', NULL)`,
    ]);
    const admin = await api.adminToken();
    viewer = await api.tokenFor('viewer');
    pg = await saveConnection(api, admin, 'arb-pg', 'postgres', pgDb);
    maria = await saveConnection(api, admin, 'arb-maria', 'mysql', mariaDb);
    lite = (await request(api.http).post('/api/connections').set('Authorization', `Bearer ${admin}`).send({ name: 'arb-lite', dialect: 'sqlite', database: 'arbiter.db' }).expect(201)).body.id;
  }, 120_000);

  afterAll(async () => {
    for (const session of sessions) await session.close();
    await pgDb?.drop();
    await mariaDb?.drop();
    await api?.close();
  });

  it('finds a row equal in value but not in representation consistent, and returns each side as lossless JSON', async () => {
    const body = await arbiter({ connections: all(), table: 'items', key: '1' });
    expect(body).toMatchObject({ consistent: true, majority: [pg, maria, lite], differingColumns: [], key: [{ $int: '1' }] });
    expect(body.columns).toEqual(['id', 'price', 'at', 'doc', 'label', 'raw']);
    expect(body.rows[pg]).toMatchObject({ id: { $int: '1' }, price: '0.50', at: '2024-01-01 10:00:00.1234', label: 'Zoë', raw: { $bytes: 'AP8=' } });
    expect(body.rows[maria]).toMatchObject({ price: '0.5000', raw: { $bytes: 'AP8=' } });
    expect(body.rows[lite]).toMatchObject({ price: '0.5000', doc: '{ "b": [1, 2], "a": 1 }' });
    // The first connection's default schema stands for each connection's own.
    expect(body.tables).toEqual({ [pg]: '"public"."items"', [maria]: `"${mariaDb.name}"."items"`, [lite]: '"main"."items"' });
    expect((await arbiter({ connections: all(), table: 'public.items', key: '1' })).tables).toEqual(body.tables);
  });

  it('names the majority for a key present in 2 of 3, and the column that differs in its last digit or microsecond', async () => {
    const two = await arbiter({ connections: all(), table: 'items', key: '2' });
    expect(two).toMatchObject({ consistent: false, majority: [pg, maria], groups: [[pg, maria], [lite]], differingColumns: [] });
    expect(two.rows[lite]).toBeNull();
    expect(await arbiter({ connections: all(), table: 'items', key: '3' })).toMatchObject({ consistent: false, majority: [pg, maria], differingColumns: ['price'] });
    expect(await arbiter({ connections: all(), table: 'items', key: '4' })).toMatchObject({ consistent: false, majority: [pg, lite], differingColumns: ['at'] });
    // Absent everywhere: consistent, every row null.
    const none = await arbiter({ connections: all(), table: 'items', key: '99' });
    expect(none).toMatchObject({ consistent: true, rows: { [pg]: null, [maria]: null, [lite]: null } });
  });

  it('takes a composite key as a JSON object (a 64-bit value as text), and a table named per connection', async () => {
    const tables = JSON.stringify({ [maria]: `${mariaDb.name}.composite` });
    const big = await arbiter({ connections: `${pg},${maria}`, table: 'public.composite', key: '{"region": 1, "seq": "9007199254740993"}', tables });
    expect(big).toMatchObject({ consistent: true, key: [1, { $int: '9007199254740993' }] });
    expect(big.rows[maria]).toMatchObject({ seq: { $int: '9007199254740993' }, amount: '1.500' });
    const other = await arbiter({ connections: `${maria},${pg}`, table: 'composite', key: '{"seq": 8, "region": "2"}', keyColumns: 'region,seq' });
    // Two connections that disagree: the majority is the first one's.
    expect(other).toMatchObject({ consistent: false, majority: [maria], differingColumns: ['amount'] });
  });

  it('matches text keys by code points, whatever a collation finds for them', async () => {
    const apple = await arbiter({ connections: `${pg},${maria}`, table: 'words', key: 'Apple' });
    expect(apple.rows[pg]).toEqual({ word: 'Apple', n: 1 });
    expect(apple.rows[maria]).toBeNull();
    const eclair = await arbiter({ connections: `${maria},${pg}`, table: 'words', key: 'Éclair' });
    expect(eclair).toMatchObject({ consistent: false, rows: { [maria]: null, [pg]: { word: 'Éclair', n: 2 } } });
  });

  it('answers every bad input with a 400 naming the field, never a 500 or a hang', async () => {
    const unknown = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const cases: [string, Record<string, string>, string][] = [
      ['no connections', { table: 'items', key: '1' }, 'connections'],
      ['one connection', { connections: pg, table: 'items', key: '1' }, 'connections'],
      ['an unknown connection', { connections: `${pg},${unknown}`, table: 'items', key: '1' }, 'connections'],
      ['a connection that is no UUID', { connections: `${pg},nope`, table: 'items', key: '1' }, 'connections'],
      ['a connection twice', { connections: `${pg},${pg}`, table: 'items', key: '1' }, 'connections'],
      ['no table', { connections: all(), key: '1' }, 'table'],
      ['a table that does not exist', { connections: all(), table: 'public.nope', key: '1' }, 'table'],
      ['a table missing on one side', { connections: all(), table: 'words', key: 'Apple' }, 'table'],
      ['a hostile table name', { connections: all(), table: 'items"; DROP TABLE items; --', key: '1' }, 'table'],
      ['a pattern', { connections: all(), table: 'public.*', key: '1' }, 'table'],
      ['no key', { connections: all(), table: 'items' }, 'key'],
      ['malformed JSON', { connections: all(), table: 'items', key: '{"id": ' }, 'key'],
      ['a JSON array', { connections: all(), table: 'items', key: '{"id": [1]}' }, 'key'],
      ['a key object missing a key column', { connections: `${pg},${maria}`, table: 'composite', key: '{"region": 1}' }, 'key'],
      ['a one-column value for a composite key', { connections: `${pg},${maria}`, table: 'composite', key: '1' }, 'key'],
      ['a key of the wrong type', { connections: all(), table: 'items', key: 'abc' }, 'key'],
      ['a 10 KB key', { connections: all(), table: 'items', key: '7'.repeat(10_240) }, 'key'],
      ['a NUL byte', { connections: `${pg},${maria}`, table: 'words', key: 'Ap\u0000ple' }, 'key'],
      ['an unknown key column', { connections: all(), table: 'items', key: '1', keyColumns: 'nope' }, 'keyColumns'],
      ['an unknown column', { connections: all(), table: 'items', key: '1', columns: 'price,nope' }, 'columns'],
      ['malformed tables', { connections: all(), table: 'items', key: '1', tables: '{' }, 'tables'],
      ['tables naming another connection', { connections: all(), table: 'items', key: '1', tables: JSON.stringify({ [unknown]: 'public.items' }) }, `tables.${unknown}`],
      ['a table in tables that does not exist', { connections: all(), table: 'items', key: '1', tables: JSON.stringify({ [maria]: `${mariaDb.name}.nope` }) }, `tables.${maria}`],
      ['an unknown parameter', { connections: all(), table: 'items', key: '1', where: '1=1' }, 'where'],
    ];
    for (const [label, query, field] of cases) {
      const started = Date.now();
      const res = await get(query);
      expect({ label, status: res.status }).toEqual({ label, status: 400 });
      const fields = (res.body.details as { field: string }[]).map((d) => d.field);
      expect({ label, fields }).toEqual({ label, fields: expect.arrayContaining([field]) });
      expect(Date.now() - started).toBeLessThan(10_000);
    }
    // The hostile name was a name, not SQL.
    expect((await arbiter({ connections: all(), table: 'items', key: '1' })).consistent).toBe(true);
  });

  it('needs a token; a viewer may read', async () => {
    await request(api.http).get('/api/arbiter').query({ connections: all(), table: 'items', key: '1' }).expect(401);
    const operator = await api.tokenFor('operator');
    await get({ connections: all(), table: 'items', key: '1' }, operator).expect(200);
  });
});
