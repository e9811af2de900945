import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { type DataPlane, type DialectSession, type NeutralColumn, parseConnectionUrl, type TableSchema } from '@dbferry/dialects-core';
import { createMysqlDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { MysqlDialect } from './mysql.dialect';
import { whereClause } from './mysql.sql';

/** splitRanges on a table large enough to be cut by key arithmetic instead of numbering every key. */
describe('MariaDB: splitting a large table by its integer key', () => {
  let db: EphemeralDatabase;
  let admin: Connection;
  let session: DialectSession;
  let data: DataPlane;

  beforeAll(async () => {
    db = await createMysqlDatabase('dbferry_mysplit');
    admin = await createConnection({ uri: db.url });
    await admin.query('CREATE TABLE big (id bigint NOT NULL PRIMARY KEY, kind int NOT NULL) ENGINE=InnoDB');
    await admin.query('INSERT INTO big SELECT seq * 3 + 1000, seq % 7 FROM seq_1_to_150000');
    await admin.query('ANALYZE TABLE big');
    session = await new MysqlDialect().connect({ dialect: 'mysql', ...parseConnectionUrl('mysql', db.url) }, { timeoutMs: 5000 });
    data = session.data as DataPlane;
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await admin?.end();
    await db?.drop();
  });

  it('cuts [min, max] into equal key intervals that cover every row once', async () => {
    const schema = (await data.introspector.describeTable({ schema: db.name, name: 'big' })) as TableSchema;
    const key = [schema.columns[0] as NeutralColumn];
    const where = '`kind` <> 3';
    const ranges = await data.reader.splitRanges(schema, key, 6, where);
    // min 1003 and max 451000 (kind 3 excluded): bounds at 1003 + ⌊449997 · i / 6⌋, bigint like the key.
    expect(ranges.map((r) => r.upper?.[0])).toEqual([76_002n, 151_002n, 226_001n, 301_001n, 376_000n, undefined]);
    expect(ranges.map((r) => r.lower?.[0])).toEqual([undefined, 76_002n, 151_002n, 226_001n, 301_001n, 376_000n]);
    const counts = await Promise.all(
      ranges.map(async (range) => {
        const [rows] = await admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM big${whereClause(key, range, where)}`);
        return Number(rows[0]?.['n']);
      }),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(150_000 - Math.floor((150_000 + 4) / 7));
    for (const n of counts) expect(Math.abs(n - 128_571 / 6)).toBeLessThan(200);
  });
});
