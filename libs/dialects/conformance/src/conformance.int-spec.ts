import {
  ChecksumAccumulator,
  DialectName,
  KeyRange,
  NeutralColumn,
  NeutralKind,
  NeutralValue,
  normalizeValue,
  RowBatch,
  TableRef,
} from '@dbferry/dialects-core';
import { TORTURE_COLUMNS, TORTURE_KEY, TORTURE_ROWS } from '@dbferry/testing';
import { liveDialectNames, LiveDatabase, openLiveDatabase, skippedLiveDialects } from './live-dialects';

/**
 * The one suite every dialect runs (STYLE.md): introspect, create, write in each mode, read
 * ranges, checksum. SQL Server and Oracle join when MSSQL_URL / ORACLE_URL are set.
 */
async function* once(batch: RowBatch) {
  yield batch;
}

async function readAll(db: LiveDatabase, table: TableRef, columns: NeutralColumn[], range?: KeyRange): Promise<NeutralValue[][]> {
  const rows: NeutralValue[][] = [];
  for await (const batch of db.data.reader.read({ table, columns, keyColumns: TORTURE_KEY, range, batchSize: 2 })) {
    expect(batch.rows.length).toBeLessThanOrEqual(2);
    rows.push(...batch.rows);
  }
  return rows;
}

/**
 * Kinds a dialect digests in the worker (its SQL cannot write their reference text): the
 * in-database test leaves them out so the database really computes it. SQLite has no md5.
 */
const WORKER_KINDS = new Set<NeutralKind>(['json', 'float32', 'float64', 'array', 'set', 'interval', 'xml']);
const IN_DATABASE: Partial<Record<DialectName, boolean>> = { postgres: true, mysql: true, sqlite: false };

describe.each(skippedLiveDialects())('$dialect conformance', ({ variable, example }) => {
  it(`is skipped without ${variable}`, () => {
    console.log(`skipped: ${variable} not set — the conformance suite runs this dialect against a server (e.g. ${example})`);
  });
});

const normalized = (columns: NeutralColumn[], rows: NeutralValue[][]) =>
  rows.map((row) => row.map((v, i) => normalizeValue(columns[i].type, v)));

describe.each(liveDialectNames())('%s conformance', (dialect) => {
  let db: LiveDatabase;
  let table: TableRef;
  let columns: NeutralColumn[];

  beforeAll(async () => {
    db = await openLiveDatabase(dialect);
    table = { schema: db.schema, name: `conf_${Date.now().toString(36)}` };
  }, 60_000);
  afterAll(async () => {
    await db.data.execute([`DROP TABLE ${db.data.ddl.qualify(table)}`]).catch(() => undefined);
    await db.drop();
  });

  it('creates a table from neutral columns and describes it back', async () => {
    const plan = db.data.ddl.createTable(table, { columns: TORTURE_COLUMNS, primaryKey: TORTURE_KEY, indexes: [{ name: `${table.name}_day`, columns: ['day'], unique: false }] });
    await db.data.execute(plan.statements);
    const described = await db.data.introspector.describeTable(table);
    expect(described?.primaryKey).toEqual(['id']);
    expect(described?.columns.map((c) => c.name)).toEqual(TORTURE_COLUMNS.map((c) => c.name));
    expect(described?.indexes).toContainEqual(expect.objectContaining({ columns: ['day'], unique: false }));
    expect(described?.columns.find((c) => c.name === 'id')?.nullable).toBe(false);
    columns = described!.columns;
    expect(await db.data.introspector.describeTable({ schema: db.schema, name: 'no_such_table' })).toBeNull();
  });

  it('writes every edge value and reads it back unchanged', async () => {
    const result = await db.data.writer.write({ table, columns, keyColumns: TORTURE_KEY, mode: 'insert' }, once({ columns, rows: TORTURE_ROWS }));
    expect(result.rowsWritten).toBe(TORTURE_ROWS.length);
    const back = await readAll(db, table, columns);
    expect(normalized(columns, back)).toEqual(normalized(TORTURE_COLUMNS, TORTURE_ROWS));
  });

  it('splits into ranges that cover every row exactly once, in key order', async () => {
    const bounds = await db.data.reader.keyBounds(table, [columns[0]]);
    expect(bounds && normalized([columns[0]], [bounds.min, bounds.max])).toEqual([['1'], ['4']]);
    const ranges = await db.data.reader.splitRanges(table, [columns[0]], 3);
    expect(ranges.length).toBeGreaterThanOrEqual(2);
    expect(ranges[0].lower).toBeUndefined();
    expect(ranges[ranges.length - 1].upper).toBeUndefined();
    const ids: string[] = [];
    for (const range of ranges) ids.push(...(await readAll(db, table, columns, range)).map((r) => String(r[0])));
    expect(ids).toEqual(['1', '2', '3', '4']);
  });

  it('checksums inside the database exactly as the reference does', async () => {
    // Without json and floats, which PostgreSQL and MariaDB digest in the worker (see the next test).
    const sqlable = columns.filter((c) => !WORKER_KINDS.has(c.type.kind));
    expect(sqlable.map((c) => c.name)).not.toContain('doc');
    const reference = new ChecksumAccumulator(sqlable.map((c) => c.type));
    for (const row of await readAll(db, table, sqlable)) reference.add(row);
    // The checksummer of PostgreSQL, MariaDB, SQL Server and Oracle reads rows through this very reader when it digests in the worker.
    const read = jest.spyOn(db.data.reader, 'read');
    try {
      const sum = await db.data.checksummer.checksum({ table, columns: sqlable, keyColumns: TORTURE_KEY });
      expect(sum).toEqual({ rows: 4, hash: reference.hash });
      const part = await db.data.checksummer.checksum({ table, columns: sqlable, keyColumns: TORTURE_KEY, range: { lower: [1n], upper: [3n] } });
      expect(part.rows).toBe(2);
      // SQLite's plane wraps its reader, so the spy cannot see it: it always digests in the worker.
      const inDatabase = IN_DATABASE[dialect] !== false && read.mock.calls.length === 0;
      console.log(`${dialect}: checksum of ${sqlable.length} columns ${inDatabase ? 'inside the database' : 'in the worker'}`);
      if (IN_DATABASE[dialect]) expect(inDatabase).toBe(true);
    } finally {
      read.mockRestore();
    }
  });

  it('checksums json and floats in the worker exactly as the reference does', async () => {
    const reference = new ChecksumAccumulator(columns.map((c) => c.type));
    for (const row of await readAll(db, table, columns)) reference.add(row);
    const read = jest.spyOn(db.data.reader, 'read');
    try {
      expect(await db.data.checksummer.checksum({ table, columns, keyColumns: TORTURE_KEY })).toEqual({ rows: 4, hash: reference.hash });
      if (IN_DATABASE[dialect]) expect(read).toHaveBeenCalled();
    } finally {
      read.mockRestore();
    }
  });

  it('upserts by key idempotently', async () => {
    const changed = TORTURE_ROWS.slice(2).map((row) => [row[0], ...row.slice(1, 7), 'updated', ...row.slice(8)]);
    for (let i = 0; i < 2; i++) {
      await db.data.writer.write({ table, columns, keyColumns: TORTURE_KEY, mode: 'upsert' }, once({ columns, rows: changed }));
    }
    const back = await readAll(db, table, columns);
    expect(back.map((r) => [String(r[0]), r[7]])).toEqual([['1', TORTURE_ROWS[0][7]], ['2', ''], ['3', 'updated'], ['4', 'updated']]);
  });

  it('replaces a key range in one transaction', async () => {
    const replacement = [TORTURE_ROWS[1]];
    await db.data.writer.write({ table, columns, keyColumns: TORTURE_KEY, mode: 'replace-range', range: { lower: [1n], upper: [3n] } }, once({ columns, rows: replacement }));
    const back = await readAll(db, table, columns);
    expect(back.map((r) => String(r[0]))).toEqual(['1', '2', '4']);
  });

  it('writes nothing when a batch fails half-way', async () => {
    const before = await db.data.checksummer.checksum({ table, columns, keyColumns: TORTURE_KEY });
    const good = [[10n, ...TORTURE_ROWS[2].slice(1)]];
    const duplicate = [[10n, ...TORTURE_ROWS[2].slice(1)]];
    async function* twoBatches() {
      yield { columns, rows: good };
      yield { columns, rows: duplicate };
    }
    await expect(db.data.writer.write({ table, columns, keyColumns: TORTURE_KEY, mode: 'insert' }, twoBatches())).rejects.toThrow();
    expect(await db.data.checksummer.checksum({ table, columns, keyColumns: TORTURE_KEY })).toEqual(before);
  });

  it('probes a write with rollback: counts the rows, refuses what it would refuse, changes nothing', async () => {
    const before = await db.data.checksummer.checksum({ table, columns, keyColumns: TORTURE_KEY });
    const fresh = [[11n, ...TORTURE_ROWS[2].slice(1)], [12n, ...TORTURE_ROWS[3].slice(1)]];
    const probe = await db.data.writer.write(
      { table, columns, keyColumns: TORTURE_KEY, mode: 'replace-range', range: { lower: [0n], upper: [20n] }, rollback: true },
      once({ columns, rows: fresh }),
    );
    expect(probe.rowsWritten).toBe(2);
    expect(await db.data.checksummer.checksum({ table, columns, keyColumns: TORTURE_KEY })).toEqual(before);
    const duplicate = [fresh[0], fresh[0]];
    await expect(
      db.data.writer.write({ table, columns, keyColumns: TORTURE_KEY, mode: 'insert', rollback: true }, once({ columns, rows: duplicate })),
    ).rejects.toMatchObject({ code: 'constraint' });
    expect(await db.data.checksummer.checksum({ table, columns, keyColumns: TORTURE_KEY })).toEqual(before);
  });
});
