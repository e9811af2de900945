import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { type DataPlane, type DialectSession, type KeyRange, type NeutralColumn, parseConnectionUrl, type TableSchema } from '@dbferry/dialects-core';
import { createMysqlDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { MysqlDialect } from './mysql.dialect';
import { whereClause } from './mysql.sql';

/** splitRanges on tables large enough to be cut at histogram quantiles instead of numbering every key. */
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
    // 1000 small keys, then 149 000 keys past 10^12: equal key intervals would put nearly every row in the last range.
    await admin.query('CREATE TABLE skewed (id bigint unsigned NOT NULL PRIMARY KEY, note varchar(20)) ENGINE=InnoDB');
    await admin.query("INSERT INTO skewed SELECT seq, 'small' FROM seq_1_to_1000");
    await admin.query("INSERT INTO skewed SELECT 1000000000000 + seq, 'far' FROM seq_1_to_149000");
    await admin.query('ANALYZE TABLE skewed');
    session = await new MysqlDialect().connect({ dialect: 'mysql', ...parseConnectionUrl('mysql', db.url) }, { timeoutMs: 5000 });
    data = session.data as DataPlane;
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await admin?.end();
    await db?.drop();
  });

  const countIn = async (table: string, key: NeutralColumn[], range: KeyRange, where?: string) => {
    const [rows] = await admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}${whereClause(key, range, where)}`);
    return Number(rows[0]?.['n']);
  };

  it('cuts a dense key into ranges of about equal row counts that cover every row once', async () => {
    const schema = (await data.introspector.describeTable({ schema: db.name, name: 'big' })) as TableSchema;
    const key = [schema.columns[0] as NeutralColumn];
    const where = '`kind` <> 3';
    const ranges = await data.reader.splitRanges(schema, key, 6, where);
    expect(ranges).toHaveLength(6);
    expect(ranges[0]?.lower).toBeUndefined();
    expect(ranges[5]?.upper).toBeUndefined();
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.lower).toEqual(ranges[i - 1]?.upper);
    // Bounds are keys, bigint like the key.
    expect(ranges.slice(0, 5).every((r) => typeof r.upper?.[0] === 'bigint')).toBe(true);
    const counts = await Promise.all(ranges.map((range) => countIn('big', key, range, where)));
    const total = 150_000 - Math.floor((150_000 + 4) / 7);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
    for (const n of counts) expect(Math.abs(n - total / 6)).toBeLessThanOrEqual(total / 6 / 8 + 1);
  });

  it('cuts skewed keys (1…1000, then 10^12 on) into ranges of about equal row counts, not equal key intervals', async () => {
    const schema = (await data.introspector.describeTable({ schema: db.name, name: 'skewed' })) as TableSchema;
    const key = [schema.columns[0] as NeutralColumn];
    expect(key[0]?.type.kind).toBe('uint64');
    // Estimated at 100k rows or more: the histogram path, not the exact numbering of small tables.
    const [estimate] = await admin.query<RowDataPacket[]>(`SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'skewed'`, [db.name]);
    expect(Number(estimate[0]?.['n'])).toBeGreaterThanOrEqual(100_000);
    const ranges = await data.reader.splitRanges(schema, key, 8);
    expect(ranges).toHaveLength(8);
    const counts = await Promise.all(ranges.map((range) => countIn('skewed', key, range)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(150_000);
    const mean = 150_000 / 8;
    // The issue asks for each range within 2× of the mean; the histogram keeps them within an eighth.
    for (const n of counts) {
      expect(n).toBeLessThan(mean * 2);
      expect(n).toBeGreaterThan(mean / 2);
      expect(Math.abs(n - mean)).toBeLessThanOrEqual(mean / 8 + 1);
    }
  });
});
