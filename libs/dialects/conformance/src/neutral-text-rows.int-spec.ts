import { NEUTRAL_TEXT_ROWS, type NeutralColumn, type NeutralValue, type RowBatch, type TableRef, type ValueLoss } from '@dbferry/dialects-core';
import { TORTURE_COLUMNS, TORTURE_KEY, TORTURE_ROWS } from '@dbferry/testing';
import { type LiveDatabase, openLiveDatabase } from './live-dialects';

/**
 * MariaDB → PostgreSQL with the rows as MariaDB's own text (NEUTRAL_TEXT_ROWS): the reader hands
 * over the row packets' bytes and the PostgreSQL writer encodes COPY binary from them, never
 * decoding a row. The target must hold exactly what the row path (decoded values) stores, with
 * the same warnings; values whose text is not their neutral form (a tinyint(1) bool of 5, a zero
 * date) send their batch the row way.
 */

/** The torture columns NEUTRAL_TEXT_ROWS carries: all but the blob. */
const PICKED = TORTURE_COLUMNS.map((column, i) => ({ column, i })).filter(({ column }) => column.type.kind !== 'blob');
const COLUMNS = PICKED.map(({ column }) => column);
const pick = (row: NeutralValue[]) => PICKED.map(({ i }) => row[i] ?? null);
const byName = (values: Record<string, NeutralValue>): NeutralValue[] => COLUMNS.map((c) => values[c.name] ?? null);

const ROWS: NeutralValue[][] = [
  ...TORTURE_ROWS.map(pick),
  // NULs (PostgreSQL text cannot hold them: stripped, counted), headers of 3 and 4 bytes, a bigint past 2^53.
  byName({ id: 5n, ratio: -0.000001, ref: 'ABCDEF01-2345-6789-ABCD-EF0123456789', at_utc: '2024-01-02 03:04:05.5+00:00', flag: false, small: -1, medium: 123, big: -9007199254740993n, amount: '-12.5000000000', label: 'nul\u0000inside', body: 'a\u0000b\u0000', code: 'n\u0000', doc: '{"a": 1}', day: '2024-01-02', at_local: '2024-01-02 03:04:05.5', clock: '01:02:03', size: 'small' }),
  byName({ id: 6n, flag: true, small: 1, medium: 1, big: 1234567890123456n, amount: '1.0000000000', label: '🐘'.repeat(100), body: 'x'.repeat(70_000), code: 'é', doc: `{"k": "${'y'.repeat(300)}"}`, day: '2000-02-29', at_local: '2000-02-29 00:00:00.000001', clock: '23:00:00', size: 'large' }),
];

async function* once(batch: RowBatch) {
  yield batch;
}

describe('NEUTRAL_TEXT_ROWS: MariaDB rows into PostgreSQL as bytes', () => {
  let mysql: LiveDatabase;
  let pg: LiveDatabase;
  let source: TableRef;
  let odd: TableRef;
  let columns: NeutralColumn[];

  beforeAll(async () => {
    mysql = await openLiveDatabase('mysql');
    pg = await openLiveDatabase('postgres');
    source = { schema: mysql.schema, name: 'text_rows' };
    odd = { schema: mysql.schema, name: 'text_rows_odd' };
    for (const table of [source, odd]) await mysql.data.execute(mysql.data.ddl.createTable(table, { columns: COLUMNS, primaryKey: TORTURE_KEY, indexes: [] }).statements);
    columns = (await mysql.data.introspector.describeTable(source))!.columns;
    await mysql.data.writer.write({ table: source, columns, keyColumns: TORTURE_KEY, mode: 'insert' }, once({ columns, rows: ROWS }));
    // Values only a permissive sql_mode stores: a tinyint(1) of 5 and zero dates, between canonical rows.
    await mysql.data.writer.write({ table: odd, columns, keyColumns: TORTURE_KEY, mode: 'insert' }, once({ columns, rows: ROWS.slice(0, 2) }));
    const q = (name: string) => `\`${mysql.schema}\`.\`${name}\``;
    await mysql.data.execute([
      `SET STATEMENT sql_mode = '' FOR INSERT INTO ${q(odd.name)} (id, flag, day, at_local) VALUES (10, 5, '0000-00-00', '2024-00-10 00:00:00')`,
      `INSERT INTO ${q(odd.name)} (id, flag, day) VALUES (11, 1, '2024-01-01'), (12, 0, '2024-01-02'), (13, 1, '2024-01-03')`,
    ]);
  }, 120_000);
  afterAll(async () => {
    await mysql?.drop();
    await pg?.drop();
  });

  /** Reads `from` (as bytes when `native`) into a new PostgreSQL table; the batches read, the write's warnings. */
  async function copy(from: TableRef, into: string, native: boolean, nul: 'strip' | 'reject' = 'strip') {
    const table = { schema: pg.schema, name: into };
    await pg.data.execute(pg.data.ddl.createTable(table, { columns, primaryKey: TORTURE_KEY, indexes: [] }).statements);
    const batches: RowBatch[] = [];
    const read = mysql.data.reader.read({
      table: from,
      columns,
      keyColumns: TORTURE_KEY,
      batchSize: 2,
      ...(native && { nativeFormats: pg.data.writer.nativeFormats }),
    });
    async function* seen(): AsyncGenerator<RowBatch> {
      for await (const batch of read) {
        batches.push(batch);
        const native = batch.native;
        // A batch carrying its bytes must be loaded from them: reading its rows fails the copy.
        yield native
          ? {
              columns: batch.columns,
              rowCount: batch.rowCount,
              native,
              get rows(): NeutralValue[][] {
                throw new Error('the writer decoded a batch it had as bytes');
              },
            }
          : batch;
      }
    }
    const written = await pg.data.writer.write({ table, columns, keyColumns: TORTURE_KEY, mode: 'insert', nul }, seen());
    return { table, batches, written };
  }

  async function rowsOf(table: TableRef): Promise<NeutralValue[][]> {
    const rows: NeutralValue[][] = [];
    for await (const batch of pg.data.reader.read({ table, columns: (await pg.data.introspector.describeTable(table))!.columns, keyColumns: TORTURE_KEY, batchSize: 100 })) rows.push(...batch.rows);
    return rows;
  }

  const shape = (batches: RowBatch[]) => batches.map((b) => [b.native?.format === NEUTRAL_TEXT_ROWS ? 'bytes' : 'rows', b.rows.map((r) => r[0])]);
  const sorted = (warnings: ValueLoss[]) => [...warnings].sort((a, b) => `${a.column}${a.kind}`.localeCompare(`${b.column}${b.kind}`));

  it('stores what the row path stores, value for value, with the same warnings, from bytes only', async () => {
    expect(pg.data.writer.nativeFormats).toContain(NEUTRAL_TEXT_ROWS);
    const bytes = await copy(source, 'as_bytes', true);
    const decoded = await copy(source, 'as_rows', false);
    // Row 1's megabyte ends its batch early (READ_BATCH_BYTES); the rows decode from the bytes alike.
    expect(shape(bytes.batches)).toEqual([['bytes', [1n]], ['bytes', [2n, 3n]], ['bytes', [4n, 5n]], ['bytes', [6n]]]);
    expect(bytes.batches.flatMap((b) => b.rows)).toEqual(decoded.batches.flatMap((b) => b.rows));
    expect(bytes.batches.every((b) => b.native?.format === NEUTRAL_TEXT_ROWS && b.native.types.join() === columns.map((c) => c.type.kind).join())).toBe(true);
    expect(decoded.batches.every((b) => b.native === undefined)).toBe(true);
    expect(bytes.written.rowsWritten).toBe(ROWS.length);
    const stored = await rowsOf(bytes.table);
    expect(stored).toEqual(await rowsOf(decoded.table));
    expect(stored).toHaveLength(ROWS.length);
    // The NULs were stripped and counted, as the row path counts them.
    expect(sorted(bytes.written.warnings)).toEqual(sorted(decoded.written.warnings));
    expect(bytes.written.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ column: 'body', kind: 'nul-stripped', count: 1 })]));
    expect(stored.find((r) => r[0] === 6n)?.[COLUMNS.findIndex((c) => c.name === 'body')]).toBe('x'.repeat(70_000));
  });

  it("fails nul: 'reject' from bytes as from rows, naming the column", async () => {
    await expect(copy(source, 'reject_bytes', true, 'reject')).rejects.toThrow(/column "label": a value contains a NUL character/);
    await expect(copy(source, 'reject_rows', false, 'reject')).rejects.toThrow(/column "label": a value contains a NUL character/);
  });

  it('sends a batch holding a bool of 5 or a zero date the row way, with its zero-date warnings', async () => {
    const bytes = await copy(odd, 'odd_bytes', true);
    const decoded = await copy(odd, 'odd_rows', false);
    // Row 10 (a bool of 5, zero dates) sends its batch the row way, the others go as bytes.
    expect(shape(bytes.batches)).toEqual([['bytes', [1n]], ['rows', [2n, 10n]], ['bytes', [11n, 12n]], ['bytes', [13n]]]);
    expect(bytes.batches.flatMap((b) => b.rows)).toEqual(decoded.batches.flatMap((b) => b.rows));
    expect(bytes.batches[1]?.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ column: 'day', kind: 'zero-date', count: 1 })]));
    const stored = await rowsOf(bytes.table);
    expect(stored).toEqual(await rowsOf(decoded.table));
    const ten = stored.find((r) => r[0] === 10n) as NeutralValue[];
    expect(ten[COLUMNS.findIndex((c) => c.name === 'flag')]).toBe(true);
    expect(ten[COLUMNS.findIndex((c) => c.name === 'day')]).toBeNull();
    expect(ten[COLUMNS.findIndex((c) => c.name === 'at_local')]).toBeNull();
  });
});
