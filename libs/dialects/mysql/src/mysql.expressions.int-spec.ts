import { type Connection, createConnection } from 'mysql2/promise';
import { type DataPlane, type DialectSession, parseConnectionUrl, type ReadColumn } from '@dbferry/dialects-core';
import { createMysqlDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { MysqlDialect } from './mysql.dialect';

/** Transform expressions on a MariaDB source: typed from the result's metadata (no row read), then read in the SELECT list. */
describe('MariaDB transform expressions', () => {
  let db: EphemeralDatabase;
  let admin: Connection;
  let session: DialectSession;
  let data: DataPlane;
  const table = () => ({ schema: db.name, name: 'orders' });

  beforeAll(async () => {
    db = await createMysqlDatabase('dbferry_myexpr');
    admin = await createConnection({ uri: db.url });
    await admin.query(`CREATE TABLE orders (
      id int NOT NULL PRIMARY KEY, first_name varchar(40) NOT NULL, last_name varchar(40), price decimal(10,2) NOT NULL,
      qty int unsigned NOT NULL, ordered_at datetime(6) NOT NULL, note text) ENGINE=InnoDB`);
    await admin.query(`INSERT INTO orders VALUES (1, 'Ada', 'Lovelace', 12.50, 3, '2026-01-02 03:04:05.123456', 'n1'), (2, 'Alan', NULL, 1.25, 0, '2026-02-03 04:05:06', NULL)`);
    session = await new MysqlDialect().connect({ dialect: 'mysql', ...parseConnectionUrl('mysql', db.url) }, { timeoutMs: 5000 });
    data = session.data as DataPlane;
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await admin?.end();
    await db?.drop();
  });

  const expressions = [
    { name: 'full_name', sql: "CONCAT(`first_name`, ' ', `last_name`)" },
    { name: 'total', sql: '`price` * `qty`' },
    { name: 'day', sql: 'DATE(`ordered_at`)' },
    { name: 'stamp', sql: '`ordered_at`' },
    { name: 'bulk', sql: '`qty` > 2' },
    { name: 'label', sql: "CASE WHEN `qty` > 2 THEN 'bulk' ELSE 'single' END" },
    { name: 'notes', sql: 'UPPER(`note`)' },
  ];

  it('types each expression from the result metadata', async () => {
    const described = await data.introspector.describeExpressions!(table(), expressions);
    const types = Object.fromEntries(described.map((c) => [c.name, [c.nativeType, c.type.kind]]));
    expect(types).toEqual({
      full_name: ['varchar(81)', 'string'],
      total: [expect.stringMatching(/^decimal\(\d+,2\)$/), 'decimal'],
      day: ['date', 'date'],
      stamp: ['datetime(6)', 'timestamp'],
      bulk: ['int', 'int32'],
      label: ['varchar(6)', 'string'],
      notes: [expect.stringMatching(/text$/), 'text'],
    });
  });

  it('refuses, as the database does, an expression it cannot evaluate', async () => {
    await expect(data.introspector.describeExpressions!(table(), [{ name: 'x', sql: '`nope` + 1' }])).rejects.toThrow(/nope/);
  });

  it('reads the expressions in the SELECT list with the described types', async () => {
    const described = await data.introspector.describeExpressions!(table(), expressions);
    const base = (await data.introspector.describeTable(table()))!.columns.filter((c) => c.name === 'id');
    const columns: ReadColumn[] = [...base, ...described.map((c, i) => ({ ...c, expression: expressions[i].sql }))];
    const rows = [];
    for await (const batch of data.reader.read({ table: table(), columns, keyColumns: ['id'], batchSize: 10 })) rows.push(...batch.rows);
    expect(rows).toEqual([
      [1, 'Ada Lovelace', '37.50', '2026-01-02', '2026-01-02 03:04:05.123456', 1, 'bulk', 'N1'],
      [2, null, '0.00', '2026-02-03', '2026-02-03 04:05:06.000000', 0, 'single', null],
    ]);
  });
});
