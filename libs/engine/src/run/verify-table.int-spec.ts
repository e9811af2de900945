import { type DataPlane, type DialectSession, parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { decodeValue, type EncodedValue } from '../plan/key-codec';
import { planTables, type TableSelectionSpec } from '../plan/plan-tables';
import { copyChunk } from './copy-chunk';
import { readSnapshot, snapshotTable, type SnapshotJobSettings, type TableSnapshot } from './table-snapshot';
import { VerifyError, verifyTable } from './verify-table';

/**
 * Verified sync (issue 12, item 4): verifyTable diffs what a run copied from its stored
 * snapshot alone, PostgreSQL → MariaDB: the source under the job's filter (never the
 * incremental window) against the whole target, on the copied columns and the key.
 */
type Side = { session: DialectSession; data: DataPlane };

async function open(dialect: 'postgres' | 'mysql', url: string): Promise<Side> {
  const session = await dialectFor(dialect).connect({ dialect, ...parseConnectionUrl(dialect, url) }, { timeoutMs: 10_000 });
  return { session, data: session.data! };
}

const FULL: SnapshotJobSettings = { mode: 'full', writeMode: 'upsert', deleteMissing: false, batchSize: 50, nul: 'strip', maxRejects: 0, verify: true };
const ids = (keys: { key: EncodedValue[] }[]) => keys.map((k) => Number(decodeValue(k.key[0]))).sort((a, b) => a - b);

describe('verifyTable over a stored TableSnapshot (PostgreSQL → MariaDB)', () => {
  let pgDb: EphemeralDatabase;
  let mariaDb: EphemeralDatabase;
  let source: Side;
  let target: Side;

  async function snapshot(spec: TableSelectionSpec, job: SnapshotJobSettings, since?: string): Promise<TableSnapshot> {
    const [plan] = await planTables({
      source: { dialect: 'postgres', session: source.session },
      target: { dialect: 'mysql', session: target.session, defaultSchema: mariaDb.name },
      tables: [spec],
      options: { createTables: true, evolveSchema: false },
    });
    if (plan.ddl.length) await target.data.execute(plan.ddl);
    const frozen = await snapshotTable({
      plan,
      source: { dialect: 'postgres', data: source.data },
      target: { dialect: 'mysql', data: target.data },
      job,
      since,
      stagingTag: 'verify',
    });
    return readSnapshot(JSON.parse(JSON.stringify(frozen)));
  }

  beforeAll(async () => {
    pgDb = await createPostgresDatabase('dbferry_verify');
    mariaDb = await createMysqlDatabase('dbferry_verify');
    source = await open('postgres', pgDb.url);
    target = await open('mysql', mariaDb.url);
    await source.data.execute([
      'CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL, price numeric(10,2), changed timestamp(6) NOT NULL, extra_col text)',
      `INSERT INTO items SELECT g, 'l' || g, g * 0.5, timestamp '2026-01-01 00:00:00' + g * interval '1 hour', 'x' FROM generate_series(1, 300) g`,
      'CREATE TABLE notes (body text)',
      "INSERT INTO notes VALUES ('a'), ('b')",
    ]);
  }, 60_000);

  afterAll(async () => {
    await source?.session.close();
    await target?.session.close();
    await pgDb?.drop();
    await mariaDb?.drop();
  });

  it('freezes the job option, and finds nothing in a clean filtered copy of the copied columns', async () => {
    const frozen = await snapshot({ source: 'public.items', where: 'id <= 250', columns: ['id', 'label', 'price', 'changed'] }, FULL);
    expect(frozen.diffAfterCopy).toBe(true);
    expect((await snapshot({ source: 'public.items', columns: ['id', 'label'] }, { ...FULL, verify: undefined })).diffAfterCopy).toBe(false);
    await copyChunk(frozen, {}, { source: source.data, target: target.data });
    const clean = await verifyTable(frozen, { source: source.data, target: target.data });
    expect(clean).toMatchObject({ rowsCompared: 250, missing: 0, extra: 0, different: 0, total: 0, samples: [] });
    // Only the copied columns are compared: the source's extra_col, never copied, is not a difference.
    expect(clean.diff.reference.columns.map((c) => c.name)).toEqual(['id', 'label', 'price', 'changed']);
  }, 60_000);

  it('reads the whole filtered table for an incremental snapshot, not its window, and counts target rows outside the filter as extra', async () => {
    // An incremental run reading only ids >= 240 (its window) over the copy above.
    const frozen = await snapshot(
      { source: 'public.items', where: 'id <= 250', columns: ['id', 'label', 'price', 'changed'], incrementalColumn: 'changed' },
      { ...FULL, mode: 'incremental' },
      '2026-01-11 00:00:00',
    );
    expect(frozen.where).toContain('changed');
    const table = `\`${mariaDb.name}\`.\`items\``;
    await target.data.execute([
      `UPDATE ${table} SET price = price + 0.01 WHERE id IN (3, 4)`,
      `DELETE FROM ${table} WHERE id = 7`,
      `INSERT INTO ${table} (id, label, price, changed) VALUES (260, 'l260', 130.00, '2026-01-11 20:00:00'), (999, 'stray', 1.00, '2026-01-01 00:00:00')`,
    ]);
    const found = await verifyTable(frozen, { source: source.data, target: target.data }, { keepKeys: true });
    expect(found).toMatchObject({ rowsCompared: 250, missing: 1, extra: 2, different: 2, total: 5 });
    expect(ids(found.samples.filter((s) => s.kind === 'different'))).toEqual([3, 4]);
    expect(found.samples.filter((s) => s.kind === 'different').map((s) => s.columns)).toEqual([['price'], ['price']]);
    expect(ids(found.samples.filter((s) => s.kind === 'missing'))).toEqual([7]);
    expect(ids(found.samples.filter((s) => s.kind === 'extra'))).toEqual([260, 999]);
    expect(found.keys?.extra).toHaveLength(2);
  }, 60_000);

  it('refuses a table copied without a key', async () => {
    const frozen = await snapshot({ source: 'public.notes' }, FULL);
    expect(frozen.resumable).toBe(false);
    await expect(verifyTable(frozen, { source: source.data, target: target.data })).rejects.toThrow(VerifyError);
  }, 60_000);
});
