import { join } from 'node:path';
import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { Database } from 'sqlite3';
import { type DialectName, parseConnectionUrl, type ResolvedConnectionSpec, type TableRef } from '@dbferry/dialects-core';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase, spawnWorker, WorkerProcess } from '@dbferry/testing';
import { ApiHarness, readTableRows, runJobToEnd, saveConnection, startApi } from './harness';

/**
 * Issue 8 item 1: keys that SQLite keeps as TEXT (unsigned 64-bit, decimals, uuid, text with
 * case and accents) sort differently there than on the source, so a chunk's key range cut on the
 * source is another set of rows in SQLite. Over many small chunks, run twice, insert and replace
 * must leave exactly the source's keys in the target; a stale target row is removed, a changed one
 * rewritten. And a target that loses a row of a replaced range (a trigger) fails that chunk
 * terminally with both numbers (issue 8 item 2).
 */
const ROWS = 1000;
const CHUNK_ROWS = 100;

/** Keys whose text order is far from their numeric order: 1-digit to 20-digit numbers, interleaved. */
const u64Keys = (): string[] => {
  const keys = new Set<string>(['1', '9', '10', '99', '100', '9223372036854775807', '9223372036854775808', '18446744073709551615']);
  for (let i = 1; keys.size < ROWS; i++) keys.add(((BigInt(i) * 7_919n) ** BigInt(1 + (i % 4)) % 18_446_744_073_709_551_615n).toString());
  return [...keys];
};
const decimalKeys = (): string[] => {
  const keys = new Set<string>(['-5.5000000000', '0.0000000001', '2.5000000000', '10.0000000000', '100.2500000000', '99999999999999999999.9999999999']);
  for (let i = 1; keys.size < ROWS; i++) keys.add(`${i % 3 === 0 ? '-' : ''}${(i * 7_919) % 10 ** (1 + (i % 9))}.${String((i * 37) % 10_000_000_000).padStart(10, '0')}`);
  return [...keys];
};
const TEXT_STEMS = ['apple', 'Banana', 'éclair', 'Zebra', 'ört', 'Öl', 'ça', 'Ärger', 'eclair-', 'ångström', 'Ω', 'z'];
const textKeys = (): string[] => Array.from({ length: ROWS }, (_, i) => `${TEXT_STEMS[i % TEXT_STEMS.length]}-${(i * 7_919) % 1_000}-${i}`);

function sqliteFile(path: string, sql: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new Database(path, (error) => {
      if (error) return reject(error);
      db.exec(sql.join(';\n'), (e) => db.close(() => (e ? reject(e) : resolve())));
    });
  });
}

/** The key of every row of a table, normalised by its own side's neutral type, sorted. */
async function keysOf(dialect: DialectName, spec: Omit<ResolvedConnectionSpec, 'dialect'>, table: TableRef, key = 'id'): Promise<string[]> {
  return (await readTableRows(dialect, spec, table, { columns: [key], keyColumns: [] })).map(([value]) => value as string).sort();
}

describe('key orders and the row-count guard through the worker (e2e, issue 8 items 1-2)', () => {
  let api: ApiHarness;
  let operator: string;
  let admin: string;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let worker: WorkerProcess | undefined;
  let sqlitePath: string;
  const ids: Record<string, string> = {};
  const auth = () => ({ Authorization: `Bearer ${operator}` });

  const TABLES = [
    { name: 'k_u64', source: 'maria' },
    { name: 'k_dec', source: 'maria' },
    { name: 'k_text', source: 'maria' },
    { name: 'k_uuid', source: 'pg' },
  ] as const;

  beforeAll(async () => {
    api = await startApi();
    admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    pg = await createPostgresDatabase('dbferry_keyorder_src');
    maria = await createMysqlDatabase('dbferry_keyorder_src');

    const m = await createConnection(maria.url);
    try {
      await m.query('CREATE TABLE k_u64 (id BIGINT UNSIGNED PRIMARY KEY, v VARCHAR(40) NOT NULL)');
      await m.query('CREATE TABLE k_dec (id DECIMAL(30,10) PRIMARY KEY, v VARCHAR(40) NOT NULL)');
      // MariaDB's default kind of collation: case- and accent-insensitive.
      await m.query('CREATE TABLE k_text (id VARCHAR(60) COLLATE utf8mb4_unicode_ci PRIMARY KEY, v VARCHAR(40) NOT NULL)');
      for (const [table, keys] of [['k_u64', u64Keys()], ['k_dec', decimalKeys()], ['k_text', textKeys()]] as const) {
        await m.query(`INSERT INTO ${table} (id, v) VALUES ?`, [keys.map((k, i) => [k, `v${i}`])]);
      }
    } finally {
      await m.end();
    }
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query('CREATE TABLE k_uuid (id uuid PRIMARY KEY, v text NOT NULL)');
    await client.query(`INSERT INTO k_uuid SELECT md5(g::text)::uuid, 'v' || g FROM generate_series(1, ${ROWS}) g`);
    await client.end();

    sqlitePath = join(api.env.SQLITE_ROOT, 'keys.db');
    await sqliteFile(sqlitePath);

    worker = await spawnWorker({ WORKER_CONCURRENCY: '3', LOG_LEVEL: 'warn' });
    await worker.ready();
    ids.maria = await saveConnection(api, admin, 'maria', 'mysql', maria);
    ids.pg = await saveConnection(api, admin, 'pg', 'postgres', pg);
    const sqlite = { name: 'keys', dialect: 'sqlite', database: 'keys.db' };
    ids.sqlite = (await request(api.http).post('/api/connections').set('Authorization', `Bearer ${admin}`).send(sqlite).expect(201)).body.id as string;
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api.close();
    await pg.drop();
    await maria.drop();
  }, 60_000);

  const sourceKeys = (table: (typeof TABLES)[number]) =>
    table.source === 'maria'
      ? keysOf('mysql', parseConnectionUrl('mysql', maria.url), { schema: maria.name, name: table.name })
      : keysOf('postgres', parseConnectionUrl('postgres', pg.url), { schema: 'public', name: table.name });
  const targetKeys = (name: string) => keysOf('sqlite', { database: sqlitePath }, { schema: 'main', name });

  const runOnce = async (jobId: string) => {
    const run = await runJobToEnd(api, operator, jobId, { context: () => worker?.output() ?? '', timeoutMs: 120_000 });
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    return run;
  };

  it('a target that loses a row of a replaced range fails that chunk at once, with both numbers, and the run claims no rows it lacks', async () => {
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query('CREATE TABLE guarded (id numeric(20,0) PRIMARY KEY, v varchar(40) NOT NULL)');
    await client.query(`CREATE FUNCTION lose_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM guarded WHERE id = 1; RETURN NULL; END $$`);
    await client.query('CREATE TRIGGER lose_one AFTER INSERT ON guarded FOR EACH ROW WHEN (NEW.id = 1) EXECUTE FUNCTION lose_one()');
    await client.end();
    const job = await request(api.http).post('/api/jobs').set(auth()).send({
      name: 'guarded', sourceId: ids.maria, targetId: ids.pg, mode: 'full', writeMode: 'replace',
      chunkRows: CHUNK_ROWS, batchSize: 50, tables: [{ source: `${maria.name}.k_u64`, target: 'public.guarded' }],
    }).expect(201);
    const run = await runJobToEnd(api, operator, job.body.id, { context: () => worker?.output() ?? '', timeoutMs: 120_000 });
    expect(run).toMatchObject({ status: 'failed' });
    const table = run.tables[0]!;
    expect(table.status).toBe('failed');
    expect(table.chunksDone).toBe(table.chunksTotal - 1);
    expect(run.rowsWritten).toBeLessThan(ROWS);
    const logs: string[] = (await request(api.http).get(`/api/runs/${run.id}/logs`).set(auth()).expect(200)).body.items.map((l: { message: string }) => l.message);
    const failed = logs.filter((m) => / failed: the target does not hold the rows written/.test(m));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/the key range of public\.guarded holds (\d+) row\(s\) after (\d+) were written into it/);
    const [, held, written] = /holds (\d+) row\(s\) after (\d+) were written/.exec(failed[0] as string)!;
    expect(Number(held)).toBe(Number(written) - 1);
    // Terminal: never retried.
    expect(logs.filter((m) => /will retry/.test(m))).toEqual([]);
    // Everything the run reports written is in the target.
    const check = new Client({ connectionString: pg.url });
    await check.connect();
    const { rows } = await check.query<{ n: string }>('SELECT count(*) AS n FROM guarded');
    await check.end();
    expect(Number(rows[0]!.n)).toBe(run.rowsWritten);
  }, 180_000);

  describe.each(['insert', 'replace', 'upsert'] as const)('writeMode %s', (writeMode) => {
    const jobIds: Record<string, string> = {};

    beforeAll(async () => {
      for (const source of ['maria', 'pg'] as const) {
        const tables = TABLES.filter((t) => t.source === source).map((t) => ({
          source: source === 'maria' ? `${maria.name}.${t.name}` : `public.${t.name}`,
          target: `main.${t.name}_${writeMode}`,
        }));
        const job = await request(api.http).post('/api/jobs').set(auth()).send({
          name: `${source} keys ${writeMode}`, sourceId: ids[source], targetId: ids.sqlite, mode: 'full', writeMode,
          chunkRows: CHUNK_ROWS, batchSize: 25, tables,
        }).expect(201);
        jobIds[source] = job.body.id;
      }
    });

    it('run 1 writes every source key, in several chunks, and reports only rows the target holds', async () => {
      for (const source of ['maria', 'pg'] as const) {
        const run = await runOnce(jobIds[source]);
        const tables = TABLES.filter((t) => t.source === source);
        expect(run.rowsWritten).toBe(ROWS * tables.length);
        for (const table of tables) {
          const view = run.tables.find((t) => t.target === `main.${table.name}_${writeMode}`)!;
          expect(view).toMatchObject({ status: 'succeeded', rowsWritten: ROWS });
          expect(view.chunksTotal).toBeGreaterThanOrEqual(ROWS / CHUNK_ROWS - 2);
          const target = await targetKeys(`${table.name}_${writeMode}`);
          expect(target).toHaveLength(ROWS);
          expect(target).toEqual(await sourceKeys(table));
        }
      }
    }, 300_000);

    it('run 2 over the populated target keeps exactly the source keys (a stale target row goes unless upsert)', async () => {
      const stale: Record<string, string> = { k_u64: "'5'", k_dec: "'3.3000000000'", k_text: "'Éstale'", k_uuid: "'00000000-0000-4000-8000-000000000000'" };
      await sqliteFile(sqlitePath, TABLES.map((t) => `INSERT INTO "${t.name}_${writeMode}" (id, v) VALUES (${stale[t.name]}, 'stale')`));
      for (const source of ['maria', 'pg'] as const) {
        const run = await runOnce(jobIds[source]);
        const tables = TABLES.filter((t) => t.source === source);
        expect(run.rowsWritten).toBe(ROWS * tables.length);
        for (const table of tables) {
          const target = await targetKeys(`${table.name}_${writeMode}`);
          const expected = await sourceKeys(table);
          if (writeMode === 'upsert') {
            expect(target).toHaveLength(ROWS + 1);
            expect(target.filter((k) => !expected.includes(k))).toHaveLength(1);
          } else {
            expect(target).toHaveLength(ROWS);
            expect(target).toEqual(expected);
          }
        }
      }
    }, 300_000);
  });
});
