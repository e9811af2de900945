import { parseConnectionUrl, type DialectSession } from '@dbferry/dialects-core';
import { createMysqlDatabase, type EphemeralDatabase, generatedBatches, NARROW_COLUMNS } from '@dbferry/testing';
import { MysqlDialect } from './mysql.dialect';

/**
 * Chunks of one table are written by several workers at once. Each replaces its own key
 * range; under REPEATABLE READ the range deletes took gap locks and deadlocked each other.
 */
describe('MariaDB: parallel replace-range writes to one table', () => {
  let db: EphemeralDatabase;
  let sessions: DialectSession[];
  const ROWS = 100_000;
  const PARTS = 4;

  beforeAll(async () => {
    db = await createMysqlDatabase('dbferry_parallel');
    const spec = { dialect: 'mysql' as const, ...parseConnectionUrl('mysql', db.url) };
    sessions = await Promise.all(Array.from({ length: PARTS }, () => new MysqlDialect().connect(spec, { timeoutMs: 5000 })));
  });
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await db.drop();
  });

  it('never deadlocks, and leaves each row exactly once', async () => {
    const table = { schema: db.name, name: 'chunked' };
    const data = sessions.map((s) => s.data!);
    await data[0].execute(data[0].ddl.createTable(table, { columns: NARROW_COLUMNS, primaryKey: ['id'], indexes: [] }).statements);
    const per = ROWS / PARTS;
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        data.map(async (plane, i) => {
          async function* slice() {
            for await (const batch of generatedBatches(per, 2500, NARROW_COLUMNS)) {
              yield { columns: batch.columns, rows: batch.rows.map((r) => [BigInt(Number(r[0]) + i * per), ...r.slice(1)]) };
            }
          }
          const range = { lower: i ? [BigInt(i * per)] : undefined, upper: i < PARTS - 1 ? [BigInt((i + 1) * per)] : undefined };
          await plane.writer.write({ table, columns: NARROW_COLUMNS, keyColumns: ['id'], mode: 'replace-range', range }, slice());
        }),
      );
    }
    const sum = await data[0].checksummer.checksum({ table, columns: NARROW_COLUMNS, keyColumns: ['id'] });
    expect(sum.rows).toBe(ROWS);
  }, 120_000);
});
