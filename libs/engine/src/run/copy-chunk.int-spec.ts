import { type DataPlane, DbError, type DialectName, type DialectSession, parseConnectionUrl, type TableRef } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { planTables, type TableSelectionSpec } from '../plan/plan-tables';
import { copyChunk, laterTypedWatermark } from './copy-chunk';
import { readSnapshot, snapshotTable, type SnapshotJobSettings, type TableSnapshot } from './table-snapshot';

/**
 * Issue 10 items 1-2: a chunk runs from the run's stored snapshot alone. The snapshot goes
 * through JSON (as run_table.snapshot stores it); the job is then "edited" (planned again with
 * another filter, write mode and columns) and the source changed, and a chunk of the stored
 * snapshot still copies exactly the rows and mode frozen at plan time: PostgreSQL → MariaDB.
 */
type Side = { dialect: DialectName; session: DialectSession; data: DataPlane };

async function open(dialect: 'postgres' | 'mysql', url: string): Promise<Side> {
  const session = await dialectFor(dialect).connect({ dialect, ...parseConnectionUrl(dialect, url) }, { timeoutMs: 10_000 });
  return { dialect, session, data: session.data! };
}

const JOB: SnapshotJobSettings = { mode: 'full', writeMode: 'insert', deleteMissing: false, batchSize: 7, nul: 'strip', maxRejects: 0 };

describe('copyChunk over a stored TableSnapshot (PostgreSQL → MariaDB)', () => {
  let pgDb: EphemeralDatabase;
  let mariaDb: EphemeralDatabase;
  let source: Side;
  let target: Side;
  let dst: TableRef;

  async function snapshot(spec: TableSelectionSpec, job: SnapshotJobSettings, since?: string): Promise<TableSnapshot> {
    const [plan] = await planTables({
      source: { dialect: 'postgres', session: source.session },
      target: { dialect: 'mysql', session: target.session, defaultSchema: mariaDb.name },
      tables: [spec],
      options: { createTables: true, evolveSchema: false },
    });
    if (plan.ddl.length) await target.data.execute(plan.ddl);
    dst = plan.target;
    const frozen = await snapshotTable({ plan, source, target, job, since, stagingTag: 'spec' });
    // What plan-run stores and copy-chunk reads back: plain JSON.
    return readSnapshot(JSON.parse(JSON.stringify(frozen)));
  }

  async function targetRows(): Promise<string[][]> {
    const columns = (await target.data.introspector.describeTable(dst))!.columns.filter((c) => ['id', 'label', 'note'].includes(c.name));
    const out: string[][] = [];
    for await (const batch of target.data.reader.read({ table: dst, columns, keyColumns: ['id'], batchSize: 1000 })) out.push(...batch.rows.map((r) => r.map(String)));
    return out;
  }

  beforeAll(async () => {
    pgDb = await createPostgresDatabase('dbferry_snapshot');
    mariaDb = await createMysqlDatabase('dbferry_snapshot');
    source = await open('postgres', pgDb.url);
    target = await open('mysql', mariaDb.url);
    await source.data.execute([
      'CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL, note text, changed timestamp NOT NULL)',
      `INSERT INTO items SELECT g, 'l' || g, 'n' || g, timestamp '2026-01-01 00:00:00' + g * interval '1 hour' FROM generate_series(1, 40) g`,
    ]);
  }, 60_000);

  afterAll(async () => {
    await source?.session.close();
    await target?.session.close();
    await pgDb?.drop();
    await mariaDb?.drop();
  });

  it('copies the frozen filter and write mode after the job was edited', async () => {
    const stored = await snapshot({ source: 'public.items', where: 'id <= 20', columns: ['id', 'label', 'note'] }, JOB);
    expect(stored).toMatchObject({ v: 1, where: '"id" <= 20', write: { mode: 'replace-range', verify: 'range', deleteMissing: false } });
    expect(stored.columns.map((c) => c.name)).toEqual(['id', 'label', 'note']);
    // A row of the target in the range but not at the source: replace-range removes it, upsert would not.
    await target.data.execute([`INSERT INTO \`${dst.schema}\`.\`${dst.name}\` (id, label, note) VALUES (1000, 'stale', 'x')`]);

    // The job is edited: another filter, upsert, fewer columns; its new plan differs...
    const edited = await snapshot({ source: 'public.items', where: 'id > 30', columns: ['id', 'label'] }, { ...JOB, writeMode: 'upsert' });
    expect(edited).toMatchObject({ where: '"id" > 30', write: { mode: 'upsert' } });
    // ...and the source changes under it, but the stored snapshot's chunk copies what it froze.
    await source.data.execute(["UPDATE items SET note = 'late' WHERE id = 5"]);

    const result = await copyChunk(stored, {}, { source: source.data, target: target.data });
    expect(result).toMatchObject({ rowsRead: 20, rowsWritten: 20, rowsDeleted: 0, rejects: [], watermark: null });
    const rows = await targetRows();
    expect(rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(rows[4]).toEqual(['5', 'l5', 'late']);

    // The edited snapshot is what the next run executes: upsert keeps the target's other rows.
    await target.data.execute([`INSERT INTO \`${dst.schema}\`.\`${dst.name}\` (id, label, note) VALUES (1000, 'stale', 'x')`]);
    await copyChunk(edited, {}, { source: source.data, target: target.data });
    expect((await targetRows()).map((r) => Number(r[0]))).toEqual([...Array.from({ length: 20 }, (_, i) => i + 1), ...Array.from({ length: 10 }, (_, i) => i + 31), 1000]);
  }, 60_000);

  it('reads an incremental window from its typed bound and returns a typed watermark', async () => {
    await target.data.execute([`DROP TABLE IF EXISTS \`${mariaDb.name}\`.\`items\``]);
    const stored = await snapshot(
      { source: 'public.items', incrementalColumn: 'changed' },
      { ...JOB, mode: 'incremental' },
      '2026-01-02 10:00:00',
    );
    expect(stored.incremental).toMatchObject({ column: { name: 'changed', type: { kind: 'timestamp' } }, since: '2026-01-02 10:00:00' });
    expect(stored.write.mode).toBe('upsert');
    const low = await copyChunk(stored, { upper: [35n] }, { source: source.data, target: target.data });
    const high = await copyChunk(stored, { lower: [35n] }, { source: source.data, target: target.data });
    // 2026-01-02 10:00 is hour 34: ids 34..40 are read, split after 35 (a range's upper bound is inclusive).
    expect([low.rowsRead, high.rowsRead]).toEqual([2, 5]);
    expect(low.watermark).toMatchObject({ value: '2026-01-02 11:00:00', type: { kind: 'timestamp' }, keyTypes: [{ kind: 'int64' }] });
    expect(laterTypedWatermark(low.watermark, high.watermark)).toBe(high.watermark);
    expect(high.watermark?.value).toBe('2026-01-02 16:00:00');
  }, 60_000);

  it('fails at once, naming the column, when the source lost a column the snapshot names', async () => {
    const stored = await snapshot({ source: 'public.items', columns: ['id', 'label', 'note'] }, JOB);
    await source.data.execute(['ALTER TABLE items DROP COLUMN note']);
    const failure = await copyChunk(stored, {}, { source: source.data, target: target.data }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DbError);
    expect((failure as DbError).transient).toBe(false);
    expect((failure as Error).message).toContain('note');
  }, 60_000);
});
