import type { ChecksumResult, DialectName, KeyRange, NeutralColumn, NeutralKind, RowBatch, TableRef } from '@dbferry/dialects-core';
import { TORTURE_COLUMNS, TORTURE_KEY, TORTURE_ROWS } from '@dbferry/testing';
import { type LiveDatabase, openLiveDatabase } from './live-dialects';

/**
 * The same rows in PostgreSQL, MariaDB and SQLite checksum the same, per range: the engine
 * compares a source's checksum with its target's, so two dialects that disagree on one value's
 * text would flag every copy between them. Once over every torture column (json and float64
 * send PostgreSQL and MariaDB to the worker) and once over the columns both compute inside the
 * database, checking that path really ran there.
 */
const DIALECTS: DialectName[] = ['postgres', 'mysql', 'sqlite'];
/** Kinds PostgreSQL or MariaDB checksum in the worker (postgres.sql.ts, mysql.checksum.ts). */
const WORKER_KINDS = new Set<NeutralKind>(['json', 'float32', 'float64', 'array', 'set', 'interval', 'xml']);

const RANGES: KeyRange[] = [{}, { upper: [1n] }, { lower: [1n], upper: [3n] }, { lower: [3n] }, { lower: [2n], upper: [4n] }];

async function* once(batch: RowBatch) {
  yield batch;
}

describe('checksums agree across PostgreSQL, MariaDB and SQLite over the same rows', () => {
  const dbs = new Map<DialectName, { db: LiveDatabase; table: TableRef; columns: NeutralColumn[] }>();

  beforeAll(async () => {
    for (const dialect of DIALECTS) {
      const db = await openLiveDatabase(dialect);
      const table = { schema: db.schema, name: 'cross_sum' };
      await db.data.execute(db.data.ddl.createTable(table, { columns: TORTURE_COLUMNS, primaryKey: TORTURE_KEY, indexes: [] }).statements);
      const columns = (await db.data.introspector.describeTable(table))!.columns;
      await db.data.writer.write({ table, columns, keyColumns: TORTURE_KEY, mode: 'insert' }, once({ columns, rows: TORTURE_ROWS }));
      dbs.set(dialect, { db, table, columns });
    }
  }, 120_000);
  afterAll(async () => {
    for (const { db } of dbs.values()) await db.drop();
  });

  /** Per dialect and range: the checksum, and whether the reader was asked for rows (the worker path). */
  async function sums(pick: (c: NeutralColumn) => boolean): Promise<Record<string, { sums: ChecksumResult[]; readRows: boolean }>> {
    const out: Record<string, { sums: ChecksumResult[]; readRows: boolean }> = {};
    for (const [dialect, { db, table, columns }] of dbs) {
      const picked = columns.filter(pick);
      const read = jest.spyOn(db.data.reader, 'read');
      try {
        const results: ChecksumResult[] = [];
        for (const range of RANGES) results.push(await db.data.checksummer.checksum({ table, columns: picked, keyColumns: TORTURE_KEY, range }));
        out[dialect] = { sums: results, readRows: read.mock.calls.length > 0 };
      } finally {
        read.mockRestore();
      }
    }
    return out;
  }

  it('over every column (json and floats: the worker path in PostgreSQL and MariaDB)', async () => {
    const byDialect = await sums(() => true);
    expect(byDialect['postgres']?.sums.map((s) => s.rows)).toEqual([4, 1, 2, 1, 2]);
    expect(byDialect['mysql']?.sums).toEqual(byDialect['postgres']?.sums);
    expect(byDialect['sqlite']?.sums).toEqual(byDialect['postgres']?.sums);
    expect(byDialect['postgres']?.readRows).toBe(true);
    expect(byDialect['mysql']?.readRows).toBe(true);
  });

  it('over the columns PostgreSQL and MariaDB checksum inside the database, which they do', async () => {
    const byDialect = await sums((c) => !WORKER_KINDS.has(TORTURE_COLUMNS.find((t) => t.name === c.name)!.type.kind));
    expect(byDialect['postgres']?.sums.map((s) => s.rows)).toEqual([4, 1, 2, 1, 2]);
    expect(byDialect['mysql']?.sums).toEqual(byDialect['postgres']?.sums);
    expect(byDialect['sqlite']?.sums).toEqual(byDialect['postgres']?.sums);
    // No rows read: md5 ran in the database. (SQLite has no md5 and always digests in the worker.)
    expect(byDialect['postgres']?.readRows).toBe(false);
    expect(byDialect['mysql']?.readRows).toBe(false);
    // And the two column sets differ: the second really left json and floats out.
    const all = await sums(() => true);
    expect(all['postgres']?.sums[0]?.hash).not.toBe(byDialect['postgres']?.sums[0]?.hash);
  });
});
