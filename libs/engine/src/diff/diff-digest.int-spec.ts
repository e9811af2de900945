import { type DataPlane, type DialectName, type DialectSession, parseConnectionUrl, type TableRef } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { decodeValue, type EncodedValue } from '../plan/key-codec';
import { diffSegment, diffTable, type DiffSnapshot, firstSplitParts, initialSegment, planDiff } from './diff-segment';

/**
 * Issue 12, H2: the typed digest (PostgreSQL on every side with the same column types hashes each
 * value by its type, no row text). It must hash alike what the diff holds equal (0.5 = 0.50,
 * 1.2 = 1.200, JSON in any key order and spacing) and apart what it holds different (the last
 * decimal digit, the last microsecond, the case of a letter under a case-insensitive collation,
 * NULL against '', two rows swapping their values). Sides of unlike types keep the native text
 * digest, sides of unlike dialects the portable one.
 */
type Side = { session: DialectSession; data: DataPlane };

async function open(dialect: DialectName, url: string): Promise<Side> {
  const session = await dialectFor(dialect).connect({ dialect, ...parseConnectionUrl(dialect, url) }, { timeoutMs: 10_000 });
  return { session, data: session.data! };
}

const ROWS = 3000;
const keysOf = (keys: EncodedValue[][]) => keys.map((k) => k.map((v) => String(decodeValue(v))).join('|')).sort();
const table = (name: string): TableRef => ({ schema: 'public', name });

const COLUMNS = `id bigint PRIMARY KEY, n numeric, amount numeric(12,2), ratio double precision, small real, flag boolean,
  label varchar(40), body text, ci text COLLATE dbferry_ci, code char(6), uid uuid, doc json, docb jsonb, raw bytea, day date,
  at timestamp(6), at_tz timestamptz(6), t time(6), span interval`;

const FILL = (name: string) => `INSERT INTO ${name} SELECT g, trim_scale(g / 8.0), g * 1.25, g / 3.0, g / 7.0, g % 2 = 0,
  'label ' || g, CASE WHEN g % 10 = 0 THEN '' WHEN g % 10 = 1 THEN NULL ELSE 'Zoë ' || repeat('ß', g % 5) END, 'Name' || g,
  'c' || (g % 1000), md5(g::text)::uuid, json_build_object('n', g, 'tags', json_build_array('a', g % 3)), jsonb_build_object('k', g, 'z', 'x'),
  decode(lpad(to_hex(g), 8, '0'), 'hex'), CASE WHEN g = 1 THEN 'infinity'::date ELSE date '2024-01-01' + g END,
  timestamp '2024-01-01 00:00:00' + g * interval '1 hour 0.5 second', timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute 0.000001 second',
  time '00:00:00' + g * interval '1.000123 second', g * interval '1 hour'
  FROM generate_series(1, ${ROWS}) g`;

describe('diff digests: typed (PostgreSQL, same types), native, portable', () => {
  let pgDb: EphemeralDatabase;
  let mariaDb: EphemeralDatabase;
  let pg: Side;
  let maria: Side;

  const plan = (reference: string, other: string, extra: { columns?: string[] } = {}): Promise<DiffSnapshot> =>
    planDiff({
      reference: { connectionId: 'ref', dialect: 'postgres', data: pg.data, table: table(reference) },
      others: [{ connectionId: 'twin', dialect: 'postgres', data: pg.data, table: table(other) }],
      ...extra,
    });
  const checksum = async (snapshot: DiffSnapshot, side: 'reference' | 'other') => {
    const s = side === 'reference' ? snapshot.reference : snapshot.others[0];
    return pg.data.checksummer.checksum({ table: s.table, columns: s.columns, keyColumns: ['id'], ...(snapshot.digest && { digest: snapshot.digest }) });
  };
  const diff = (snapshot: DiffSnapshot) => diffTable(snapshot, { reference: pg.data, others: { twin: pg.data } });

  beforeAll(async () => {
    pgDb = await createPostgresDatabase('dbferry_digest');
    mariaDb = await createMysqlDatabase('dbferry_digest');
    pg = await open('postgres', pgDb.url);
    maria = await open('mysql', mariaDb.url);
    await pg.data.execute([
      "CREATE COLLATION dbferry_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
      `CREATE TABLE kinds (${COLUMNS})`,
      FILL('kinds'),
      'CREATE TABLE twin (LIKE kinds INCLUDING ALL)',
      'INSERT INTO twin SELECT * FROM kinds',
    ]);
  }, 120_000);

  afterAll(async () => {
    await pg?.session.close();
    await maria?.session.close();
    await pgDb?.drop();
    await mariaDb?.drop();
  });

  it('hashes alike the values the diff holds equal: representation-only differences are no difference', async () => {
    await pg.data.execute([
      // Trailing fraction zeros and an integral value written with a fraction (unconstrained numeric keeps them).
      "UPDATE twin SET n = (n::text || '000')::numeric WHERE id BETWEEN 101 AND 200 AND n::text LIKE '%.%'",
      "UPDATE twin SET n = (n::text || '.0')::numeric WHERE id BETWEEN 101 AND 200 AND n::text NOT LIKE '%.%'",
      // JSON with its keys in another order and other spaces (json keeps its text; jsonb does not anyway).
      `UPDATE twin SET doc = ('{ "tags" : ' || (doc->'tags')::text || ',   "n": ' || id || ' }')::json,
         docb = ('{"z": "x",  "k": ' || id || '}')::jsonb WHERE id BETWEEN 201 AND 300`,
      // The same instant written in another zone; a char padded by hand.
      "UPDATE twin SET at_tz = (at_tz AT TIME ZONE 'Asia/Tokyo')::text::timestamp AT TIME ZONE 'Asia/Tokyo', code = rpad(code, 6) WHERE id BETWEEN 301 AND 400",
    ]);
    // The representation did change on disk.
    const asText = (name: string, expression: string) => ({ name, type: { kind: 'text' as const }, nativeType: 'text', nullable: true, expression });
    const read = async (name: string) => {
      const rows = [];
      const columns = [asText('n', '"n"::text'), asText('doc', '"doc"::text')];
      for await (const batch of pg.data.reader.read({ table: table(name), columns, keyColumns: ['id'], where: 'id IN (104, 150, 201)', batchSize: 10 })) rows.push(...batch.rows);
      return rows;
    };
    const whatever: unknown = expect.anything();
    expect(await read('kinds')).toEqual([['13', whatever], ['18.75', whatever], [whatever, '{"n" : 201, "tags" : ["a", 0]}']]);
    expect(await read('twin')).toEqual([['13.0', whatever], ['18.75000', whatever], [whatever, '{ "tags" : ["a", 0],   "n": 201 }']]);
    const snapshot = await plan('kinds', 'twin');
    expect(snapshot.digest).toBe('typed');
    const [ref, other] = [await checksum(snapshot, 'reference'), await checksum(snapshot, 'other')];
    expect(ref.hash).toMatch(/^pg-typed-UTF8:[0-9a-f]{16}$/);
    expect(other).toEqual(ref);
    expect(ref.rows).toBe(ROWS);
    // And the diff, settled by the one whole-table checksum, finds nothing.
    const result = await diff(snapshot);
    expect(result.byConnection.twin).toEqual({ missing: [], extra: [], different: [] });
    expect(result.segments).toBe(1);
  }, 120_000);

  it('hashes apart what the diff holds different, down to the last digit and microsecond', async () => {
    const snapshot = await plan('kinds', 'twin');
    const before = await checksum(snapshot, 'other');
    const changes: [number, string, string][] = [
      [11, 'amount', 'amount = amount + 0.01'],
      [12, 'n', 'n = n + 0.000000001'],
      [13, 'at', "at = at + interval '1 microsecond'"],
      [14, 'at_tz', "at_tz = at_tz + interval '1 microsecond'"],
      [15, 't', "t = t + interval '1 microsecond'"],
      [16, 'ratio', 'ratio = ratio + 1e-12'],
      [17, 'small', 'small = small * 1.001'],
      [18, 'doc', `doc = json_build_object('n', id, 'tags', json_build_array('a', 99))`],
      [19, 'docb', `docb = jsonb_build_object('k', id, 'z', 'X')`],
      // NULL against '' (id 20 holds '').
      [20, 'body', 'body = NULL'],
      // Case only, in a column whose collation holds 'Name21' = 'NAME21'.
      [21, 'ci', 'ci = upper(ci)'],
      [22, 'code', "code = 'C' || substr(code, 2)"],
      [23, 'raw', "raw = raw || '\\x00'::bytea"],
      [24, 'day', 'day = day + 1'],
      // '1 day' and '24 hours' are equal intervals, but not the same value to the diff.
      [25, 'span', "span = interval '1 day'"],
      [26, 'flag', 'flag = NOT flag'],
      [27, 'uid', "uid = '00000000-0000-0000-0000-000000000027'"],
      [28, 'label', "label = label || ' '"],
      [1, 'day', "day = '-infinity'"],
    ];
    for (const [id, , set] of changes) await pg.data.execute([`UPDATE twin SET ${set} WHERE id = ${id}`]);
    await pg.data.execute(["UPDATE kinds SET span = interval '24 hours' WHERE id = 25"]);
    // Two rows swapping their values of one column: each column's multiset is unchanged.
    await pg.data.execute(['UPDATE twin SET label = CASE id WHEN 2001 THEN (SELECT label FROM kinds WHERE id = 2002) ELSE (SELECT label FROM kinds WHERE id = 2001) END WHERE id IN (2001, 2002)']);
    expect((await checksum(snapshot, 'other')).hash).not.toBe(before.hash);
    // Each change alone moves the checksum of its own one-row range.
    for (const [id] of [...changes, [2001], [2002]] as [number][]) {
      const range = { lower: [BigInt(id - 1)], upper: [BigInt(id)] };
      const one = (s: DiffSnapshot['reference']) => pg.data.checksummer.checksum({ table: s.table, columns: s.columns, keyColumns: ['id'], range, digest: 'typed' });
      const [a, b] = [await one(snapshot.reference), await one(snapshot.others[0])];
      expect({ id, differs: a.hash !== b.hash, rows: [a.rows, b.rows] }).toEqual({ id, differs: true, rows: [1, 1] });
    }
    // The two swapped rows together (each column's values the same multiset on both sides).
    const pair = (s: DiffSnapshot['reference']) => pg.data.checksummer.checksum({ table: s.table, columns: s.columns, keyColumns: ['id'], range: { lower: [2000n], upper: [2002n] }, digest: 'typed' });
    expect((await pair(snapshot.reference)).hash).not.toBe((await pair(snapshot.others[0])).hash);
    const result = await diff(snapshot);
    const expected = Object.fromEntries([...changes.map(([id, column]) => [String(id), [column]]), ['2001', ['label']], ['2002', ['label']]]);
    expect(Object.fromEntries(result.byConnection.twin.different.map((d) => [keysOf([d.key])[0], d.columns]))).toEqual(expected);
    expect([result.byConnection.twin.missing, result.byConnection.twin.extra]).toEqual([[], []]);
  }, 120_000);

  it('settles the first split\'s equal parts in one pass per side, each bucket checksummed as its own range would be', async () => {
    await pg.data.execute(['ANALYZE kinds', 'ANALYZE twin']);
    const snapshot = await planDiff({
      reference: { connectionId: 'ref', dialect: 'postgres', data: pg.data, table: table('kinds') },
      others: [{ connectionId: 'twin', dialect: 'postgres', data: pg.data, table: table('twin') }],
      bisectionFactor: 4,
      bisectionThreshold: 64,
    });
    expect(snapshot.digest).toBe('typed');
    const parts = firstSplitParts(snapshot);
    const first = await diffSegment(snapshot, initialSegment(snapshot), { reference: pg.data, others: { twin: pg.data } });
    expect(first.kind).toBe('split');
    if (first.kind !== 'split') return;
    // Only the parts holding a planted change come back (rows 1 and 11–28 share a few parts, 2001–2002 one more).
    expect(first.segments.length).toBeGreaterThan(1);
    expect(first.segments.length).toBeLessThan(parts / 4);
    expect(first.segments.every((s) => s.others.join() === 'twin' && s.depth === 1)).toBe(true);
    // The settled parts' reference rows are counted now, the others when they are compared.
    const diffed = await diffTable(snapshot, { reference: pg.data, others: { twin: pg.data } });
    expect(diffed.rowsCompared).toBe(ROWS);
    expect(diffed.segments).toBe(1 + first.segments.length);
    expect(diffed.byConnection.twin.different.map((d) => keysOf([d.key])[0]).sort()).toEqual([1, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 2001, 2002].map(String).sort());
    // Each bucket equals the one-range checksum of its part, on both sides.
    const bounds = [[500n], [1000n], [2500n]];
    const request = (s: DiffSnapshot['reference']) => ({ table: s.table, columns: s.columns, keyColumns: ['id'], digest: 'typed' as const });
    const buckets = await pg.data.checksummer.checksumBuckets?.(request(snapshot.others[0]), bounds);
    const edges = [undefined, ...bounds, undefined];
    const ranges = edges.slice(1).map((upper, i) => ({ ...(edges[i] && { lower: edges[i] }), ...(upper && { upper }) }));
    expect(buckets).toEqual(await Promise.all(ranges.map((range) => pg.data.checksummer.checksum({ ...request(snapshot.others[0]), range }))));
    expect(buckets?.map((b) => b.rows)).toEqual([500, 500, 1500, 500]);
  }, 120_000);

  it('digests a json value jsonb refuses (\\u0000) in the worker, and still finds only real differences', async () => {
    await pg.data.execute([
      'CREATE TABLE esc (id integer PRIMARY KEY, doc json, v integer)',
      `INSERT INTO esc SELECT g, CASE WHEN g = 7 THEN '{"a": "\\u0000"}' ELSE json_build_object('g', g) END, g FROM generate_series(1, 50) g`,
      'CREATE TABLE esc2 AS SELECT * FROM esc',
      'ALTER TABLE esc2 ADD PRIMARY KEY (id)',
      'UPDATE esc2 SET v = -v WHERE id = 40',
    ]);
    const snapshot = await plan('esc', 'esc2');
    expect(snapshot.digest).toBe('typed');
    const whole = await checksum(snapshot, 'reference');
    // The worker's portable digest (no prefix), over the same rows.
    expect(whole).toMatchObject({ rows: 50, hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const result = await diff(snapshot);
    expect(result.byConnection.twin.different).toEqual([{ key: [40], columns: ['v'] }]);
  }, 60_000);

  it('keeps the native text digest for sides of one dialect with unlike types, the portable one across dialects', async () => {
    await pg.data.execute(['CREATE TABLE wider (id bigint PRIMARY KEY, amount numeric(14,4), label text)', 'INSERT INTO wider SELECT id, amount, label FROM kinds']);
    const unlike = await plan('kinds', 'wider', { columns: ['id', 'amount', 'label'] });
    expect(unlike.digest).toBe('native');
    expect((await checksum(unlike, 'reference')).hash).toMatch(/^pg-hashtext:/);
    // 1.25 in numeric(12,2) and 1.2500 in numeric(14,4) are one value: equal by the native text digest too.
    expect((await diffTable(unlike, { reference: pg.data, others: { twin: pg.data } })).byConnection.twin).toEqual({ missing: [], extra: [], different: [] });

    await maria.data.execute(['CREATE TABLE kinds (id bigint PRIMARY KEY, amount decimal(12,2), label varchar(40))', "INSERT INTO kinds SELECT seq, seq * 1.25, CONCAT('label ', seq) FROM seq_1_to_3000"]);
    const mixed = await planDiff({
      reference: { connectionId: 'ref', dialect: 'postgres', data: pg.data, table: table('kinds') },
      others: [{ connectionId: 'maria', dialect: 'mysql', data: maria.data, table: { schema: mariaDb.name, name: 'kinds' } }],
      columns: ['id', 'amount', 'label'],
    });
    expect(mixed.digest).toBeUndefined();
    const request = (s: DiffSnapshot['reference']) => ({ table: s.table, columns: s.columns, keyColumns: ['id'] });
    const [p, m] = [await pg.data.checksummer.checksum(request(mixed.reference)), await maria.data.checksummer.checksum(request(mixed.others[0]))];
    expect(p.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(m).toEqual(p);
    expect((await diffTable(mixed, { reference: pg.data, others: { maria: maria.data } })).byConnection.maria).toEqual({ missing: [], extra: [], different: [] });
  }, 120_000);
});
