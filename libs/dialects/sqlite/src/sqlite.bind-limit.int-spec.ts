import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database, type Statement } from 'sqlite3';
import { ChecksumAccumulator, type NeutralColumn, type NeutralValue, type RowBatch } from '@dbferry/dialects-core';
import { SqliteChecksummer } from './sqlite.checksum';
import { bindLimit, SQLITE_LEGACY_BIND_LIMIT } from './sqlite.data-plane';
import { SqliteDdlBuilder } from './sqlite.ddl';
import { exec } from './sqlite.driver';
import { SqliteDialect } from './sqlite.dialect';
import { SqliteReader } from './sqlite.reader';
import { SqliteWriter } from './sqlite.writer';

/**
 * The writer's multi-row INSERTs hold floor(bind limit / columns) rows (fullRows): a write of
 * more rows, or of very wide rows, must be split across statements that each stay under the
 * limit, and still write every row. The parameters of each INSERT run are recorded off the
 * connection's prepared statements.
 */
const dialect = new SqliteDialect();
const col = (name: string, type: NeutralColumn['type']): NeutralColumn => ({ name, type, nativeType: '', nullable: name !== 'id' });

async function* batchesOf(columns: NeutralColumn[], rows: NeutralValue[][], size: number): AsyncIterable<RowBatch> {
  for (let i = 0; i < rows.length; i += size) yield { columns, rows: rows.slice(i, i + size) };
}

const sumOf = (columns: NeutralColumn[], rows: NeutralValue[][]) => {
  const acc = new ChecksumAccumulator(columns.map((c) => c.type));
  for (const row of rows) acc.add(row);
  return { rows: acc.rows, hash: acc.hash };
};

describe('SQLite writer: multi-row INSERTs split by the bind limit', () => {
  let dir: string;
  let db: Database;
  /** Parameters bound by each INSERT the library ran, in order. */
  let inserts: number[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dbferry-sqlite-bind-'));
    db = new Database(join(dir, 'bind.db'));
    // Every INSERT run through a prepared statement: record how many parameters it bound.
    const prepare = db.prepare.bind(db) as (sql: string, callback: (error: Error | null) => void) => Statement;
    (db as unknown as { prepare: typeof prepare }).prepare = (sql, callback) => {
      const statement = prepare(sql, callback);
      if (/^INSERT/i.test(sql)) {
        const run = statement.run.bind(statement) as (params: unknown[], done: (error: Error | null) => void) => Statement;
        (statement as unknown as { run: typeof run }).run = (params, done) => {
          inserts.push(params.length);
          return run(params, done);
        };
      }
      return statement;
    };
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => db.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    inserts = [];
  });

  const writeAndCheck = async (name: string, columns: NeutralColumn[], rows: NeutralValue[][], limit: number) => {
    const table = { schema: 'main', name };
    for (const statement of new SqliteDdlBuilder(dialect).createTable(table, { columns, primaryKey: ['id'], indexes: [] }).statements) await exec(db, statement);
    inserts = [];
    const writer = new SqliteWriter(db, dialect, () => Promise.resolve(limit));
    const result = await writer.write({ table, columns, keyColumns: ['id'], mode: 'insert' }, batchesOf(columns, rows, 5000));
    expect(result.rowsWritten).toBe(rows.length);
    const back = await new SqliteChecksummer(new SqliteReader(db, dialect)).checksum({ table, columns, keyColumns: ['id'] });
    expect(back).toEqual(sumOf(columns, rows));
    return inserts;
  };

  it('writes 25 000 three-column rows in INSERTs of floor(limit / 3) rows under the library’s limit', async () => {
    const limit = await bindLimit(db, dialect.capabilities.maxBindParams);
    expect(limit).toBeGreaterThan(SQLITE_LEGACY_BIND_LIMIT);
    const columns = [col('id', { kind: 'int64' }), col('label', { kind: 'text' }), col('amount', { kind: 'decimal', precision: 12, scale: 2 })];
    const rows = Array.from({ length: 25_000 }, (_, i) => [BigInt(i + 1), `row ${i + 1}`, `${i}.25`]);
    const fullRows = Math.floor(limit / 3);
    const statements = await writeAndCheck('many_rows', columns, rows, limit);
    expect(statements).toHaveLength(Math.ceil(25_000 / fullRows));
    expect(statements.slice(0, -1).every((params) => params === fullRows * 3)).toBe(true);
    expect(statements.every((params) => params <= limit)).toBe(true);
    expect(statements.reduce((a, b) => a + b, 0)).toBe(25_000 * 3);
  });

  it('under the legacy limit of 999, writes 1000 rows in INSERTs of 333', async () => {
    const columns = [col('id', { kind: 'int64' }), col('label', { kind: 'text' }), col('n', { kind: 'int32' })];
    const rows = Array.from({ length: 1000 }, (_, i) => [BigInt(i + 1), `r${i}`, i]);
    const statements = await writeAndCheck('legacy_limit', columns, rows, SQLITE_LEGACY_BIND_LIMIT);
    expect(statements).toEqual([999, 999, 999, 3]);
  });

  it('writes 1999-column rows 16 to a statement (32766 / 1999)', async () => {
    const columns = [col('id', { kind: 'int64' }), ...Array.from({ length: 1998 }, (_, i) => col(`c${i}`, { kind: 'int32' }))];
    const rows = Array.from({ length: 100 }, (_, r) => [BigInt(r + 1), ...Array.from({ length: 1998 }, (_, i) => (r * 7 + i) % 1000)]);
    const statements = await writeAndCheck('wide_rows', columns, rows, 32_766);
    expect(statements).toEqual([...Array<number>(6).fill(16 * 1999), 4 * 1999]);
  });
});
