import type { ConnectionSpec, DataPlane, DialectSession, NeutralColumn, NeutralValue, TableRef } from '@dbferry/dialects-core';
import { normalizeValue } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { TORTURE_COLUMNS, TORTURE_KEY, TORTURE_ROWS } from '@dbferry/testing';

/** Opening an end, and reading the torture table back value by value, for the CLI's copy tests. */
export async function open(spec: ConnectionSpec): Promise<{ session: DialectSession; data: DataPlane }> {
  const session = await dialectFor(spec.dialect).connect(spec, { timeoutMs: 10_000 });
  return { session, data: session.data as DataPlane };
}

async function* once(columns: NeutralColumn[], rows: NeutralValue[][]) {
  yield { columns, rows };
}

/** Creates public.torture with its key and writes the torture rows into it. */
export async function loadTorture(data: DataPlane): Promise<void> {
  const torture: TableRef = { schema: 'public', name: 'torture' };
  await data.execute(data.ddl.createTable(torture, { columns: TORTURE_COLUMNS, primaryKey: TORTURE_KEY, indexes: [] }).statements);
  const described = (await data.introspector.describeTable(torture))!;
  await data.writer.write({ table: torture, columns: described.columns, keyColumns: TORTURE_KEY, mode: 'insert' }, once(described.columns, TORTURE_ROWS));
}

export async function readAll(data: DataPlane, table: TableRef) {
  const described = (await data.introspector.describeTable(table))!;
  const rows: NeutralValue[][] = [];
  for await (const batch of data.reader.read({ table, columns: described.columns, keyColumns: TORTURE_KEY, batchSize: 1000 })) rows.push(...batch.rows);
  return { columns: described.columns, rows };
}

/** Every torture value, normalised by the type each side holds it as. */
export function expectTortureValues(back: { columns: NeutralColumn[]; rows: NeutralValue[][] }) {
  expect(back.columns.map((c) => c.name)).toEqual(TORTURE_COLUMNS.map((c) => c.name));
  for (const [i, column] of TORTURE_COLUMNS.entries()) {
    const expected = TORTURE_ROWS.map((row) => normalizeValue(column.type, row[i]));
    const actual = back.rows.map((row) => normalizeValue(back.columns[i].type, row[i]));
    expect({ column: column.name, values: actual }).toEqual({ column: column.name, values: expected });
  }
}
