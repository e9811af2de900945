import { existsSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { Client } from 'pg';
import { Database } from 'sqlite3';
import {
  ConnectionSpec,
  DialectSession,
  NeutralColumn,
  NeutralType,
  NeutralValue,
  normalizeValue,
  parseConnectionUrl,
  RowBatch,
  TableRef,
} from '@dbferry/dialects-core';
import { dialectFor, typeMapperFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase, spawnWorker, waitFor, WorkerProcess } from '@dbferry/testing';
import type { RunView } from '../src/modules/runs/run.dto';
import { ApiHarness, startApi } from './harness';

/**
 * One table with every column kind, in each live source's own types (PostgreSQL, MariaDB,
 * SQLite), copied through the API and a spawned worker to each live target in each write mode
 * (27 runs, all at once, each over several chunks of several batches), the upserts then again
 * over their filled targets (so every value also goes through the update path). Every value
 * read back from the target must equal the value written into the source, exactly (decimals as
 * text with their scale, floats bit for bit), or be changed only as docs/type-mapping.md says
 * (NULs stripped for PostgreSQL, counted; a timestamptz kept as its UTC instant where MySQL has
 * no offset), and the plan must report exactly the losses the type mappers document. SQLite
 * targets are files that do not exist until the run creates them.
 */
type Live = 'postgres' | 'mysql' | 'sqlite';
type WriteMode = 'insert' | 'upsert' | 'replace';
const LIVE: Live[] = ['postgres', 'mysql', 'sqlite'];
const MODES: WriteMode[] = ['insert', 'upsert', 'replace'];
const ROWS = 420;
const CHUNK_ROWS = 100;
const BATCH_SIZE = 37;

interface Kind {
  name: string;
  /** The column's type in each source's own DDL; absent where that source cannot hold the values. */
  native: Partial<Record<Live, string>>;
  value(r: number): NeutralValue;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const micros = (r: number) => pad((r * 123_457) % 1_000_000, 6);
const day = (r: number) => new Date(Date.UTC(1970, 0, 1) + r * 37 * 86_400_000).toISOString().slice(0, 10);
const TEXTS = ['', '🐘 𝄞 héllo “q” \'s\' back\\slash', 'ключ 値 🎉 naïve', 'line\nbreak\ttab\rcr', `${'x'.repeat(5000)}🦀`];

/** Row r's values; every 50th row is NULL in every column but the key. */
const KINDS: Kind[] = [
  { name: 'id', native: { postgres: 'bigint PRIMARY KEY', mysql: 'bigint PRIMARY KEY', sqlite: 'INTEGER PRIMARY KEY' }, value: (r) => BigInt(r) },
  {
    name: 'i64',
    native: { postgres: 'bigint', mysql: 'bigint', sqlite: 'BIGINT' },
    value: (r) => (r === 1 ? -9223372036854775808n : r === 2 ? 9223372036854775807n : r === 3 ? 9007199254740993n : BigInt(r) ** 5n * (r % 2 ? -1n : 1n)),
  },
  {
    name: 'u64',
    native: { mysql: 'bigint unsigned' },
    value: (r) => (r === 1 ? 0n : r === 2 ? 18446744073709551615n : r === 3 ? 9223372036854775808n : BigInt(r) * 43_920_000_000_000_007n),
  },
  { name: 'i32', native: { postgres: 'integer', mysql: 'int', sqlite: 'INT' }, value: (r) => (r === 1 ? -2147483648 : r === 2 ? 2147483647 : r * 12_345 - 2_000_000) },
  { name: 'i16', native: { postgres: 'smallint', mysql: 'smallint', sqlite: 'SMALLINT' }, value: (r) => (r === 1 ? -32768 : r === 2 ? 32767 : r - 200) },
  {
    // A SQLite DECIMAL(12,2) has NUMERIC affinity (stored as REAL): still exact at 12 digits.
    name: 'dec',
    native: { postgres: 'numeric(12,2)', mysql: 'decimal(12,2)', sqlite: 'DECIMAL(12,2)' },
    value: (r) =>
      ['-9999999999.99', '9999999999.99', '77.70', '0.00', '-0.01'][r - 1] ?? `${r % 4 === 0 ? '-' : ''}${r * 1000 + (r % 3)}.${pad(r % 100)}`,
  },
  {
    name: 'big',
    native: { postgres: 'numeric(38,10)', mysql: 'decimal(38,10)', sqlite: 'DECIMAL_TEXT(38,10)' },
    value: (r) =>
      ['9999999999999999999999999999.9999999999', '-0.0000000001', '12345678901234567890.1234567890'][r - 1] ?? `${r}${'7'.repeat(20)}.${pad(r, 10)}`,
  },
  {
    name: 'huge',
    native: { postgres: 'numeric(65,30)', mysql: 'decimal(65,30)', sqlite: 'DECIMAL_TEXT(65,30)' },
    value: (r) =>
      [`${'9'.repeat(35)}.${'9'.repeat(30)}`, `-0.${'0'.repeat(29)}1`][r - 1] ?? `${r % 2 ? '-' : ''}${r}.${'3'.repeat(29)}${r % 10}`,
  },
  {
    name: 'f64',
    native: { postgres: 'double precision', mysql: 'double', sqlite: 'REAL' },
    value: (r) => [1.7976931348623157e308, -2.2250738585072014e-308, 0.1, 0][r - 1] ?? (r * 1.000001) / 7,
  },
  {
    // Values a float32 holds exactly.
    name: 'f32',
    native: { postgres: 'real', mysql: 'float', sqlite: 'FLOAT4' },
    value: (r) => [3.4028234663852886e38, -1.1754943508222875e-38][r - 1] ?? (r % 512) / 8 - 20,
  },
  { name: 'flag', native: { postgres: 'boolean', mysql: 'tinyint(1)', sqlite: 'BOOLEAN' }, value: (r) => (r % 5 === 0 ? null : r % 2 === 0) },
  { name: 'd', native: { postgres: 'date', mysql: 'date', sqlite: 'DATE' }, value: (r) => ['1000-01-01', '9999-12-31', '2024-02-29'][r - 1] ?? day(r) },
  {
    name: 'ts',
    native: { postgres: 'timestamp(6)', mysql: 'datetime(6)', sqlite: 'TIMESTAMP(6)' },
    value: (r) => ['1000-01-01 00:00:00', '9999-12-31 23:59:59.999999'][r - 1] ?? `${day(r)} ${pad(r % 24)}:${pad(r % 60)}:${pad((r * 7) % 60)}.${micros(r)}`,
  },
  {
    // Within MariaDB TIMESTAMP's range (1970-01-01 00:00:01 to 2038-01-19 03:14:07.999999 UTC).
    name: 'tstz',
    native: { postgres: 'timestamptz(6)', mysql: 'timestamp(6) NULL DEFAULT NULL', sqlite: 'TIMESTAMPTZ(6)' },
    value: (r) =>
      ['1970-01-01 00:00:01+00:00', '2038-01-19 03:14:07.999999+00:00'][r - 1] ?? `${day(r)} ${pad((r * 5) % 24)}:${pad(r % 60)}:${pad(r % 60)}.${micros(r + 1)}+00:00`,
  },
  {
    name: 't',
    native: { postgres: 'time(6)', mysql: 'time(6)', sqlite: 'TIME(6)' },
    value: (r) => ['00:00:00', '23:59:59.999999'][r - 1] ?? `${pad(r % 24)}:${pad((r * 3) % 60)}:${pad((r * 11) % 60)}.${micros(r)}`,
  },
  { name: 'txt', native: { postgres: 'text', mysql: 'text', sqlite: 'TEXT' }, value: (r) => (r <= TEXTS.length ? TEXTS[r - 1] : `row ${r} 😀 ü`) },
  // PostgreSQL text cannot hold U+0000, so only the other two sources have this column.
  { name: 'nul', native: { mysql: 'text', sqlite: 'TEXT' }, value: (r) => (r % 4 === 0 ? null : r % 4 === 1 ? `a\u0000b${r}` : r % 4 === 2 ? '\u0000' : `plain ${r}`) },
  { name: 'vc', native: { postgres: 'varchar(100)', mysql: 'varchar(100)', sqlite: 'VARCHAR(100)' }, value: (r) => `Ünïcødé ${r} 🎉` },
  {
    name: 'bin',
    native: { postgres: 'bytea', mysql: 'blob', sqlite: 'BLOB' },
    value: (r) => (r === 1 ? Buffer.alloc(0) : r === 2 ? Buffer.from([0, 255, 0, 10, 13, 92]) : Buffer.from(Array.from({ length: r % 40 }, (_, i) => (r * 31 + i * 7) % 256))),
  },
  {
    name: 'js',
    native: { postgres: 'jsonb', mysql: 'json', sqlite: 'JSON' },
    value: (r) => ['{}', '[]', '"a json string"', '{"ключ": "値 🎉", "n": [1, 2.5, null], "nested": {"b": true, "a": "x"}}'][r - 1] ?? `{"r": ${r}, "s": "v${r}", "ok": ${r % 2 === 0}}`,
  },
  {
    name: 'u',
    native: { postgres: 'uuid', mysql: 'char(36)', sqlite: 'UUID' },
    value: (r) => `${r.toString(16).padStart(8, '0')}-0000-4000-8000-${(r * 7919).toString(16).padStart(12, '0')}`,
  },
];

const kindsOf = (source: Live) => KINDS.filter((k) => k.native[source]);
const expectedValue = (kind: Kind, r: number): NeutralValue => (r % 50 === 0 && kind.name !== 'id' ? null : kind.value(r));
const NUL_VALUES = Array.from({ length: ROWS }, (_, i) => expectedValue(KINDS.find((k) => k.name === 'nul')!, i + 1)).filter((v) => typeof v === 'string' && v.includes('\u0000')).length;

/**
 * Exact comparison text for a value read as `type`: decimals as their text (scale included),
 * floats bit for bit (float32 as the float32 it is), the rest as the checksum normalises them.
 */
function exact(type: NeutralType, value: NeutralValue): string | null {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'decimal':
      return String(value);
    case 'float64':
      return Object.is(Number(value), -0) ? '-0' : String(Number(value));
    case 'float32':
      return String(Math.fround(Number(value)));
    default:
      return normalizeValue(type, value);
  }
}

/** What the target must hold for `kind` at row r: the source value, or its documented result. */
function documentedResult(kind: Kind, target: Live, r: number): NeutralValue {
  const value = expectedValue(kind, r);
  // nul: 'strip' (the job default): U+0000 removed for PostgreSQL text, each value counted.
  if (kind.name === 'nul' && target === 'postgres' && typeof value === 'string') return value.split('\u0000').join('');
  return value;
}

/** The losses the plan must report: what the target's type mapper gives each neutral column (same-kind PG/MySQL copies keep their own types). */
function mappedLosses(source: Live, target: Live, columns: NeutralColumn[]): { column: string; kind: string }[] {
  if (source === target && source !== 'sqlite') return [];
  return columns.flatMap((c) => {
    const kind = typeMapperFor(target).fromNeutral(c.type).lossy?.kind;
    return kind ? [{ column: c.name, kind }] : [];
  });
}

async function* batches(columns: NeutralColumn[], rows: NeutralValue[][]): AsyncIterable<RowBatch> {
  for (let i = 0; i < rows.length; i += 100) yield { columns, rows: rows.slice(i, i + 100) };
}

async function readTable(session: DialectSession, table: TableRef) {
  const data = session.data!;
  const described = await data.introspector.describeTable(table);
  if (!described) throw new Error(`${table.schema}.${table.name} does not exist`);
  const rows: NeutralValue[][] = [];
  for await (const batch of data.reader.read({ table, columns: described.columns, keyColumns: ['id'], batchSize: 500 })) rows.push(...batch.rows);
  return { columns: described.columns, rows };
}

function sqliteRaw<T>(file: string, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new Database(file, (openError) => {
      if (openError) return reject(openError);
      db.all<T>(sql, (error, rows) => db.close(() => (error ? reject(error) : resolve(rows))));
    });
  });
}

describe('fidelity matrix: every column kind, 3 sources × 3 targets × 3 write modes, through the API and a worker (e2e)', () => {
  let api: ApiHarness;
  let admin: string;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let worker: WorkerProcess | undefined;
  const sessions = {} as Record<Live, DialectSession>;
  const schemas = {} as Record<Live, string>;
  const sources = {} as Record<Live, string>;
  const sqliteTargetFile = (source: Live, mode: WriteMode) => join(api.env.SQLITE_ROOT, 'fidelity', `from-${source}-${mode}.db`);
  const combos = LIVE.flatMap((source) => LIVE.flatMap((target) => MODES.map((mode) => ({ source, target, mode }))));
  const keyOf = (c: { source: Live; target: Live; mode: WriteMode }) => `${c.source}→${c.target}/${c.mode}`;
  const runs = new Map<string, { first: RunView; second?: RunView; table: TableRef; targetId: string }>();
  const auth = () => ({ Authorization: `Bearer ${admin}` });
  const makeConnection = async (body: object) =>
    (await request(api.http).post('/api/connections').set(auth()).send(body).expect(201)).body.id as string;

  const startRun = async (jobId: string) => (await request(api.http).post(`/api/jobs/${jobId}/run`).set(auth()).expect(202)).body.runId as string;
  /** Waits for every run to end, polling the control store in one query (not 27 HTTP polls), then reads each run's view. */
  const endAll = async (runIds: string[]): Promise<RunView[]> => {
    const store = new Client({ connectionString: api.db.url });
    await store.connect();
    try {
      await waitFor(
        async () => {
          const { rows } = await store.query(`SELECT count(*)::int AS n FROM run WHERE id = ANY($1) AND status IN ('succeeded', 'failed', 'cancelled')`, [runIds]);
          return rows[0].n === runIds.length;
        },
        150_000,
        `${runIds.length} runs to end${worker ? `\n${worker.output().slice(-800)}` : ''}`,
      );
    } finally {
      await store.end();
    }
    const views: RunView[] = [];
    for (const id of runIds) views.push((await request(api.http).get(`/api/runs/${id}`).set(auth()).expect(200)).body as RunView);
    return views;
  };

  beforeAll(async () => {
    api = await startApi();
    // The worker boots while the databases are made and filled.
    const booted = spawnWorker({ WORKER_CONCURRENCY: '8', CONNECTION_MAX_PARALLEL_CHUNKS: '16', LOG_LEVEL: 'warn' }).then(async (w) => {
      worker = w;
      await w.ready();
    });
    booted.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled
    admin = await api.adminToken();
    [pg, maria] = await Promise.all([createPostgresDatabase('dbferry_fidelity'), createMysqlDatabase('dbferry_fidelity')]);
    const specs: Record<Live, ConnectionSpec> = {
      postgres: { dialect: 'postgres', ...parseConnectionUrl('postgres', pg.url) },
      mysql: { dialect: 'mysql', ...parseConnectionUrl('mysql', maria.url) },
      sqlite: { dialect: 'sqlite', database: join(api.env.SQLITE_ROOT, 'fidelity-source.db') },
    };
    schemas.postgres = 'public';
    schemas.mysql = maria.name;
    schemas.sqlite = 'main';

    // The source table in each source's own DDL, filled through the dialect's writer.
    await Promise.all(
      LIVE.map(async (source) => {
        const session = (sessions[source] = await dialectFor(source).connect(specs[source], { timeoutMs: 10_000, create: true }));
        const data = session.data!;
        const table = { schema: schemas[source], name: 'everything' };
        const kinds = kindsOf(source);
        await data.execute([`CREATE TABLE ${data.ddl.qualify(table)} (${kinds.map((k) => `${dialectFor(source).quoteIdentifier(k.name)} ${k.native[source]}`).join(', ')})`]);
        const { columns } = (await data.introspector.describeTable(table))!;
        const rows = Array.from({ length: ROWS }, (_, i) => kinds.map((k) => expectedValue(k, i + 1)));
        await data.writer.write({ table, columns, keyColumns: ['id'], mode: 'insert' }, batches(columns, rows));
      }),
    );
    await booted;
    const pgUrl = new URL(pg.url);
    const mariaUrl = new URL(maria.url);
    sources.postgres = await makeConnection({ name: 'fid-pg', dialect: 'postgres', host: '127.0.0.1', port: Number(pgUrl.port), database: pg.name, username: 'postgres' });
    sources.mysql = await makeConnection({ name: 'fid-maria', dialect: 'mysql', host: '127.0.0.1', port: Number(mariaUrl.port), database: maria.name, username: 'root' });
    sources.sqlite = await makeConnection({ name: 'fid-sqlite', dialect: 'sqlite', database: 'fidelity-source.db' });

    // Every combination at once: 27 jobs, each over several chunks; then each again over its filled target.
    const jobs = await Promise.all(
      combos.map(async (c) => {
        // A SQLite target is a file of its own that does not exist yet: the run creates it.
        const targetId = c.target === 'sqlite' ? await makeConnection({ name: `fid-${c.source}-${c.mode}.db`, dialect: 'sqlite', database: `fidelity/from-${c.source}-${c.mode}.db` }) : sources[c.target];
        const table = { schema: schemas[c.target], name: c.target === 'sqlite' ? 'everything' : `from_${c.source}_${c.mode}` };
        const res = await request(api.http).post('/api/jobs').set(auth()).send({
          name: `fidelity ${keyOf(c)}`, sourceId: sources[c.source], targetId, mode: 'full', writeMode: c.mode,
          chunkRows: CHUNK_ROWS, batchSize: BATCH_SIZE, tables: [{ source: `${schemas[c.source]}.everything`, target: `${table.schema}.${table.name}` }],
        }).expect(201);
        return { ...c, jobId: res.body.id as string, table, targetId };
      }),
    );
    const first = await endAll(await Promise.all(jobs.map((j) => startRun(j.jobId))));
    // Upsert again over the filled targets: every value then goes through the update path.
    const again = jobs.filter((j) => j.mode === 'upsert');
    const second = await endAll(await Promise.all(again.map((j) => startRun(j.jobId))));
    jobs.forEach((j, i) => runs.set(keyOf(j), { first: first[i], second: second[again.indexOf(j)], table: j.table, targetId: j.targetId }));
  }, 300_000);

  afterAll(async () => {
    await worker?.stop();
    for (const session of Object.values(sessions)) await session.close();
    await api?.close();
    await pg?.drop();
    await maria?.drop();
  }, 60_000);

  it.each(combos.map((c) => [keyOf(c), c] as const))('%s: every row and value arrives, or changes only as documented', async (_label, c) => {
    const run = runs.get(keyOf(c))!;
    for (const view of run.second ? [run.first, run.second] : [run.first]) {
      expect({ status: view.status, error: view.error }).toEqual({ status: 'succeeded', error: null });
      expect(view).toMatchObject({ rowsRead: ROWS, rowsWritten: ROWS });
      expect(view.tables[0].chunksTotal).toBeGreaterThanOrEqual(3);
      expect(view.tables[0].chunksDone).toBe(view.tables[0].chunksTotal);
    }

    const kinds = kindsOf(c.source);
    const source = await readTable(sessions[c.source], { schema: schemas[c.source], name: 'everything' });
    // The first run creates the table, so its plan maps every column (the second finds them existing).
    const losses = (run.first.tables[0].losses as { column: string; kind: string }[]).map(({ column, kind }) => ({ column, kind }));
    expect(losses).toEqual(mappedLosses(c.source, c.target, source.columns));
    // The only type-level loss among these three: MySQL keeps no offset, so a timestamptz arrives as its UTC instant.
    expect(losses).toEqual(c.target === 'mysql' && c.source !== 'mysql' ? [{ column: 'tstz', kind: 'timezone-offset-dropped' }] : []);
    const nulWarning = (run.second ?? run.first).tables[0].warnings.find((w) => w.includes('.nul: NUL characters'));
    if (c.target === 'postgres' && c.source !== 'postgres') expect(nulWarning).toMatch(new RegExp(`removed from ${NUL_VALUES} values`));
    else expect(nulWarning).toBeUndefined();

    const session = c.target === 'sqlite' ? await dialectFor('sqlite').connect({ dialect: 'sqlite', database: sqliteTargetFile(c.source, c.mode) }, { timeoutMs: 10_000 }) : sessions[c.target];
    try {
      const target = await readTable(session, run.table);
      expect(target.columns.map((col) => col.name)).toEqual(kinds.map((k) => k.name));
      expect(target.rows).toHaveLength(ROWS);
      const mismatches: string[] = [];
      target.rows.forEach((row, i) => {
        kinds.forEach((kind, j) => {
          const want = exact(target.columns[j].type, documentedResult(kind, c.target, i + 1));
          const got = exact(target.columns[j].type, row[j]);
          // The source itself must read back as written, so a difference is the copy's.
          const read = exact(source.columns[j].type, source.rows[i][j]);
          const wrote = exact(source.columns[j].type, expectedValue(kind, i + 1));
          if (got !== want || read !== wrote) mismatches.push(`row ${i + 1} ${kind.name}: source ${read} (wrote ${wrote}), target ${got}, expected ${want}`);
        });
      });
      expect(mismatches.slice(0, 10)).toEqual([]);
    } finally {
      if (c.target === 'sqlite') await session.close();
    }

    if (c.target === 'sqlite') {
      // In the file itself, not only through dbferry's reader: decimals are text at their scale.
      const [raw] = await sqliteRaw<Record<string, unknown>>(sqliteTargetFile(c.source, c.mode), 'SELECT typeof(dec) AS t, dec, big, huge FROM everything WHERE id = 3');
      expect(raw).toEqual({ t: 'text', dec: '77.70', big: '12345678901234567890.1234567890', huge: expectedValue(KINDS.find((k) => k.name === 'huge')!, 3) });
    }
  });

  describe('SQLite target files (issue 8, item 5)', () => {
    it('the worker created each missing target file inside SQLITE_ROOT, mode 0600, its directory 0700', () => {
      for (const source of LIVE) {
        for (const mode of MODES) expect(statSync(sqliteTargetFile(source, mode)).mode & 0o777).toBe(0o600);
      }
      expect(statSync(join(api.env.SQLITE_ROOT, 'fidelity')).mode & 0o777).toBe(0o700);
    });

    it('a connection test on a missing file does not create it; a job with createTables off fails without creating it', async () => {
      const id = await makeConnection({ name: 'not-yet', dialect: 'sqlite', database: 'later/not-yet.db' });
      const tested = await request(api.http).post(`/api/connections/${id}/test`).set(auth()).expect(200);
      expect(tested.body.ok).toBe(false);
      expect(existsSync(join(api.env.SQLITE_ROOT, 'later'))).toBe(false);

      const job = await request(api.http).post('/api/jobs').set(auth()).send({
        name: 'no create', sourceId: sources.sqlite, targetId: id, mode: 'full', writeMode: 'insert', createTables: false,
        tables: [{ source: 'main.everything' }],
      }).expect(201);
      const [run] = await endAll([await startRun(job.body.id)]);
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/unable to open|unknown database|SQLITE_CANTOPEN/i);
      expect(existsSync(join(api.env.SQLITE_ROOT, 'later'))).toBe(false);
    }, 60_000);

    it('a path outside the root is refused naming the field and saying where the root is', async () => {
      const res = await request(api.http).post('/api/connections').set(auth())
        .send({ name: 'escape-abs', dialect: 'sqlite', database: '/etc/dbferry-elsewhere.db' }).expect(400);
      expect(res.body.details[0].field).toBe('database');
      expect(res.body.details[0].message).toContain(`is outside the SQLite root directory (SQLITE_ROOT=${realpathSync(api.env.SQLITE_ROOT)})`);
    });
  });
});
