import { IdentifierError, NeutralColumn, NeutralValue, TableRef } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { liveDialectNames, LiveDatabase, openLiveDatabase, skippedLiveDialects } from './live-dialects';

/** Names that break naive quoting: reserved words, case, spaces, every quote character, unicode. */
const AWKWARD = ['order', 'MixedCase', 'with space', 'a"b', 'a`b', 'a]b', 'таблица'];
/** The key column: another reserved word. */
const KEY = 'select';
const LONG_ASCII = 'x'.repeat(70);
const LONG_UNICODE = 'я'.repeat(35); // 70 bytes in UTF-8, 35 characters

async function* once(columns: NeutralColumn[], rows: NeutralValue[][]) {
  yield { columns, rows };
}

describe.each(skippedLiveDialects())('$dialect identifiers', ({ variable, example }) => {
  it(`is skipped without ${variable}`, () => {
    console.log(`skipped: ${variable} not set — the identifier suite runs this dialect against a server (e.g. ${example})`);
  });
});

const LONG_NAMES = [
  ['70 ASCII characters', LONG_ASCII],
  ['70 bytes of Cyrillic', LONG_UNICODE],
] as const;

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

  /** Whether the dialect's own limit is exceeded: PostgreSQL and Oracle count bytes; MySQL, SQL Server and SQLite characters. */
  const tooLong = (name: string) => {
    const { maxIdentifierLength } = dialectFor(dialect).capabilities;
    const length = ['postgres', 'oracle'].includes(dialect) ? Buffer.byteLength(name) : [...name].length;
    return length > maxIdentifierLength;
  };
  const int32 = (name: string): NeutralColumn => ({ name, type: { kind: 'int32' }, nativeType: '', nullable: name !== 'id' });

  it.each(LONG_NAMES)('accepts or refuses a table name of %s by the dialect’s own limit, before any SQL', async (_label, name) => {
    const table: TableRef = { schema: db.schema, name };
    const columns = [int32('id')];
    if (tooLong(name)) {
      expect(() => db.data.ddl.createTable(table, { columns, primaryKey: ['id'], indexes: [] })).toThrow(IdentifierError);
      expect(await db.data.introspector.describeTable(table)).toBeNull();
    } else {
      await db.data.execute(db.data.ddl.createTable(table, { columns, primaryKey: ['id'], indexes: [] }).statements);
      expect((await db.data.introspector.describeTable(table))?.name).toBe(name);
    }
  });

  it.each(LONG_NAMES)('accepts or refuses a column name of %s (in a key and an index too) by the dialect’s own limit, before any SQL', async (label, name) => {
    const table: TableRef = { schema: db.schema, name: `long_column_${label.split(' ')[2]}` };
    const columns = [int32('id'), int32(name)];
    const indexes = [{ name: `${table.name}_idx`, columns: [name], unique: false }];
    // 70 bytes / 70 characters: over PostgreSQL's 63 bytes for both, over MariaDB's 64 characters for the ASCII one only.
    const expected = dialect === 'postgres' || (dialect === 'mysql' && name === LONG_ASCII);
    expect(tooLong(name)).toBe(expected);
    if (tooLong(name)) {
      expect(() => db.data.ddl.createTable(table, { columns, primaryKey: ['id'], indexes: [] })).toThrow(IdentifierError);
      expect(() => db.data.ddl.createTable(table, { columns: [int32(name)], primaryKey: [name], indexes: [] })).toThrow(IdentifierError);
      expect(() => db.data.ddl.createTable(table, { columns: [int32('id'), int32('x')], primaryKey: ['id'], indexes: [{ ...indexes[0]!, columns: [name] }] })).toThrow();
      expect(() => db.data.ddl.addColumns({ schema: db.schema, name: 'exists_or_not' }, [int32(name)])).toThrow(IdentifierError);
      expect(await db.data.introspector.describeTable(table)).toBeNull();
    } else {
      await db.data.execute(db.data.ddl.createTable(table, { columns, primaryKey: ['id'], indexes }).statements);
      const described = (await db.data.introspector.describeTable(table))!;
      expect(described.columns.map((c) => c.name)).toEqual(['id', name]);
      expect(described.indexes).toContainEqual(expect.objectContaining({ columns: [name] }));
      await db.data.writer.write({ table, columns: described.columns, keyColumns: ['id'], mode: 'upsert' }, once(described.columns, [[1, 7]]));
      const rows: NeutralValue[][] = [];
      for await (const batch of db.data.reader.read({ table, columns: described.columns, keyColumns: ['id'], batchSize: 10 })) rows.push(...batch.rows);
      expect(rows.map((r) => r.map(Number))).toEqual([[1, 7]]);
    }
  });

  it.each(LONG_NAMES)('takes an index name of %s as it is when it fits, else shortens it to fit (index names are never refused)', async (label, name) => {
    const table: TableRef = { schema: db.schema, name: `long_index_${label.split(' ')[2]}` };
    // Not the table's name: SQLite keeps tables and indexes in one namespace.
    const indexName = name === LONG_ASCII ? `i${name.slice(1)}` : `ж${name.slice(1)}`;
    const columns = [int32('id'), int32('v')];
    await db.data.execute(db.data.ddl.createTable(table, { columns, primaryKey: ['id'], indexes: [{ name: indexName, columns: ['v'], unique: true }] }).statements);
    const indexes = (await db.data.introspector.describeTable(table))?.indexes ?? [];
    expect(indexes).toEqual([{ name: expect.any(String), columns: ['v'], unique: true }]);
    const made = indexes[0]?.name ?? '';
    expect(tooLong(made)).toBe(false);
    // PostgreSQL names every index after its target table; the others keep a name that fits.
    if (dialect !== 'postgres') expect(made === indexName).toBe(!tooLong(indexName));
  });
});
