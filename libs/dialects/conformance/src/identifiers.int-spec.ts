import { IdentifierError, NeutralColumn, NeutralValue, TableRef } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { liveDialectNames, LiveDatabase, openLiveDatabase } from './live-dialects';

/** Names that break naive quoting: reserved words, case, spaces, every quote character, unicode. */
const AWKWARD = ['order', 'MixedCase', 'with space', 'a"b', 'a`b', 'a]b', 'таблица'];
/** The key column: another reserved word. */
const KEY = 'select';
const LONG_ASCII = 'x'.repeat(70);
const LONG_UNICODE = 'я'.repeat(35); // 70 bytes in UTF-8, 35 characters

async function* once(columns: NeutralColumn[], rows: NeutralValue[][]) {
  yield { columns, rows };
}

describe.each(liveDialectNames())('%s identifiers', (dialect) => {
  let db: LiveDatabase;
  beforeAll(async () => {
    db = await openLiveDatabase(dialect);
  }, 60_000);
  afterAll(() => db.drop());

  it.each(AWKWARD)('round-trips a table and columns named %s', async (name) => {
    const table: TableRef = { schema: db.schema, name };
    const columns: NeutralColumn[] = [
      { name: KEY, type: { kind: 'int64' }, nativeType: '', nullable: false },
      { name, type: { kind: 'string', length: 20 }, nativeType: '', nullable: true },
    ];
    await db.data.execute(db.data.ddl.createTable(table, { columns, primaryKey: [KEY], indexes: [{ name: `${name}_idx`, columns: [name], unique: true }] }).statements);
    const described = (await db.data.introspector.describeTable(table))!;
    expect(described.columns.map((c) => c.name)).toEqual([KEY, name]);
    expect(described.primaryKey).toEqual([KEY]);
    await db.data.writer.write({ table, columns: described.columns, keyColumns: [KEY], mode: 'upsert' }, once(described.columns, [[1n, name]]));
    const rows: NeutralValue[][] = [];
    for await (const batch of db.data.reader.read({ table, columns: described.columns, keyColumns: [KEY], batchSize: 10 })) rows.push(...batch.rows);
    expect(rows.map((r) => [String(r[0]), r[1]])).toEqual([['1', name]]);
    const sum = await db.data.checksummer.checksum({ table, columns: described.columns, keyColumns: [KEY] });
    expect(sum.rows).toBe(1);
    expect((await db.session.listTables(db.schema)).map((t) => t.name)).toContain(name);
  });

  it.each([
    ['70 ASCII characters', LONG_ASCII],
    ['70 bytes of Cyrillic', LONG_UNICODE],
  ])('accepts or refuses a name of %s by the dialect’s own limit, before any SQL', async (_label, name) => {
    const { maxIdentifierLength } = dialectFor(dialect).capabilities;
    // PostgreSQL and Oracle count bytes; MySQL, SQL Server and SQLite count characters.
    const length = ['postgres', 'oracle'].includes(dialect) ? Buffer.byteLength(name) : [...name].length;
    const table: TableRef = { schema: db.schema, name };
    const columns: NeutralColumn[] = [{ name: 'id', type: { kind: 'int32' }, nativeType: '', nullable: false }];
    if (length > maxIdentifierLength) {
      expect(() => db.data.ddl.createTable(table, { columns, primaryKey: ['id'], indexes: [] })).toThrow(IdentifierError);
      expect(await db.data.introspector.describeTable(table)).toBeNull();
    } else {
      await db.data.execute(db.data.ddl.createTable(table, { columns, primaryKey: ['id'], indexes: [] }).statements);
      expect((await db.data.introspector.describeTable(table))?.name).toBe(name);
    }
  });
});
