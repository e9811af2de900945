import {
  DialectName,
  NeutralColumn,
  NeutralValue,
  normalizeValue,
  RowBatch,
  sumValueLosses,
  TableRef,
  ValueLoss,
} from '@dbferry/dialects-core';
import { LOSSY_ROW_COUNT, LOSSY_TABLES, LossyDialect, TORTURE_COLUMNS, TORTURE_KEY, TORTURE_ROWS } from '@dbferry/testing';
import { documentedLoss, mappedLoss } from './fidelity-docs';
import { LiveDatabase, openLiveDatabase } from './live-dialects';

/**
 * Tables copied in all 9 directions among PostgreSQL, MariaDB and SQLite (each to itself too),
 * then compared value by value: the torture table (every edge value of the types all three
 * hold) and one lossy table per source (libs/testing/src/torture-lossy.ts). The loss each
 * column's DDL plan reports must be the one docs/type-mapping.md documents for its source type
 * and target, no more and no less; a value may differ only as its documented result says; and
 * the value-level losses the reader and writer count (zero dates, NULs, fractions cut) must be
 * exactly the ones expected.
 */
const DIALECTS: LossyDialect[] = ['postgres', 'mysql', 'sqlite'];

async function* once(batch: RowBatch) {
  yield batch;
}

async function readAll(db: LiveDatabase, table: TableRef, columns: NeutralColumn[]) {
  const rows: NeutralValue[][] = [];
  for await (const batch of db.data.reader.read({ table, columns, keyColumns: TORTURE_KEY, batchSize: 1000 })) rows.push(...batch.rows);
  return rows;
}

/** Copies `from` into a new table `to` of `dst` the way a run does; the plan, the value losses counted and the rows read back. */
async function copy(src: LiveDatabase, from: TableRef, dst: LiveDatabase, to: TableRef) {
  const described = (await src.data.introspector.describeTable(from))!;
  const plan = dst.data.ddl.createTable(to, { columns: described.columns, primaryKey: described.primaryKey, indexes: [] });
  await dst.data.execute(plan.statements);
  const readerLosses: ValueLoss[] = [];
  async function* counted() {
    for await (const batch of src.data.reader.read({ table: from, columns: described.columns, keyColumns: TORTURE_KEY, batchSize: 2 })) {
      readerLosses.push(...(batch.warnings ?? []));
      yield batch;
    }
  }
  const result = await dst.data.writer.write({ table: to, columns: described.columns, keyColumns: TORTURE_KEY, mode: 'insert' }, counted());
  const copied = (await dst.data.introspector.describeTable(to))!;
  return {
    described,
    copied,
    rowsWritten: result.rowsWritten,
    reported: Object.fromEntries(plan.losses.map((l) => [l.column, l.note.kind])) as Record<string, string | undefined>,
    losses: sumValueLosses(readerLosses, result.warnings),
    back: await readAll(dst, to, copied.columns),
  };
}

const byColumnKind = (a: ValueLoss, b: ValueLoss) => `${a.column}/${a.kind}`.localeCompare(`${b.column}/${b.kind}`);
const directions = DIALECTS.flatMap((from) => DIALECTS.map((to) => [from, to] as const));

describe('fidelity: 9 directions among PostgreSQL, MariaDB and SQLite', () => {
  const dbs = {} as Record<DialectName, LiveDatabase>;
  const torture = (db: LiveDatabase): TableRef => ({ schema: db.schema, name: 'fidelity_source' });
  const lossy = (db: LiveDatabase): TableRef => ({ schema: db.schema, name: 'fidelity_lossy' });

  beforeAll(async () => {
    for (const name of DIALECTS) {
      const db = (dbs[name] = await openLiveDatabase(name));
      await db.data.execute(db.data.ddl.createTable(torture(db), { columns: TORTURE_COLUMNS, primaryKey: TORTURE_KEY, indexes: [] }).statements);
      const described = (await db.data.introspector.describeTable(torture(db)))!;
      await db.data.writer.write({ table: torture(db), columns: described.columns, keyColumns: TORTURE_KEY, mode: 'insert' }, once({ columns: described.columns, rows: TORTURE_ROWS }));

      // The lossy table in the source's own types and SQL, so values the neutral model cannot make (zero dates) go in.
      const table = LOSSY_TABLES.find((t) => t.source === name)!;
      const columns = table.columns.map((c, i) => `${c.name} ${c.native}${i === 0 ? ' PRIMARY KEY' : ''}`);
      const rows = Array.from({ length: LOSSY_ROW_COUNT }, (_, r) => `(${table.columns.map((c) => c.literals[r]).join(', ')})`);
      await db.data.execute([
        `CREATE TABLE ${db.data.ddl.qualify(lossy(db))} (${columns.join(', ')})`,
        ...(table.before ?? []),
        `INSERT INTO ${db.data.ddl.qualify(lossy(db))} VALUES ${rows.join(', ')}`,
        ...(table.after ?? []),
      ]);
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of Object.values(dbs)) await db.drop();
  });

  it.each(directions)('torture table %s → %s keeps every value, and reports only the losses the type mappers document', async (from, to) => {
    const src = dbs[from];
    const dst = dbs[to];
    const out = await copy(src, torture(src), dst, { schema: dst.schema, name: `fidelity_from_${from}` });
    expect(out.rowsWritten).toBe(TORTURE_ROWS.length);
    expect(out.losses).toEqual([]);
    for (const [i, column] of out.described.columns.entries()) {
      expect({ column: column.name, loss: out.reported[column.name] ?? null }).toEqual({ column: column.name, loss: mappedLoss(from, to, column.nativeType) });
      const expected = TORTURE_ROWS.map((row) => normalizeValue(TORTURE_COLUMNS[i].type, row[i]));
      const actual = out.back.map((row) => normalizeValue(out.copied.columns[i].type, row[i]));
      expect({ column: column.name, values: actual }).toEqual({ column: column.name, values: expected });
    }
  });

  it.each(directions)('lossy table %s → %s changes values only as docs/type-mapping.md says, and counts each change', async (from, to) => {
    const src = dbs[from];
    const dst = dbs[to];
    const table = LOSSY_TABLES.find((t) => t.source === from)!;
    const original = (await src.data.introspector.describeTable(lossy(src)))!;
    const read = await readAll(src, lossy(src), original.columns);
    const out = await copy(src, lossy(src), dst, { schema: dst.schema, name: `fidelity_lossy_from_${from}` });
    expect(out.rowsWritten).toBe(LOSSY_ROW_COUNT);

    for (const [i, column] of table.columns.entries()) {
      const documented = documentedLoss(from, to, column.native);
      // The docs are generated from the mappers: the source's native type gives the same loss both ways.
      expect({ column: column.name, mapped: mappedLoss(from, to, column.native) }).toEqual({ column: column.name, mapped: documented });
      expect({ column: column.name, reported: out.reported[column.name] ?? null }).toEqual({ column: column.name, reported: documented });
      const targetType = out.copied.columns[i].type;
      const becomes = column.becomes?.[to];
      const expected = becomes ? becomes.map((v) => normalizeValue(targetType, v)) : read.map((row) => normalizeValue(original.columns[i].type, row[i]));
      const actual = out.back.map((row) => normalizeValue(targetType, row[i]));
      expect({ column: column.name, values: actual }).toEqual({ column: column.name, values: expected });
    }
    const counted = table.columns.flatMap((c): ValueLoss[] => {
      const loss = c.valueLosses?.[to];
      return loss ? [{ column: c.name, ...loss }] : [];
    });
    expect([...out.losses].sort(byColumnKind)).toEqual(counted.sort(byColumnKind));
  });
});
