import type { ConnectionSpec, DataPlane, DialectSession, NeutralValue, TableRef } from '@dbferry/dialects-core';
import { normalizeValue, parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { runCli } from './run-cli';

/**
 * `dbferry copy --mode incremental` one-shot, sling's way: the watermark is the target's largest
 * incremental value, read back typed through the target dialect, and only source rows at or
 * after it are read and upserted. PostgreSQL timestamp(6) → MariaDB datetime(6), microseconds apart.
 */
async function open(spec: ConnectionSpec): Promise<{ session: DialectSession; data: DataPlane }> {
  const session = await dialectFor(spec.dialect).connect(spec, { timeoutMs: 10_000 });
  return { session, data: session.data as DataPlane };
}

/** Every row by id, each value normalised by the type its side holds it as. */
async function rowsOf(data: DataPlane, table: TableRef): Promise<NeutralValue[][]> {
  const described = (await data.introspector.describeTable(table))!;
  const rows: NeutralValue[][] = [];
  for await (const batch of data.reader.read({ table, columns: described.columns, keyColumns: ['id'], batchSize: 1000 })) {
    rows.push(...batch.rows.map((row) => row.map((v, i) => normalizeValue(described.columns[i].type, v))));
  }
  return rows;
}

describe('dbferry copy --mode incremental (one-shot)', () => {
  let pg: EphemeralDatabase;
  let my: EphemeralDatabase;
  let pgEnds: { session: DialectSession; data: DataPlane };
  let myEnds: { session: DialectSession; data: DataPlane };
  const events: TableRef = { schema: 'public', name: 'events' };
  const copy = (...extra: string[]) => runCli(['copy', pg.url, my.url, '--tables', 'public.events', '--mode', 'incremental', '--incremental-column', 'updated_at', ...extra]);

  beforeAll(async () => {
    pg = await createPostgresDatabase('dbferry_cli_inc');
    my = await createMysqlDatabase('dbferry_cli_inc');
    pgEnds = await open({ dialect: 'postgres', ...parseConnectionUrl('postgres', pg.url) });
    myEnds = await open({ dialect: 'mysql', ...parseConnectionUrl('mysql', my.url) });
    // 20 rows a second apart; 19 and 20 share the largest value, 18 is one microsecond before it.
    await pgEnds.data.execute([
      'CREATE TABLE public.events (id int PRIMARY KEY, name text NOT NULL, updated_at timestamp(6) NOT NULL)',
      "INSERT INTO public.events SELECT g, 'event ' || g, TIMESTAMP '2024-05-01 10:00:00' + g * interval '1 second' FROM generate_series(1, 17) g",
      "INSERT INTO public.events VALUES (18, 'event 18', '2024-05-01 10:00:30.123455'), (19, 'event 19', '2024-05-01 10:00:30.123456'), (20, 'event 20', '2024-05-01 10:00:30.123456')",
      'CREATE SCHEMA back',
    ]);
  }, 120_000);

  afterAll(async () => {
    await pgEnds?.session.close();
    await myEnds?.session.close();
    await pg?.drop();
    await my?.drop();
  });

  it('copies everything the first time: the target held no watermark', async () => {
    const run = await copy('--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [table] = JSON.parse(run.stdout).tables;
    expect({ status: table.status, rowsRead: table.rowsRead, rowsWritten: table.rowsWritten, watermark: table.watermark }).toEqual({
      status: 'succeeded',
      rowsRead: 20,
      rowsWritten: 20,
      watermark: { column: 'updated_at', since: null, from: 'target' },
    });
    expect(await rowsOf(myEnds.data, { schema: my.name, name: 'events' })).toEqual(await rowsOf(pgEnds.data, events));
  });

  it('then reads only the rows at or after the target’s largest value, to the microsecond', async () => {
    await pgEnds.data.execute([
      // Three rows changed (updated_at bumped), two inserted.
      "UPDATE public.events SET name = name || ' (changed)', updated_at = '2024-05-02 00:00:00.000001' WHERE id IN (3, 7, 11)",
      "INSERT INTO public.events VALUES (21, 'event 21', '2024-05-02 00:00:00.5'), (22, 'event 22', '2024-05-02 00:00:00.500001')",
    ]);
    const run = await copy('--json');
    expect(run.code).toBe(0);
    const [table] = JSON.parse(run.stdout).tables;
    // 5 changed or new rows and the 2 boundary rows (19, 20) read again; 18, a microsecond earlier, is not.
    expect({ rowsRead: table.rowsRead, rowsWritten: table.rowsWritten, watermark: table.watermark }).toEqual({
      rowsRead: 7,
      rowsWritten: 7,
      watermark: { column: 'updated_at', since: '2024-05-01 10:00:30.123456', from: 'target' },
    });
    const target = await rowsOf(myEnds.data, { schema: my.name, name: 'events' });
    expect(target).toHaveLength(22);
    expect(target).toEqual(await rowsOf(pgEnds.data, events));
  });

  it('says what it read from in the summary, and reads nothing new when nothing changed but the boundary', async () => {
    const run = await copy();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("incremental: public.events: read updated_at >= 2024-05-02 00:00:00.500001 (the target's largest;");
    expect(run.stdout).toMatch(/public\.events\s+\S+\.events\s+succeeded\s+1\s+1\s+0/);
  });

  it('--since overrides the target’s watermark; a value the column cannot hold is bad usage', async () => {
    const run = await copy('--since', '2024-05-02T00:00:00', '--json');
    expect(run.code).toBe(0);
    const [table] = JSON.parse(run.stdout).tables;
    expect({ rowsRead: table.rowsRead, watermark: table.watermark }).toEqual({ rowsRead: 5, watermark: { column: 'updated_at', since: '2024-05-02 00:00:00', from: 'since-option' } });

    const bad = await copy('--since', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^dbferry: --since: "yesterday" is not a timestamp/);
    const full = await runCli(['copy', pg.url, my.url, '--tables', 'public.events', '--since', '2024-01-01']);
    expect(full.code).toBe(2);
    expect(full.stderr).toContain('--since: only an incremental copy');
  });

  it('takes the watermark from a PostgreSQL target too (MariaDB → PostgreSQL)', async () => {
    const back = (...extra: string[]) =>
      runCli(['copy', my.url, pg.url, '--tables', `${my.name}.events`, '--target-schema', 'back', '--mode', 'incremental', '--incremental-column', 'updated_at', '--json', ...extra]);
    const first = JSON.parse((await back()).stdout).tables[0];
    expect({ rowsRead: first.rowsRead, watermark: first.watermark }).toEqual({ rowsRead: 22, watermark: { column: 'updated_at', since: null, from: 'target' } });
    await myEnds.data.execute(["UPDATE events SET name = 'moved back', updated_at = '2024-05-03 00:00:00.000007' WHERE id = 5"]);
    const second = JSON.parse((await back()).stdout).tables[0];
    // Row 5 and row 22, which holds the boundary value.
    expect({ rowsRead: second.rowsRead, watermark: second.watermark }).toEqual({ rowsRead: 2, watermark: { column: 'updated_at', since: '2024-05-02 00:00:00.500001', from: 'target' } });
    expect(await rowsOf(pgEnds.data, { schema: 'back', name: 'events' })).toEqual(await rowsOf(myEnds.data, { schema: my.name, name: 'events' }));
  });
});
