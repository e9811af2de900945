import type { DataPlane, DialectSession, NeutralColumn, NeutralValue, RowBatch, TableRef } from '@dbferry/dialects-core';
import { NEUTRAL_TEXT_ROWS, parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { copyRange, type CopyRangeInput, RejectLimitError } from './copy-range';

/**
 * Bad rows against real targets: the rows a target refuses are found by bisection in
 * rolled-back probes, left out, and reported by key; everything else is written once.
 */
const ROWS = 10_000;
const BAD_IDS = [1234n, 5678n, 9001n];
/** 3 bad rows among 10k: about 2·log2(10k) probes each at most, far from one per row. */
const MAX_PROBES = BAD_IDS.length * 2 * Math.ceil(Math.log2(ROWS));

async function open(dialect: 'postgres' | 'mysql', url: string): Promise<{ session: DialectSession; data: DataPlane }> {
  const session = await dialectFor(dialect).connect({ dialect, ...parseConnectionUrl(dialect, url) }, { timeoutMs: 10_000 });
  return { session, data: session.data! };
}

async function readAll(data: DataPlane, table: TableRef, columns: NeutralColumn[]): Promise<NeutralValue[][]> {
  const rows: NeutralValue[][] = [];
  for await (const batch of data.reader.read({ table, columns, keyColumns: ['id'], batchSize: 2000 })) rows.push(...batch.rows);
  return rows;
}

async function columnsOf(data: DataPlane, table: TableRef): Promise<NeutralColumn[]> {
  const schema = await data.introspector.describeTable(table);
  if (!schema) throw new Error(`no table ${table.name}`);
  return schema.columns;
}

/** A row as comparable text on both sides (bigint and int alike). */
const text = (row: NeutralValue[]) => row.map((v) => (v === null ? null : String(v)));

describe('copyRange isolates the rows a target rejects', () => {
  let pgDb: EphemeralDatabase;
  let mariaDb: EphemeralDatabase;
  let pg: { session: DialectSession; data: DataPlane };
  let maria: { session: DialectSession; data: DataPlane };

  beforeAll(async () => {
    pgDb = await createPostgresDatabase('dbferry_rejects');
    mariaDb = await createMysqlDatabase('dbferry_rejects');
    pg = await open('postgres', pgDb.url);
    maria = await open('mysql', mariaDb.url);
    const bad = BAD_IDS.join(', ');
    await pg.data.execute([
      'CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, qty integer)',
      `INSERT INTO items SELECT g, CASE WHEN g IN (${bad}) THEN repeat('x', 30) ELSE 'item ' || g END, g % 50 FROM generate_series(1, ${ROWS}) g`,
    ]);
    // The target was made by hand, narrower than the source.
    await maria.data.execute(['CREATE TABLE items (id bigint PRIMARY KEY, name varchar(20) NOT NULL, qty int)']);
  }, 60_000);

  afterAll(async () => {
    await pg?.session.close();
    await maria?.session.close();
    await pgDb?.drop();
    await mariaDb?.drop();
  });

  const pgItems = { schema: 'public', name: 'items' };
  const mariaItems = () => ({ schema: mariaDb.name, name: 'items' });

  it('PostgreSQL → MariaDB: exactly the 3 values too long are rejected by key, every other row written, in few probes', async () => {
    const columns = await columnsOf(pg.data, pgItems);
    // A stale row inside the range is replaced like any other.
    await maria.data.execute([`INSERT INTO items VALUES (42, 'stale', -1)`]);
    const result = await copyRange({
      source: pg.data, target: maria.data, from: pgItems, to: mariaItems(), columns, keyColumns: ['id'],
      mode: 'replace-range', batchSize: 1000, rejectLimit: 10,
    });

    expect(result.rejects.map((r) => r.key)).toEqual(BAD_IDS.map((id) => [id]));
    for (const reject of result.rejects) {
      expect(reject.column).toBe('name');
      expect(reject.error).toMatch(/^value rejected by the database: Data too long for column 'name'/);
    }
    expect(result.rowsRead).toBe(ROWS);
    expect(result.rowsWritten).toBe(ROWS - BAD_IDS.length);
    expect(result.probes).toBeGreaterThanOrEqual(BAD_IDS.length);
    expect(result.probes).toBeLessThanOrEqual(MAX_PROBES);

    const source = (await readAll(pg.data, pgItems, columns)).filter((r) => !BAD_IDS.includes(r[0] as bigint)).map(text);
    const target = (await readAll(maria.data, mariaItems(), await columnsOf(maria.data, mariaItems()))).map(text);
    expect(target).toHaveLength(ROWS - BAD_IDS.length);
    expect(target).toEqual(source);
  }, 120_000);

  it('upserts the rest of a sub-range chunk the same way, leaving rows outside the chunk alone', async () => {
    const columns = await columnsOf(pg.data, pgItems);
    await maria.data.execute(['DELETE FROM items', `INSERT INTO items VALUES (1, 'outside', 0), (6000, 'old', 0)`]);
    const result = await copyRange({
      source: pg.data, target: maria.data, from: pgItems, to: mariaItems(), columns, keyColumns: ['id'],
      range: { lower: [5000n], upper: [7000n] }, mode: 'upsert', batchSize: 500, rejectLimit: 1,
    });
    expect(result.rejects.map((r) => r.key)).toEqual([[5678n]]);
    expect(result.rowsWritten).toBe(1999);
    const target = await readAll(maria.data, mariaItems(), await columnsOf(maria.data, mariaItems()));
    expect(target).toHaveLength(1 + 1999);
    expect(text(target[0])).toEqual(['1', 'outside', '0']);
    expect(text(target.find((r) => r[0] === 6000n)!)).toEqual(['6000', 'item 6000', '0']);
    expect(target.some((r) => r[0] === 5678n)).toBe(false);
  }, 120_000);

  it('fails with the rejects found once more rows are refused than allowed, the target unchanged', async () => {
    const columns = await columnsOf(pg.data, pgItems);
    await maria.data.execute(['DELETE FROM items', `INSERT INTO items VALUES (7, 'before', 7)`]);
    const error = await copyRange({
      source: pg.data, target: maria.data, from: pgItems, to: mariaItems(), columns, keyColumns: ['id'],
      mode: 'replace-range', batchSize: 1000, rejectLimit: 2,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectLimitError);
    expect((error as RejectLimitError).rejects.map((r) => r.key)).toEqual(BAD_IDS.map((id) => [id]));
    expect((error as Error).message).toMatch(/^more than 2 row\(s\) rejected by the target/);
    const target = await readAll(maria.data, mariaItems(), await columnsOf(maria.data, mariaItems()));
    expect(target.map(text)).toEqual([['7', 'before', '7']]);
  }, 120_000);

  it('without a reject limit the first refused row fails the copy as before', async () => {
    const columns = await columnsOf(pg.data, pgItems);
    await expect(
      copyRange({ source: pg.data, target: maria.data, from: pgItems, to: mariaItems(), columns, keyColumns: ['id'], mode: 'replace-range', batchSize: 1000 }),
    ).rejects.toMatchObject({ code: 'data', column: 'name' });
  }, 60_000);

  it('MariaDB → PostgreSQL: a NUL under nul reject, a value too long, a check and a NOT NULL violation, each by key and column', async () => {
    const rows: string[] = [];
    for (let id = 1; id <= ROWS; id++) {
      const name = id === 1500 ? `'bad\\0nul'` : id === 3100 ? `'${'y'.repeat(30)}'` : `'item ${id}'`;
      const qty = id === 4700 ? -5 : id % 50;
      const note = id === 8800 ? 'NULL' : `'n${id}'`;
      rows.push(`(${id}, ${name}, ${qty}, ${note})`);
    }
    await maria.data.execute(['CREATE TABLE src (id bigint PRIMARY KEY, name text NOT NULL, qty int, note text)']);
    for (let i = 0; i < rows.length; i += 2000) await maria.data.execute([`INSERT INTO src VALUES ${rows.slice(i, i + 2000).join(',')}`]);
    await pg.data.execute(['CREATE TABLE dst (id bigint PRIMARY KEY, name varchar(20) NOT NULL, qty integer CHECK (qty >= 0), note text NOT NULL)']);

    const from = { schema: mariaDb.name, name: 'src' };
    const to = { schema: 'public', name: 'dst' };
    const columns = await columnsOf(maria.data, from);
    const result = await copyRange({
      source: maria.data, target: pg.data, from, to, columns, keyColumns: ['id'],
      range: { upper: [BigInt(ROWS)] }, mode: 'replace-range', batchSize: 1000, nul: 'reject', rejectLimit: 10,
    });

    expect(result.rejects.map((r) => [r.key[0], r.column])).toEqual([
      [1500n, 'name'],
      [3100n, 'name'],
      [4700n, undefined],
      [8800n, 'note'],
    ]);
    expect(result.rejects[0].error).toMatch(/NUL character/);
    expect(result.rejects[1].error).toMatch(/value too long for type character varying\(20\)/);
    expect(result.rejects[2].error).toMatch(/violates check constraint/);
    expect(result.rejects[3].error).toMatch(/null value in column "note"/);
    expect(result.probes).toBeLessThanOrEqual(4 * 2 * Math.ceil(Math.log2(ROWS)));
    const target = await readAll(pg.data, to, await columnsOf(pg.data, to));
    expect(target).toHaveLength(ROWS - 4);
    expect(text(target[1499])).toEqual(['1501', 'item 1501', '1', 'n1501']);
  }, 120_000);

  it('MariaDB → PostgreSQL: the reader is asked for the rows as the writer takes them (NEUTRAL_TEXT_ROWS), unless a transform needs them decoded', async () => {
    await maria.data.execute([
      'CREATE TABLE plain (id bigint PRIMARY KEY, name text NOT NULL, qty int)',
      `INSERT INTO plain SELECT seq, CONCAT('p ', seq, ' 🐘'), seq % 7 FROM seq_1_to_3000`,
    ]);
    const from = { schema: mariaDb.name, name: 'plain' };
    const columns = await columnsOf(maria.data, from);
    const read = jest.spyOn(maria.data.reader, 'read');
    try {
      const passes: [string, CopyRangeInput['transform']][] = [['plain_bytes', undefined], ['plain_rows', { columns, keyColumns: ['id'], rows: (b: RowBatch) => b }]];
      for (const [name, transform] of passes) {
        await pg.data.execute([`CREATE TABLE ${name} (id bigint PRIMARY KEY, name text NOT NULL, qty integer)`]);
        const to = { schema: 'public', name };
        const result = await copyRange({
          source: maria.data, target: pg.data, from, to, columns, keyColumns: ['id'], mode: 'replace-range', batchSize: 1000, verify: 'range',
          ...(transform && { transform }),
        });
        expect(result.rowsWritten).toBe(3000);
        expect(text((await readAll(pg.data, to, await columnsOf(pg.data, to)))[2999] as NeutralValue[])).toEqual(['3000', 'p 3000 🐘', '4']);
      }
      expect(read.mock.calls.map(([request]) => request.nativeFormats?.includes(NEUTRAL_TEXT_ROWS) ?? false)).toEqual([true, false]);
    } finally {
      read.mockRestore();
    }
  }, 60_000);
});
