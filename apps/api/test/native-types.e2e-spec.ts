import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase, spawnWorker, WorkerProcess } from '@dbferry/testing';
import { ApiHarness, runJobToEnd, startApi } from './harness';

const ROWS = 300;

async function pgQuery<T extends object>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function myQuery<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const conn = await createConnection(url);
  try {
    return (await conn.query(sql, params))[0] as T[];
  } finally {
    await conn.end();
  }
}

const pgTypes = async (url: string, table: string): Promise<Record<string, string>> =>
  Object.fromEntries(
    (await pgQuery<{ name: string; type: string }>(url, 'SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped', [table])).map((r) => [r.name, r.type]),
  );

const mariaTypes = async (db: EphemeralDatabase, table: string): Promise<Record<string, string>> =>
  Object.fromEntries(
    (await myQuery<{ name: string; type: string }>(db.url, 'SELECT column_name AS name, column_type AS type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?', [db.name, table])).map((r) => [r.name, r.type]),
  );

/**
 * Same-dialect jobs run on a real worker: the target tables are created with the source's own
 * types (PostgreSQL enums created with their labels), a table's `types` override them, and every
 * value arrives unchanged.
 */
describe('same-dialect runs keep native types; types overrides apply (e2e)', () => {
  let api: ApiHarness;
  let admin: string;
  let operator: string;
  let worker: WorkerProcess | undefined;
  const dbs: EphemeralDatabase[] = [];
  let citext = false;
  const auth = () => ({ Authorization: `Bearer ${operator}` });

  const connection = async (name: string, dialect: 'postgres' | 'mysql', db: EphemeralDatabase) => {
    const url = new URL(db.url);
    const body = { name, dialect, host: '127.0.0.1', port: Number(url.port), database: db.name, username: dialect === 'postgres' ? 'postgres' : 'root' };
    return (await request(api.http).post('/api/connections').set('Authorization', `Bearer ${admin}`).send(body).expect(201)).body.id as string;
  };
  const job = async (body: object) => (await request(api.http).post('/api/jobs').set(auth()).send({ mode: 'full', writeMode: 'upsert', chunkRows: 100, batchSize: 50, ...body }).expect(201)).body.id as string;

  beforeAll(async () => {
    api = await startApi();
    admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    worker = await spawnWorker({ WORKER_CONCURRENCY: '2', LOG_LEVEL: 'warn' });
    await worker.ready();
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api.close();
    for (const db of dbs) await db.drop();
  }, 60_000);

  it('PostgreSQL → PostgreSQL: format_type of every column equals the source’s, enums created, overrides applied, values unchanged', async () => {
    const src = await createPostgresDatabase('dbferry_e2e_native_src');
    const dst = await createPostgresDatabase('dbferry_e2e_native_dst');
    dbs.push(src, dst);
    citext = (await pgQuery(src.url, `SELECT 1 FROM pg_available_extensions WHERE name = 'citext'`)).length > 0;
    if (citext) for (const db of [src, dst]) await pgQuery(db.url, 'CREATE EXTENSION citext');
    else console.warn('citext is not available on this server: the PostgreSQL run is checked without a citext column');
    await pgQuery(dst.url, 'CREATE SCHEMA shared');
    for (const sql of [
      `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`,
      'CREATE SCHEMA shared',
      `CREATE TYPE shared.level AS ENUM ('low', 'high')`,
      `CREATE TABLE docs (
         id int PRIMARY KEY, body tsvector, feeling mood, tier shared.level, addr inet, price money, ratio numeric, counts int[],
         amount numeric(12,2), payload json ${citext ? ', email citext' : ''})`,
      `INSERT INTO docs SELECT g, to_tsvector('english', 'row ' || g || ' jumped over foxes'), (ARRAY['sad','ok','happy']::mood[])[g % 3 + 1],
              (ARRAY['low','high']::shared.level[])[g % 2 + 1], ('10.0.' || (g % 256) || '.1/24')::inet, (g * 1.25)::numeric::money,
              g / 7.0, ARRAY[g, NULL, -g], g * 100.01, json_build_object('n', g, 's', 'é')
              ${citext ? ", 'User' || g || '@Example.com'" : ''}
         FROM generate_series(1, ${ROWS}) g`,
    ]) await pgQuery(src.url, sql);

    const sourceId = await connection('pg-native-src', 'postgres', src);
    const targetId = await connection('pg-native-dst', 'postgres', dst);
    const jobId = await job({ name: 'pg native', sourceId, targetId, tables: [{ source: 'public.docs', types: { amount: 'numeric(20,4)', payload: 'jsonb' } }] });
    const run = await runJobToEnd(api, operator, jobId, { context: () => worker?.output() ?? '' });
    expect(run).toMatchObject({ status: 'succeeded', rowsWritten: ROWS, error: null });
    expect(run.tables[0].ddl.slice(0, 2)).toEqual([`CREATE TYPE "public"."mood" AS ENUM ('sad', 'ok', 'happy')`, `CREATE TYPE "shared"."level" AS ENUM ('low', 'high')`]);
    expect(run.tables[0].chunksTotal).toBeGreaterThan(1);

    const [before, after] = [await pgTypes(src.url, 'public.docs'), await pgTypes(dst.url, 'public.docs')];
    expect(after).toEqual({ ...before, amount: 'numeric(20,4)', payload: 'jsonb' });
    expect(after).toMatchObject({ body: 'tsvector', feeling: 'mood', tier: 'shared.level', addr: 'inet', price: 'money', ratio: 'numeric', counts: 'integer[]' });
    if (citext) expect(after.email).toBe('citext');
    const rows = `SELECT id, body::text, feeling::text, tier::text, addr::text, price::text, ratio::text, counts::text, amount::numeric(20,4)::text, payload::jsonb::text
                    ${citext ? ', email::text' : ''} FROM docs ORDER BY id`;
    expect(await pgQuery(dst.url, rows)).toEqual(await pgQuery(src.url, rows));
  }, 150_000);

  it('MariaDB → MariaDB: column_type of every column equals the source’s, an override applied, values unchanged', async () => {
    const src = await createMysqlDatabase('dbferry_e2e_native_src');
    const dst = await createMysqlDatabase('dbferry_e2e_native_dst');
    dbs.push(src, dst);
    await myQuery(src.url, `
      CREATE TABLE \`${src.name}\`.things (
        id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, flag tinyint(1), yr year, tags set('a','b','c'), size enum('s','m','l') NOT NULL,
        big bigint unsigned, at timestamp(6) NULL, body mediumtext, price decimal(10,2))`);
    await myQuery(src.url, `
      INSERT INTO \`${src.name}\`.things (flag, yr, tags, size, big, at, body, price)
      SELECT seq % 2, 1901 + seq % 250, ELT(seq % 4 + 1, '', 'a', 'a,c', 'a,b,c'), ELT(seq % 3 + 1, 's', 'm', 'l'), 18446744073709551615 - seq,
             TIMESTAMP '2024-02-29 12:00:00.000001' + INTERVAL seq SECOND, CONCAT('ünïcode 🐬 ', seq), seq * 1.25
        FROM seq_1_to_${ROWS}`);

    const sourceId = await connection('maria-native-src', 'mysql', src);
    const targetId = await connection('maria-native-dst', 'mysql', dst);
    const jobId = await job({ name: 'maria native', sourceId, targetId, tables: [{ source: `${src.name}.things`, target: `${dst.name}.things`, types: { price: 'decimal(20,4)' } }] });
    const run = await runJobToEnd(api, operator, jobId, { context: () => worker?.output() ?? '' });
    expect(run).toMatchObject({ status: 'succeeded', rowsWritten: ROWS, error: null });

    const before = await mariaTypes(src, 'things');
    expect(await mariaTypes(dst, 'things')).toEqual({ ...before, price: 'decimal(20,4)' });
    const extra = `SELECT extra FROM information_schema.columns WHERE table_schema = ? AND table_name = 'things' AND column_name = 'id'`;
    expect(await myQuery(dst.url, extra, [dst.name])).toEqual(await myQuery(src.url, extra, [src.name]));
    const rows = (db: EphemeralDatabase) =>
      myQuery(db.url, `SELECT id, flag, yr, CAST(tags AS char) AS tags, size, CAST(big AS char) AS big, CAST(at AS char) AS at, body, CAST(price AS decimal(20,4)) AS price FROM \`${db.name}\`.things ORDER BY id`);
    expect(await rows(dst)).toEqual(await rows(src));
  }, 150_000);
});
