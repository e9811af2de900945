import { DialectName, NeutralColumn, NeutralValue, normalizeValue, RowBatch, TableRef } from '@dbferry/dialects-core';
import { TORTURE_COLUMNS, TORTURE_KEY, TORTURE_ROWS } from '@dbferry/testing';
import { LiveDatabase, openLiveDatabase } from './live-dialects';

/**
 * The torture table copied in all 9 directions among PostgreSQL, MariaDB and SQLite
 * (each to itself too), then compared value by value. A value may differ only where
 * docs/type-mapping.md documents the loss, and then it must equal the documented result
 * and the DDL plan must report the loss.
 */
const DIALECTS: DialectName[] = ['postgres', 'mysql', 'sqlite'];

/** Documented lossy results: `${to}:${column}` → the column's LossNote kind in the DDL plan. */
const DOCUMENTED_LOSSES: Record<string, string> = {
  'mysql:at_utc': 'timezone-offset-dropped',
};

async function* once(batch: RowBatch) {
  yield batch;
}

async function readAll(db: LiveDatabase, table: TableRef, columns: NeutralColumn[]) {
  const rows: NeutralValue[][] = [];
  for await (const batch of db.data.reader.read({ table, columns, keyColumns: TORTURE_KEY, batchSize: 1000 })) rows.push(...batch.rows);
  return rows;
}

describe('fidelity: the torture table in 9 directions', () => {
  const dbs = {} as Record<DialectName, LiveDatabase>;
  const source = (db: LiveDatabase): TableRef => ({ schema: db.schema, name: 'fidelity_source' });

  beforeAll(async () => {
    for (const name of DIALECTS) {
      const db = (dbs[name] = await openLiveDatabase(name));
      await db.data.execute(db.data.ddl.createTable(source(db), { columns: TORTURE_COLUMNS, primaryKey: TORTURE_KEY, indexes: [] }).statements);
      const described = (await db.data.introspector.describeTable(source(db)))!;
      await db.data.writer.write({ table: source(db), columns: described.columns, keyColumns: TORTURE_KEY, mode: 'insert' }, once({ columns: described.columns, rows: TORTURE_ROWS }));
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of Object.values(dbs)) await db.drop();
  });

  const directions = DIALECTS.flatMap((from) => DIALECTS.map((to) => [from, to] as const));

  it.each(directions)('%s → %s keeps every value or reports the documented loss', async (from, to) => {
    const src = dbs[from];
    const dst = dbs[to];
    const described = (await src.data.introspector.describeTable(source(src)))!;
    const target: TableRef = { schema: dst.schema, name: `fidelity_from_${from}` };
    const plan = dst.data.ddl.createTable(target, { columns: described.columns, primaryKey: described.primaryKey, indexes: [] });
    await dst.data.execute(plan.statements);

    const result = await dst.data.writer.write(
      { table: target, columns: described.columns, keyColumns: TORTURE_KEY, mode: 'insert' },
      src.data.reader.read({ table: source(src), columns: described.columns, keyColumns: TORTURE_KEY, batchSize: 2 }),
    );
    expect(result.rowsWritten).toBe(TORTURE_ROWS.length);

    const copied = (await dst.data.introspector.describeTable(target))!;
    const back = await readAll(dst, target, copied.columns);
    const reported = Object.fromEntries(plan.losses.map((l) => [l.column, l.note.kind]));
    for (const [i, column] of TORTURE_COLUMNS.entries()) {
      const documented = DOCUMENTED_LOSSES[`${to}:${column.name}`];
      if (documented && from !== to) expect({ column: column.name, loss: reported[column.name] }).toEqual({ column: column.name, loss: documented });
      const expected = TORTURE_ROWS.map((row) => normalizeValue(column.type, row[i]));
      const actual = back.map((row) => normalizeValue(copied.columns[i].type, row[i]));
      expect({ column: column.name, values: actual }).toEqual({ column: column.name, values: expected });
    }
  });
});
