import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataPlane, type DialectName, type DialectSession, parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { arbitrate, ArbiterError, type ArbitrateInput, jsonSafeRow } from './arbiter';

/**
 * Issue 12, item 2, on live PostgreSQL, MariaDB and SQLite: one key's row on three databases
 * whose tables were written by hand with unlike types (numeric(12,2) / DECIMAL(14,4) /
 * DECIMAL_TEXT, jsonb / JSON / JSON_TEXT, timestamp / DATETIME(6) / TIMESTAMP(6)), so values equal
 * in value but not in representation meet; a key present in 2 of 3; composite keys; text keys
 * under a case- and accent-insensitive MariaDB collation.
 */
type Side = { id: string; dialect: DialectName; session: DialectSession; data: DataPlane; schema: string };

async function open(id: string, dialect: DialectName, database: string, schema: string): Promise<Side> {
  const spec = dialect === 'sqlite' ? { database } : parseConnectionUrl(dialect, database);
  const session = await dialectFor(dialect).connect({ dialect, ...spec }, { timeoutMs: 10_000 });
  return { id, dialect, session, data: session.data!, schema };
}

describe('arbiter: one key across PostgreSQL, MariaDB and SQLite', () => {
  let pgDb: EphemeralDatabase;
  let mariaDb: EphemeralDatabase;
  let pg: Side;
  let maria: Side;
  let lite: Side;

  const sidesOf = (name: string, which: Side[] = [pg, maria, lite]) =>
    which.map((s) => ({ connectionId: s.id, dialect: s.dialect, data: s.data, table: { schema: s.schema, name } }));
  const arbiter = (name: string, key: ArbitrateInput['key'], extra: Partial<ArbitrateInput> = {}) => arbitrate({ key, sides: sidesOf(name), ...extra });
  const failure = async (run: Promise<unknown>) => {
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ArbiterError);
    return error as ArbiterError;
  };

  beforeAll(async () => {
    pgDb = await createPostgresDatabase('dbferry_arbiter');
    mariaDb = await createMysqlDatabase('dbferry_arbiter');
    pg = await open('pg', 'postgres', pgDb.url, 'public');
    maria = await open('maria', 'mysql', mariaDb.url, mariaDb.name);
    const file = join(mkdtempSync(join(tmpdir(), 'dbferry-arbiter-')), 'arbiter.db');
    writeFileSync(file, '', { mode: 0o600 });
    lite = await open('lite', 'sqlite', file, 'main');
    // Row 1 and 9007199254740993: equal in value everywhere, each database spelling them its way.
    // Row 2: not on SQLite. Row 3: on PostgreSQL only. Row 4: MariaDB one microsecond later, SQLite
    // one cent more. Row 5: SQLite one cent more.
    await pg.data.execute([
      'CREATE TABLE items (id bigint PRIMARY KEY, price numeric(12,2), at timestamp(6), doc jsonb, label varchar(40), raw bytea)',
      `INSERT INTO items VALUES
        (1, 0.50, '2024-01-01 10:00:00.1234', '{"b":[1,2],"a":1}', 'Zoë', '\\x00ff'),
        (2, 7.00, '2024-01-02 00:00:00', '{"a":2}', NULL, NULL),
        (3, 3.10, '2024-01-03 00:00:00', NULL, '', NULL),
        (4, 4.44, '2024-01-04 12:00:00.000001', '{"a":4}', 'four', '\\x04'),
        (5, 5.55, '2024-01-05 00:00:00', '{"a":5}', 'five', NULL),
        (9007199254740993, 1.00, '2024-01-09 00:00:00', '[]', 'big', NULL)`,
      'CREATE TABLE composite (region integer, seq bigint, v text, amount numeric(10,3), PRIMARY KEY (region, seq))',
      "INSERT INTO composite VALUES (1, 7, 'one-seven', 1.5), (2, 7, 'two-seven', 2.5), (2, 8, 'two-eight', 2.25)",
      'CREATE TABLE words (word varchar(40) COLLATE "C" PRIMARY KEY, n integer)',
      "INSERT INTO words VALUES ('Apple', 1), ('Éclair', 2), ('Zoë', 3)",
      'CREATE TABLE events (at timestamptz(6) PRIMARY KEY, v integer)',
      "INSERT INTO events VALUES ('2025-03-01 00:30:00.000007+00', 1)",
    ]);
    await maria.data.execute([
      'CREATE TABLE items (id BIGINT PRIMARY KEY, price DECIMAL(14,4), at DATETIME(6), doc JSON, label VARCHAR(40), raw VARBINARY(16))',
      `INSERT INTO items VALUES
        (1, 0.5000, '2024-01-01 10:00:00.123400', '{"a": 1, "b": [1, 2]}', 'Zoë', X'00ff'),
        (2, 7, '2024-01-02 00:00:00', '{ "a" : 2 }', NULL, NULL),
        (4, 4.4400, '2024-01-04 12:00:00.000002', '{"a":4}', 'four', X'04'),
        (5, 5.55, '2024-01-05 00:00:00', '{"a":5}', 'five', NULL),
        (9007199254740993, 1, '2024-01-09 00:00:00', '[ ]', 'big', NULL)`,
      'CREATE TABLE composite (region INT, seq BIGINT, v TEXT, amount DECIMAL(10,3), PRIMARY KEY (region, seq))',
      "INSERT INTO composite VALUES (1, 7, 'one-seven', 1.5), (2, 7, 'two-seven', 2.5), (2, 8, 'two-eight', 2.26)",
      // Case- and accent-insensitive: WHERE word = 'Apple' finds 'apple', = 'Éclair' finds 'Eclair'.
      'CREATE TABLE words (word VARCHAR(40) COLLATE utf8mb4_unicode_ci PRIMARY KEY, n INT)',
      "INSERT INTO words VALUES ('apple', 1), ('Eclair', 2), ('Zoë', 3)",
      'CREATE TABLE events (at DATETIME(6) PRIMARY KEY, v INT)',
      "INSERT INTO events VALUES ('2025-03-01 00:30:00.000007', 1)",
    ]);
    await lite.data.execute([
      'CREATE TABLE items (id INTEGER PRIMARY KEY, price DECIMAL_TEXT(14,4), at TIMESTAMP(6), doc JSON_TEXT, label TEXT, raw BLOB)',
      `INSERT INTO items VALUES
        (1, '0.5', '2024-01-01 10:00:00.123400', '{ "b": [1, 2], "a": 1 }', 'Zoë', X'00ff'),
        (4, '4.45', '2024-01-04 12:00:00.000001', '{"a":4}', 'four', X'04'),
        (5, '5.56', '2024-01-05 00:00:00', '{"a":5}', 'five', NULL),
        (9007199254740993, '1.0000', '2024-01-09 00:00:00.000000', '[]', 'big', NULL)`,
      'CREATE TABLE composite (region INTEGER, seq INTEGER, v TEXT, amount DECIMAL_TEXT(10,3), PRIMARY KEY (region, seq))',
      "INSERT INTO composite VALUES (1, 7, 'one-seven', '1.500'), (2, 7, 'two-seven', '2.5'), (2, 8, 'two-eight', '2.250')",
      'CREATE TABLE words (word TEXT PRIMARY KEY, n INTEGER)',
      "INSERT INTO words VALUES ('Apple', 1), ('Éclair', 2), ('Zoë', 3)",
    ]);
  }, 120_000);

  afterAll(async () => {
    await pg?.session.close();
    await maria?.session.close();
    await lite?.session.close();
    await pgDb?.drop();
    await mariaDb?.drop();
  });

  it('finds values equal in value but not in representation consistent (0.50 = 0.5000, JSON key order, trailing zeros of a fraction)', async () => {
    const result = await arbiter('items', '1');
    expect(result.consistent).toBe(true);
    expect(result.majority).toEqual(['pg', 'maria', 'lite']);
    expect(result.differingColumns).toEqual([]);
    expect(result.columns).toEqual(['id', 'price', 'at', 'doc', 'label', 'raw']);
    // Each side's own representation is returned as read.
    expect(jsonSafeRow(result.columns, result.rows.pg!)).toMatchObject({ id: { $int: '1' }, price: '0.50', label: 'Zoë', raw: { $bytes: 'AP8=' } });
    expect(jsonSafeRow(result.columns, result.rows.maria!).price).toBe('0.5000');
    expect(result.key).toEqual([{ $int: '1' }]);
    // A 64-bit key beyond 2^53 is looked up exactly (9007199254740993 is no JS number).
    const big = await arbiter('items', '9007199254740993');
    expect(big).toMatchObject({ consistent: true, differingColumns: [], key: [{ $int: '9007199254740993' }] });
    expect(Object.values(big.rows).every((row) => row !== null)).toBe(true);
  });

  it('names the majority for a key present in 2 of 3, and a majority of absent', async () => {
    const two = await arbiter('items', 2);
    expect(two).toMatchObject({ consistent: false, majority: ['pg', 'maria'], groups: [['pg', 'maria'], ['lite']], differingColumns: [] });
    expect(two.rows.lite).toBeNull();
    const one = await arbiter('items', '3');
    expect(one).toMatchObject({ consistent: false, majority: ['maria', 'lite'], groups: [['pg'], ['maria', 'lite']] });
    expect(one.rows.pg).not.toBeNull();
    const none = await arbiter('items', '6');
    expect(none).toMatchObject({ consistent: true, majority: ['pg', 'maria', 'lite'], differingColumns: [] });
    expect(Object.values(none.rows)).toEqual([null, null, null]);
  });

  it('sees the last microsecond and the last decimal digit, and names the differing columns', async () => {
    const four = await arbiter('items', '4');
    // All three differ: the tie goes to the first connection.
    expect(four).toMatchObject({ consistent: false, groups: [['pg'], ['maria'], ['lite']], majority: ['pg'], differingColumns: ['price', 'at'] });
    const five = await arbiter('items', '5');
    expect(five).toMatchObject({ consistent: false, majority: ['pg', 'maria'], differingColumns: ['price'] });
    // Only the named columns are compared: without price, row 5 is consistent.
    const subset = await arbiter('items', '5', { columns: ['label', 'doc'] });
    expect(subset).toMatchObject({ consistent: true, columns: ['id', 'label', 'doc'], differingColumns: [] });
  });

  it('looks up a composite key given as an object, whatever the order or case of its names', async () => {
    const result = await arbiter('composite', { seq: '8', REGION: 2 });
    expect(result).toMatchObject({ keyColumns: ['region', 'seq'], key: [2, { $int: '8' }], consistent: false, majority: ['pg', 'lite'], differingColumns: ['amount'] });
    const same = await arbiter('composite', { region: '2', seq: 7 });
    expect(same).toMatchObject({ consistent: true, differingColumns: [] });
    expect((await failure(arbiter('composite', { region: 2 }))).message).toMatch(/lacks key column seq/);
    expect((await failure(arbiter('composite', 2))).field).toBe('key');
    expect((await failure(arbiter('composite', { region: 2, seq: 8, v: 'x' }))).message).toMatch(/key\.v is not a key column/);
  });

  it('matches text keys by code points: a case- or accent-insensitive collation never passes another key for the one asked', async () => {
    const apple = await arbiter('words', 'Apple');
    expect(apple.rows.maria).toBeNull();
    expect(apple).toMatchObject({ consistent: false, majority: ['pg', 'lite'] });
    const eclair = await arbiter('words', 'Éclair');
    expect(eclair.rows.maria).toBeNull();
    expect(eclair.rows.pg).toEqual(['Éclair', 2]);
    const lower = await arbiter('words', 'apple');
    expect(lower).toMatchObject({ consistent: false, majority: ['pg', 'lite'], groups: [['pg', 'lite'], ['maria']] });
    expect(lower.rows.maria).toEqual(['apple', 1]);
    expect(await arbiter('words', 'Zoë')).toMatchObject({ consistent: true, differingColumns: [] });
  });

  it('types the key per side: a timestamptz with an offset finds the UTC instant on PostgreSQL and the DATETIME on MariaDB', async () => {
    const result = await arbitrate({ key: '2025-03-01 02:30:00.000007+02:00', sides: sidesOf('events', [pg, maria]) });
    expect(result.key).toEqual(['2025-03-01 00:30:00.000007+00:00']);
    expect(result).toMatchObject({ consistent: true, majority: ['pg', 'maria'] });
    expect(result.rows.maria).toEqual(['2025-03-01 00:30:00.000007', 1]);
  });

  it('refuses what the sides cannot answer, naming the field', async () => {
    const missing = await failure(arbitrate({ key: '1', sides: sidesOf('events') }));
    expect(missing).toMatchObject({ field: 'table', connectionId: 'lite' });
    expect((await failure(arbiter('items', 'x'))).field).toBe('key');
    expect((await failure(arbiter('items', '1', { keyColumns: ['nope'] }))).field).toBe('keyColumns');
    expect((await failure(arbiter('items', '1', { columns: ['nope'] }))).field).toBe('columns');
    // A key column that is not unique on a side.
    expect((await failure(arbiter('composite', '7', { keyColumns: ['seq'] }))).message).toMatch(/not unique/);
    // Identifiers are quoted by each dialect: a hostile name is just a table that does not exist.
    const hostile = await failure(arbitrate({ key: '1', sides: sidesOf('items"; DROP TABLE items; --') }));
    expect(hostile.field).toBe('table');
    expect((await arbiter('items', '1')).consistent).toBe(true);
    expect((await failure(arbitrate({ key: '1', sides: sidesOf('items', [pg]) }))).field).toBe('sides');
  });
});
