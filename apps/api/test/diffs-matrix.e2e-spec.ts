import { join } from 'node:path';
import request from 'supertest';
import { createConnection } from 'mysql2/promise';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase, spawnWorker, type WorkerProcess } from '@dbferry/testing';
import { allRows, type Changes, changeReference, type DiffBody, keyText, kindsTableSql, pgExec, startDiff, waitForDiff } from './diff-fixture';
import { type ApiHarness, runJobToEnd, saveConnection, startApi } from './harness';

/**
 * Issue 12, "How it is checked", the dialect pairs beside PostgreSQL ↔ MariaDB (diffs.e2e-spec.ts):
 * MariaDB ↔ SQLite and PostgreSQL ↔ PostgreSQL, end to end through POST /api/diffs and a worker.
 * On each pair, tables copied by real sync runs, then changed on the reference:
 * - every column kind: 100 rows updated in one column each (the last decimal digit, the last
 *   microsecond, JSON, a byte, '' vs NULL, a trailing space…), 50 deleted, 50 inserted, and 60
 *   rows rewritten in another representation only (JSON key order and spaces; on SQLite decimal
 *   and fraction trailing zeros): exactly 100/50/50 with each row's differing column;
 * - a composite key (the second column beyond 2^53): 5 different, 4 missing, 3 extra;
 * - a text key holding case and accent variants ('apple'/'Apple'/'APPLE', 'Éclair'/'éclair',
 *   'ß'/'ss'…): exactly the changed words, none taken for another.
 * And a 3-database diff (PostgreSQL against PostgreSQL and MariaDB), each other changed its own way.
 * The three diffs run at once on one worker; tables are small, bisection is forced small.
 */
const ROWS = 1100;
const OPTIONS = { bisectionFactor: 8, bisectionThreshold: 64 };

/** The special words of the text-key table (with 300 plain ones, w001..w300). */
const WORDS = ['apple', 'Apple', 'APPLE', 'Éclair', 'éclair', 'eclair', 'Zoë', 'zoe', 'Zoe', 'ß', 'ss', 'SS', 'Straße', 'strasse', 'Ölfass', 'olfass', 'naïve', 'naive', 'ångström', 'Angstrom'];
const wordRows = () => [...WORDS, ...Array.from({ length: 300 }, (_, i) => `w${String(i + 1).padStart(3, '0')}`)].map((w, i) => [w, i + 1] as const);
const sqlText = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** What each pair's reference changes in pairs and words (the same on both pairs). */
const PAIRS_DIFFERENT = ['1|9007199254741000', '2|9007199254740993', '3|9007199254741010', '5|9007199254740999', '6|9007199254741020'];
const PAIRS_EXTRA = ['1|9007199254740995', '4|9007199254741001', '6|9007199254741049'];
const PAIRS_MISSING = ['1|9007199254741100', '2|9007199254741100', '7|9007199254740993', '7|9007199254740994'];
const WORDS_DIFFERENT = ['Apple', 'éclair', 'ss', 'w150'];
const WORDS_EXTRA = ['ß', 'Zoe'];
const WORDS_MISSING = ['zoë', 'Ægir'];

const split = (key: string) => key.split('|');
/** Statements (any of the three dialects) changing pairs and words on a reference as listed above. */
function changePairsAndWords(): string[] {
  return [
    ...PAIRS_DIFFERENT.map((k) => `UPDATE pairs SET amount = amount + 0.001 WHERE region = ${split(k)[0]} AND seq = ${split(k)[1]}`),
    ...PAIRS_EXTRA.map((k) => `DELETE FROM pairs WHERE region = ${split(k)[0]} AND seq = ${split(k)[1]}`),
    ...PAIRS_MISSING.map((k) => `INSERT INTO pairs (region, seq, v, amount) VALUES (${split(k)[0]}, ${split(k)[1]}, 'new', 1.000)`),
    ...WORDS_DIFFERENT.map((w) => `UPDATE words SET n = n + 1000 WHERE word = ${sqlText(w)}`),
    ...WORDS_EXTRA.map((w) => `DELETE FROM words WHERE word = ${sqlText(w)}`),
    ...WORDS_MISSING.map((w) => `INSERT INTO words (word, n) VALUES (${sqlText(w)}, 0)`),
  ];
}

/** pairs: 6 regions x 60 sequence numbers just past 2^53; words: the list above. PostgreSQL's and MariaDB's DDL. */
function pairsAndWordsSql(dialect: 'postgres' | 'mysql'): string[] {
  const pairs = Array.from({ length: 6 * 60 }, (_, i) => `(${Math.floor(i / 60) + 1}, ${9007199254740990n + BigInt(i % 60)}, 'v${i}', ${((i * 7) % 1000) / 8})`);
  const words = wordRows().map(([w, n]) => `(${sqlText(w)}, ${n})`);
  return [
    dialect === 'postgres'
      ? 'CREATE TABLE pairs (region integer, seq bigint, v varchar(40), amount numeric(10,3), PRIMARY KEY (region, seq))'
      : 'CREATE TABLE pairs (region INT, seq BIGINT, v VARCHAR(40), amount DECIMAL(10,3), PRIMARY KEY (region, seq))',
    `INSERT INTO pairs VALUES ${pairs.join(', ')}`,
    // PostgreSQL under "C"; MariaDB under the test database's utf8mb4_bin: 'apple' and 'Apple' are two keys.
    dialect === 'postgres' ? 'CREATE TABLE words (word varchar(40) COLLATE "C" PRIMARY KEY, n integer)' : 'CREATE TABLE words (word VARCHAR(40) PRIMARY KEY, n INT)',
    `INSERT INTO words VALUES ${words.join(', ')}`,
  ];
}

/** MariaDB's table of every column kind it has (keys 1..rows), like kindsTableSql on PostgreSQL. */
function mariaKindsSql(rows: number): string[] {
  const uuid = 'CONCAT(SUBSTR(MD5(seq), 1, 8), \'-\', SUBSTR(MD5(seq), 9, 4), \'-\', SUBSTR(MD5(seq), 13, 4), \'-\', SUBSTR(MD5(seq), 17, 4), \'-\', SUBSTR(MD5(seq), 21, 12))';
  return [
    `CREATE TABLE kinds (
      id BIGINT PRIMARY KEY, i32 INT, price DECIMAL(12,2), qty DECIMAL(20,6), ratio DOUBLE, flag TINYINT(1),
      label VARCHAR(40), code CHAR(6), body TEXT, uid CHAR(36), doc JSON, raw VARBINARY(16), day DATE,
      at DATETIME(6), at_tz TIMESTAMP(6) NULL DEFAULT NULL, t TIME(6), mood ENUM('calm', 'busy', 'idle'))`,
    `INSERT INTO kinds SELECT seq, seq * 7, seq * 1.25, seq / 4, seq / 3, seq % 2 = 0, CONCAT('label ', seq), CONCAT('c', seq % 1000),
      CASE WHEN seq % 10 = 0 THEN '' WHEN seq % 10 = 1 THEN NULL ELSE CONCAT('Zoë ', REPEAT('ß', seq % 5)) END, ${uuid},
      JSON_OBJECT('n', seq, 'tags', JSON_ARRAY('a', seq % 3)), UNHEX(LPAD(HEX(seq), 8, '0')), DATE '2024-01-01' + INTERVAL seq DAY,
      TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq HOUR + INTERVAL seq * 500000 MICROSECOND,
      TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq MINUTE + INTERVAL seq MICROSECOND,
      ADDTIME(SEC_TO_TIME(seq * 7 % 86400), '0:0:0.000123'), ELT(1 + seq % 3, 'calm', 'busy', 'idle')
      FROM seq_1_to_${rows}`,
  ];
}

/** The MariaDB reference's changes, as changeReference makes them on PostgreSQL. */
function changeMariaKinds(rows: number): { statements: string[]; changes: Changes } {
  const updates: [string, string][] = [
    ['price', 'price = price + 0.01'],
    ['at', 'at = at + INTERVAL 1 MICROSECOND'],
    ['at_tz', 'at_tz = at_tz + INTERVAL 1 MICROSECOND'],
    ['qty', 'qty = qty + 0.000001'],
    ['doc', "doc = JSON_OBJECT('n', id, 'tags', JSON_ARRAY('a', 99))"],
    ['raw', "raw = CONCAT(raw, X'00')"],
    ['body', "body = CASE WHEN body IS NULL THEN '' ELSE CONCAT(body, '!') END"],
    ['flag', 'flag = NOT flag'],
    ['label', "label = CONCAT(label, ' ')"],
    ['t', "t = ADDTIME(t, '0:0:0.000001')"],
  ];
  const different: Record<string, string[]> = {};
  const statements: string[] = [];
  for (let id = 1; id <= 100; id++) {
    const [column, set] = updates[id % 10];
    different[String(id)] = [column];
    statements.push(`UPDATE kinds SET ${set} WHERE id = ${id}`);
  }
  statements.push(
    // Same JSON, keys in another order and spaced: no difference.
    `UPDATE kinds SET doc = CONCAT('{ "tags" : ', JSON_EXTRACT(doc, '$.tags'), ', "n": ', id, ' }') WHERE id BETWEEN 201 AND 260`,
    'DELETE FROM kinds WHERE id BETWEEN 1001 AND 1050',
    `INSERT INTO kinds (id, price, label) SELECT seq, 0.50, 'new' FROM seq_${rows + 1}_to_${rows + 50}`,
  );
  const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
  return { statements, changes: { missing: ids(rows + 1, rows + 50), extra: ids(1001, 1050), different } };
}

describe('diffs across MariaDB ↔ SQLite, PostgreSQL ↔ PostgreSQL and three databases (e2e)', () => {
  let api: ApiHarness;
  let operator: string;
  let pgA: EphemeralDatabase;
  let pgB: EphemeralDatabase;
  let maria: EphemeralDatabase;
  const ids: Record<'pgA' | 'pgB' | 'maria' | 'lite', string> = { pgA: '', pgB: '', maria: '', lite: '' };
  let worker: WorkerProcess;
  let pgChanges: Changes;
  let mariaChanges: Changes;
  const diffs: Record<'pg' | 'mariaLite' | 'three', DiffBody> = {} as never;
  const diffIds: Record<'pg' | 'mariaLite' | 'three', string> = {} as never;
  const liteFile = () => join(api.env.SQLITE_ROOT, 'matrix.db');

  const mariaExec = async (...statements: string[]) => {
    const connection = await createConnection({ uri: maria.url, multipleStatements: false });
    try {
      for (const sql of statements) await connection.query(sql);
    } finally {
      await connection.end();
    }
  };
  const liteExec = async (...statements: string[]) => {
    const session = await dialectFor('sqlite').connect({ dialect: 'sqlite', database: liteFile() }, { timeoutMs: 10_000 });
    try {
      await session.data!.execute(statements);
    } finally {
      await session.close();
    }
  };
  /** One sync job copying `tables` (schema.table on the source) to the target's default schema, run to its end. */
  const copy = async (sourceId: string, targetId: string, tables: string[]) => {
    const body = { name: `matrix copy ${Date.now()} ${Math.random()}`, sourceId, targetId, tables: tables.map((source) => ({ source })), mode: 'full', writeMode: 'upsert' };
    const jobId = (await request(api.http).post('/api/jobs').set('Authorization', `Bearer ${operator}`).send(body).expect(201)).body.id as string;
    const run = await runJobToEnd(api, operator, jobId, { context: () => worker.output(), timeoutMs: 180_000 });
    if (run.status !== 'succeeded') throw new Error(`copy ${tables.join(', ')}: ${run.status} ${JSON.stringify(run.tables.map((t) => t.error))}`);
  };

  beforeAll(async () => {
    api = await startApi();
    const admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    const booted = spawnWorker({ WORKER_CONCURRENCY: '4', LOG_LEVEL: 'warn' }).then(async (w) => {
      worker = w;
      await w.ready();
    });
    booted.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled
    [pgA, pgB, maria] = await Promise.all([createPostgresDatabase('dbferry_matrix_a'), createPostgresDatabase('dbferry_matrix_b'), createMysqlDatabase('dbferry_matrix')]);
    await Promise.all([
      pgExec(pgA.url, ...kindsTableSql('kinds', ROWS), ...pairsAndWordsSql('postgres'), 'CREATE TABLE trio (id integer PRIMARY KEY, v text, amount numeric(8,2))', "INSERT INTO trio SELECT g, 'v' || g, g / 8.0 FROM generate_series(1, 200) g"),
      mariaExec(...mariaKindsSql(ROWS), ...pairsAndWordsSql('mysql')),
    ]);
    ids.pgA = await saveConnection(api, admin, 'matrix-pg-a', 'postgres', pgA);
    ids.pgB = await saveConnection(api, admin, 'matrix-pg-b', 'postgres', pgB);
    ids.maria = await saveConnection(api, admin, 'matrix-maria', 'mysql', maria);
    ids.lite = (await request(api.http).post('/api/connections').set('Authorization', `Bearer ${admin}`).send({ name: 'matrix-lite', dialect: 'sqlite', database: 'matrix.db' }).expect(201)).body.id;
    await booted;
    await Promise.all([
      copy(ids.pgA, ids.pgB, ['public.kinds', 'public.pairs', 'public.words', 'public.trio']),
      copy(ids.maria, ids.lite, [`${maria.name}.kinds`, `${maria.name}.pairs`, `${maria.name}.words`]),
      copy(ids.pgA, ids.maria, ['public.trio']),
    ]);

    // The references change; the others keep the copies (SQLite rewrites 60 rows in another representation only).
    pgChanges = await changeReference(pgA.url, 'kinds', ROWS);
    const mariaKinds = changeMariaKinds(ROWS);
    mariaChanges = mariaKinds.changes;
    await Promise.all([
      pgExec(pgA.url, ...changePairsAndWords()),
      mariaExec(...mariaKinds.statements, ...changePairsAndWords()),
      liteExec(
        `UPDATE kinds SET qty = CASE WHEN instr(qty, '.') > 0 THEN rtrim(rtrim(qty, '0'), '.') ELSE qty END, doc = '{ "tags" : ' || json_extract(doc, '$.tags') || ', "n": ' || id || ' }' WHERE id BETWEEN 201 AND 260`,
      ),
      // Three databases: B differs in 3 rows' v, MariaDB lacks 2 rows and holds 1 more.
      pgExec(pgB.url, "UPDATE trio SET v = v || '!' WHERE id IN (10, 20, 30)"),
      mariaExec('DELETE FROM trio WHERE id IN (5, 6)', "INSERT INTO trio VALUES (500, 'extra', 1.00)"),
    ]);

    const tables = (schema: string) => ['kinds', 'pairs', 'words'].map((name) => ({ reference: `${schema}.${name}` }));
    [diffIds.pg, diffIds.mariaLite, diffIds.three] = await Promise.all([
      startDiff(api, operator, { referenceId: ids.pgA, otherIds: [ids.pgB], tables: tables('public'), options: OPTIONS }),
      startDiff(api, operator, { referenceId: ids.maria, otherIds: [ids.lite], tables: tables(maria.name), options: OPTIONS }),
      startDiff(api, operator, { referenceId: ids.pgA, otherIds: [ids.pgB, ids.maria], tables: [{ reference: 'public.trio' }], options: OPTIONS }),
    ]);
    const ended = await Promise.all(Object.values(diffIds).map((id) => waitForDiff(api, operator, id, 240_000, () => worker.output())));
    [diffs.pg, diffs.mariaLite, diffs.three] = ended;
  }, 480_000);

  afterAll(async () => {
    await worker?.stop('SIGTERM', 10_000);
    await api?.close();
    await Promise.allSettled([pgA?.drop(), pgB?.drop(), maria?.drop()]);
  }, 60_000);

  /** The table's keys of one kind through the rows endpoint, as text. */
  const keysOf = async (diff: 'pg' | 'mariaLite' | 'three', table: string, connectionId: string, kind: string) =>
    (await allRows(api, operator, diffIds[diff], { table, connectionId, kind }, 100)).map((r) => keyText(r.key)).sort();

  describe.each([
    ['PostgreSQL ↔ PostgreSQL', 'pg', 'public', () => ({ ref: ids.pgA, other: ids.pgB, changes: pgChanges })],
    ['MariaDB ↔ SQLite', 'mariaLite', '', () => ({ ref: ids.maria, other: ids.lite, changes: mariaChanges })],
  ] as const)('%s', (_label, which, schema, sides) => {
    const qualified = (name: string) => `${schema || maria.name}.${name}`;
    const table = (name: string) => {
      const found = diffs[which].tables.find((t) => t.table === qualified(name));
      if (!found) throw new Error(`no table ${qualified(name)} in ${JSON.stringify(diffs[which].tables.map((t) => t.table))}`);
      return found;
    };

    it('diffs every column kind: exactly 100 different with their one column, 50 missing, 50 extra, no representation-only difference', async () => {
      const { other, changes } = sides();
      expect(diffs[which]).toMatchObject({ status: 'succeeded', error: null });
      const kinds = table('kinds');
      expect(kinds).toMatchObject({ status: 'succeeded', rowsCompared: ROWS, missing: { [other]: 50 }, extra: { [other]: 50 }, different: { [other]: 100 } });
      expect(kinds.segmentsTotal).toBeGreaterThan(1);
      const differentRows = await allRows(api, operator, diffIds[which], { table: qualified('kinds'), connectionId: other, kind: 'different' }, 100);
      expect(Object.fromEntries(differentRows.map((r) => [keyText(r.key), r.columns]))).toEqual(changes.different);
      expect(await keysOf(which, qualified('kinds'), other, 'missing')).toEqual([...changes.missing].sort());
      expect(await keysOf(which, qualified('kinds'), other, 'extra')).toEqual([...changes.extra].sort());
      expect([...kinds.columns[other]].sort()).toEqual([...new Set(Object.values(changes.different).flat())].sort());
    });

    it('diffs a composite key exactly (its second column beyond 2^53)', async () => {
      const { other } = sides();
      expect(table('pairs')).toMatchObject({ status: 'succeeded', rowsCompared: 360 + PAIRS_MISSING.length - PAIRS_EXTRA.length, missing: { [other]: 4 }, extra: { [other]: 3 }, different: { [other]: 5 }, columns: { [other]: ['amount'] } });
      expect(await keysOf(which, qualified('pairs'), other, 'different')).toEqual([...PAIRS_DIFFERENT].sort());
      expect(await keysOf(which, qualified('pairs'), other, 'missing')).toEqual([...PAIRS_MISSING].sort());
      expect(await keysOf(which, qualified('pairs'), other, 'extra')).toEqual([...PAIRS_EXTRA].sort());
    });

    it('diffs a text key by code points: case and accent variants are each their own key', async () => {
      const { other } = sides();
      expect(table('words')).toMatchObject({ status: 'succeeded', missing: { [other]: 2 }, extra: { [other]: 2 }, different: { [other]: 4 }, columns: { [other]: ['n'] } });
      expect(await keysOf(which, qualified('words'), other, 'different')).toEqual([...WORDS_DIFFERENT].sort());
      expect(await keysOf(which, qualified('words'), other, 'missing')).toEqual([...WORDS_MISSING].sort());
      expect(await keysOf(which, qualified('words'), other, 'extra')).toEqual([...WORDS_EXTRA].sort());
    });
  });

  it('diffs one table across three databases, each other connection with its own differences', async () => {
    expect(diffs.three).toMatchObject({ status: 'succeeded', error: null });
    const [trio] = diffs.three.tables;
    expect(trio).toMatchObject({ table: 'public.trio', status: 'succeeded', rowsCompared: 200 });
    const count = (map: Record<string, number>, id: string) => map[id] ?? 0;
    expect([count(trio.different, ids.pgB), count(trio.missing, ids.pgB), count(trio.extra, ids.pgB)]).toEqual([3, 0, 0]);
    expect([count(trio.different, ids.maria), count(trio.missing, ids.maria), count(trio.extra, ids.maria)]).toEqual([0, 2, 1]);
    expect(trio.columns[ids.pgB]).toEqual(['v']);
    expect(await keysOf('three', 'public.trio', ids.pgB, 'different')).toEqual(['10', '20', '30']);
    expect(await keysOf('three', 'public.trio', ids.maria, 'missing')).toEqual(['5', '6']);
    expect(await keysOf('three', 'public.trio', ids.maria, 'extra')).toEqual(['500']);
  });

  it('arbitrates the three databases row by row: the majority of equal rows, absent counting as a value', async () => {
    const arbiter = async (key: string) =>
      (await request(api.http).get('/api/arbiter').query({ connections: [ids.pgA, ids.pgB, ids.maria].join(','), table: 'public.trio', key }).set('Authorization', `Bearer ${operator}`).expect(200))
        .body as { consistent: boolean; majority: string[]; differingColumns: string[]; rows: Record<string, unknown> };
    expect(await arbiter('1')).toMatchObject({ consistent: true, majority: [ids.pgA, ids.pgB, ids.maria] });
    expect(await arbiter('10')).toMatchObject({ consistent: false, majority: [ids.pgA, ids.maria], differingColumns: ['v'] });
    // Present on 2 of 3.
    expect(await arbiter('5')).toMatchObject({ consistent: false, majority: [ids.pgA, ids.pgB], rows: { [ids.maria]: null } });
    // Present on 1 of 3: the majority is absent.
    expect(await arbiter('500')).toMatchObject({ consistent: false, majority: [ids.pgA, ids.pgB], rows: { [ids.pgA]: null, [ids.pgB]: null } });
  });

  it('saw real representation-only differences on SQLite: the same row spelled otherwise is consistent', async () => {
    const res = await request(api.http)
      .get('/api/arbiter')
      .query({ connections: `${ids.maria},${ids.lite}`, table: 'kinds', key: '201' })
      .set('Authorization', `Bearer ${operator}`)
      .expect(200);
    const { rows } = res.body as { rows: Record<string, { doc: string; qty: string }> };
    expect(rows[ids.lite].doc).not.toBe(rows[ids.maria].doc);
    expect(JSON.parse(rows[ids.lite].doc)).toEqual(JSON.parse(rows[ids.maria].doc));
    expect(res.body).toMatchObject({ consistent: true, differingColumns: [] });
  });
});
