import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataPlane, type DialectName, type DialectSession, parseConnectionUrl, type TableRef } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { planTables } from '../plan/plan-tables';
import { copyChunk } from '../run/copy-chunk';
import { snapshotTable } from '../run/table-snapshot';
import { decodeValue, type EncodedValue } from '../plan/key-codec';
import { DEFAULT_BISECTION_THRESHOLD, diffSegment, diffTable, DiffPlanError, type DiffPorts, type DiffSnapshot, firstSplitParts, initialSegment, planDiff } from './diff-segment';

/**
 * Issue 12 (engine core): a table with every column kind on PostgreSQL (the reference) is copied
 * to MariaDB and SQLite with the engine's own copy, then the reference is changed: 100 rows
 * updated in one column each (the last decimal digit, one microsecond, a JSON value, a byte...),
 * 50 deleted, 50 inserted, and 60 rows rewritten with the same values in another representation
 * (0.5 → 0.50, 1.2 → 1.200, JSON keys reordered with spaces). The diff, bisected down to small
 * segments, reports exactly those rows and columns on both other databases and nothing else.
 * Then a composite key, and text keys with case and accents (collations order them differently).
 */
type Side = { dialect: DialectName; session: DialectSession; data: DataPlane; schema: string };

async function open(dialect: DialectName, database: string, schema: string): Promise<Side> {
  const spec = dialect === 'sqlite' ? { database } : parseConnectionUrl(dialect, database);
  const session = await dialectFor(dialect).connect({ dialect, ...spec }, { timeoutMs: 10_000 });
  return { dialect, session, data: session.data!, schema };
}

const ROWS = 2000;
const JOB = { mode: 'full', writeMode: 'insert', deleteMissing: false, batchSize: 500, nul: 'strip', maxRejects: 0 } as const;

/** Copies `public.<name>` from the reference to `other` with the engine (plan, DDL, one chunk). */
async function copyTable(ref: Side, other: Side, name: string): Promise<TableRef> {
  const [plan] = await planTables({
    source: { dialect: ref.dialect, session: ref.session },
    target: { dialect: other.dialect, session: other.session, defaultSchema: other.schema },
    tables: [{ source: `public.${name}` }],
    options: { createTables: true, evolveSchema: false },
  });
  if (plan.ddl.length) await other.data.execute(plan.ddl);
  const snapshot = await snapshotTable({ plan, source: ref, target: other, job: JOB, stagingTag: 'diff' });
  await copyChunk(snapshot, {}, { source: ref.data, target: other.data });
  return plan.target;
}

const keysOf = (keys: EncodedValue[][]) => keys.map((k) => k.map((v) => String(decodeValue(v))).join('|')).sort();
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

describe('diff engine core: checksum bisection and exact row comparison across PostgreSQL, MariaDB and SQLite', () => {
  let pgDb: EphemeralDatabase;
  let mariaDb: EphemeralDatabase;
  let ref: Side;
  let maria: Side;
  let lite: Side;
  const copies: Record<string, Record<string, TableRef>> = { mysql: {}, sqlite: {} };

  const ports = (): DiffPorts => ({ reference: ref.data, others: { maria: maria.data, lite: lite.data } });
  const plan = (name: string, extra: { bisectionFactor?: number; bisectionThreshold?: number } = {}) =>
    planDiff({
      reference: { connectionId: 'ref', dialect: 'postgres', data: ref.data, table: { schema: 'public', name } },
      others: [
        { connectionId: 'maria', dialect: 'mysql', data: maria.data, table: copies.mysql[name] },
        { connectionId: 'lite', dialect: 'sqlite', data: lite.data, table: copies.sqlite[name] },
      ],
      ...extra,
    });

  beforeAll(async () => {
    pgDb = await createPostgresDatabase('dbferry_diff');
    mariaDb = await createMysqlDatabase('dbferry_diff');
    ref = await open('postgres', pgDb.url, 'public');
    maria = await open('mysql', mariaDb.url, mariaDb.name);
    const file = join(mkdtempSync(join(tmpdir(), 'dbferry-diff-')), 'diff.db');
    writeFileSync(file, '', { mode: 0o600 });
    lite = await open('sqlite', file, 'main');
    await ref.data.execute([
      `CREATE TABLE kinds (
        id bigint PRIMARY KEY, i32 integer, i16 smallint, price numeric(12,2), qty numeric, ratio double precision,
        flag boolean, label varchar(40), code char(6), body text, uid uuid, doc json, docb jsonb, raw bytea,
        day date, at_time time(6), at timestamp(6), at_tz timestamptz(6))`,
      `INSERT INTO kinds SELECT g, g * 7, (g % 300)::smallint, (g * 1.25)::numeric(12,2), (g / 4.0)::numeric, g / 3.0,
        g % 2 = 0, 'label ' || g, 'c' || (g % 1000), CASE WHEN g % 10 = 0 THEN '' WHEN g % 10 = 1 THEN NULL ELSE 'Zoë ' || repeat('ß', g % 5) END,
        md5(g::text)::uuid, json_build_object('n', g, 'tags', json_build_array('a', g % 3)), jsonb_build_object('k', g, 'z', 'x'),
        decode(lpad(to_hex(g), 8, '0'), 'hex'), date '2024-01-01' + g, time '00:00:00' + g * interval '1.000123 second',
        timestamp '2024-01-01 00:00:00' + g * interval '1 hour 0.5 second', timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute 0.000001 second'
        FROM generate_series(1, ${ROWS}) g`,
      'CREATE TABLE composite (region integer, seq bigint, v text, amount numeric(10,3), PRIMARY KEY (region, seq))',
      "INSERT INTO composite SELECT r, s, 'v' || r || '-' || s, r * 1.5 + s / 1000.0 FROM generate_series(1, 6) r, generate_series(1, 300) s",
      'CREATE TABLE events (at timestamptz(6) PRIMARY KEY, v integer)',
      "INSERT INTO events SELECT timestamptz '2025-03-01 00:00:00+00' + g * interval '1 minute 0.000007 second', g FROM generate_series(1, 300) g",
      'CREATE TABLE words (word varchar(40) COLLATE "C" PRIMARY KEY, n integer)',
      "INSERT INTO words VALUES ('apple', 1), ('Banana', 2), ('cherry', 3), ('Éclair', 4), ('zebra', 5), ('Ölfass', 6), ('_under', 7), ('Zoë', 8), ('ångström', 9), ('Mango', 10), ('naïve', 11), ('Quince', 12)",
    ]);
    for (const other of [maria, lite]) {
      for (const name of ['kinds', 'composite', 'words', 'events']) copies[other.dialect][name] = await copyTable(ref, other, name);
    }
  }, 120_000);

  afterAll(async () => {
    await ref?.session.close();
    await maria?.session.close();
    await lite?.session.close();
    await pgDb?.drop();
    await mariaDb?.drop();
  });

  it('finds nothing in a fresh copy of every column kind, with its checksums equal at the top', async () => {
    const snapshot = await plan('kinds', { bisectionFactor: 8, bisectionThreshold: 64 });
    expect(snapshot.partition).toBe('ranges');
    const result = await diffTable(snapshot, ports());
    for (const id of ['maria', 'lite']) expect(result.byConnection[id]).toEqual({ missing: [], extra: [], different: [] });
    expect(result.rowsCompared).toBe(ROWS);
    // Each database's checksum of the whole table (in SQL on MariaDB where it can, in the worker on SQLite) agrees: one segment.
    expect(result.segments).toBe(1);
    // A column that cannot be compared exactly is said so, per connection and column (no silent rule).
    expect(snapshot.notes.every((n) => n.note.length > 0)).toBe(true);
  }, 120_000);

  it('reports exactly 100 different (with their column), 50 missing and 50 extra, and no representation-only difference', async () => {
    // On the reference: 100 updates of one column each (ids 1..100, the column by id % 10).
    const updates: [string, string][] = [
      ['price', 'price = price + 0.01'],
      ['at', "at = at + interval '1 microsecond'"],
      ['at_tz', "at_tz = at_tz + interval '1 microsecond'"],
      ['qty', 'qty = qty + 0.000001'],
      ['doc', `doc = json_build_object('n', id, 'tags', json_build_array('a', 99))`],
      ['raw', "raw = raw || '\\x00'::bytea"],
      ['body', "body = CASE WHEN body IS NULL THEN '' ELSE body || '!' END"],
      ['flag', 'flag = NOT flag'],
      ['ratio', 'ratio = ratio + 0.5'],
      ['code', "code = 'x' || id"],
    ];
    const expected: Record<string, string[]> = {};
    for (let id = 1; id <= 100; id++) {
      const [column, set] = updates[id % 10];
      expected[String(id)] = [column];
      await ref.data.execute([`UPDATE kinds SET ${set} WHERE id = ${id}`]);
    }
    // The same values written another way: numeric trailing zeros, JSON key order and spaces.
    await ref.data.execute([
      "UPDATE kinds SET qty = (qty::text || '000')::numeric WHERE id BETWEEN 201 AND 260 AND qty::text LIKE '%.%'",
      "UPDATE kinds SET qty = (qty::text || '.0')::numeric WHERE id BETWEEN 201 AND 260 AND qty::text NOT LIKE '%.%'",
      `UPDATE kinds SET doc = ('{ "tags" : ' || (doc->'tags')::text || ', "n": ' || id || ' }')::json WHERE id BETWEEN 201 AND 260`,
      'DELETE FROM kinds WHERE id BETWEEN 1001 AND 1050',
      `INSERT INTO kinds (id, price, label) SELECT g, 0.50, 'new' FROM generate_series(${ROWS + 1}, ${ROWS + 50}) g`,
    ]);
    const changed = await ref.data.checksummer.checksum({ table: { schema: 'public', name: 'kinds' }, columns: (await ref.data.introspector.describeTable({ schema: 'public', name: 'kinds' }))!.columns, keyColumns: ['id'], range: { lower: [200n], upper: [260n] } });
    expect(changed.rows).toBe(60);

    const snapshot = await plan('kinds', { bisectionFactor: 8, bisectionThreshold: 64 });
    const result = await diffTable(snapshot, ports());
    for (const id of ['maria', 'lite']) {
      const found = result.byConnection[id];
      expect(keysOf(found.missing)).toEqual(range(ROWS + 1, ROWS + 50).sort());
      expect(keysOf(found.extra)).toEqual(range(1001, 1050).sort());
      expect(Object.fromEntries(found.different.map((d) => [String(decodeValue(d.key[0])), d.columns]))).toEqual(expected);
    }
    expect(result.rowsCompared).toBe(ROWS);
    // Bisection left the unchanged ranges at their checksum: far fewer rows streamed than the table.
    expect(result.segments).toBeGreaterThan(1);
  }, 180_000);

  it('returns sub-segments to enqueue instead of recursing, each carrying the connections still unequal', async () => {
    // With statistics saying the table is over factor × threshold rows, the first step splits at once (no whole-table checksum).
    await ref.data.execute(['ANALYZE kinds']);
    const snapshot = await plan('kinds', { bisectionFactor: 4, bisectionThreshold: 64 });
    expect(snapshot.referenceRowEstimate).toBeGreaterThan(4 * 64);
    const whole = await diffTable(snapshot, ports());
    expect([whole.byConnection.lite.missing.length, whole.byConnection.lite.extra.length, whole.byConnection.lite.different.length, whole.rowsCompared]).toEqual([50, 50, 100, 2000]);
    const first = await diffSegment(snapshot, initialSegment(snapshot), ports());
    expect(first.kind).toBe('split');
    if (first.kind !== 'split') return;
    // About one part per threshold rows (and a quarter more), not just `bisectionFactor`: an unequal part is compared at once.
    const parts = firstSplitParts(snapshot);
    expect(parts).toBe(Math.ceil((1.25 * (snapshot.referenceRowEstimate ?? 0)) / 64));
    expect(first.segments).toHaveLength(parts);
    expect(first.segments[0].lower).toBeUndefined();
    expect(first.segments[parts - 1].upper).toBeUndefined();
    first.segments.slice(1).forEach((s, i) => expect(s.lower).toEqual(first.segments[i].upper));
    // JSON-safe: a queue job carries it as is.
    expect(first.equal).toEqual([]);
    expect(first.segments.every((s) => s.depth === 1 && s.others.join() === 'maria,lite')).toBe(true);
    // JSON-safe: a queue job carries it as is.
    const again = JSON.parse(JSON.stringify(first.segments[1]));
    expect((await diffSegment(snapshot, again, ports())).kind).toMatch(/split|done/);
    // A range nothing changed in is done at its checksums, for both connections, with no row streamed.
    const quiet = await diffSegment(snapshot, { lower: [{ $int: '1500' }], upper: [{ $int: '1600' }], others: ['maria', 'lite'], depth: 1 }, ports());
    expect(quiet).toEqual({ kind: 'done', equal: ['maria', 'lite'], rowsCompared: 100, compared: [] });
    // Only the connection named in a segment is checksummed there.
    const one = await diffSegment(snapshot, { lower: [{ $int: '1000' }], upper: [{ $int: '1060' }], others: ['lite'], depth: 1 }, ports());
    expect(one).toMatchObject({ kind: 'done', equal: [], compared: [{ connectionId: 'lite', rowsCompared: 10 }] });
    if (one.kind === 'done') expect(keysOf(one.compared[0].extra)).toEqual(range(1001, 1050).sort());
  }, 120_000);

  it('diffs PostgreSQL against PostgreSQL with its typed digest, the same rows at any concurrency and in the same order', async () => {
    await ref.data.execute([
      'DROP TABLE IF EXISTS twin',
      'CREATE TABLE twin AS SELECT * FROM kinds',
      'ALTER TABLE twin ADD PRIMARY KEY (id)',
      "UPDATE twin SET body = body || '?' WHERE id IN (13, 1402)",
      "UPDATE twin SET at_tz = at_tz + interval '1 microsecond' WHERE id = 777",
      'UPDATE twin SET price = price + 0.01 WHERE id = 1999',
      'DELETE FROM twin WHERE id IN (5, 1234)',
      'INSERT INTO twin (id, price, label) VALUES (-1, 1.00, \'only here\')',
      'ANALYZE twin',
    ]);
    // Columns SQL can normalise, so each side checksums in PostgreSQL (floats and JSON go to the worker).
    const columns = ['id', 'i32', 'price', 'qty', 'flag', 'label', 'code', 'body', 'uid', 'raw', 'day', 'at', 'at_tz'];
    const snapshot = await planDiff({
      reference: { connectionId: 'ref', dialect: 'postgres', data: ref.data, table: { schema: 'public', name: 'kinds' } },
      others: [{ connectionId: 'twin', dialect: 'postgres', data: ref.data, table: { schema: 'public', name: 'twin' } }],
      columns,
      bisectionFactor: 4,
      bisectionThreshold: 32,
    });
    // CREATE TABLE AS keeps every column's type: the typed digest (values hashed by type, no row text).
    expect(snapshot.digest).toBe('typed');
    const request = { table: { schema: 'public', name: 'kinds' }, columns: snapshot.reference.columns, keyColumns: ['id'] };
    const typed = await ref.data.checksummer.checksum({ ...request, digest: 'typed' });
    const native = await ref.data.checksummer.checksum({ ...request, digest: 'native' });
    const portable = await ref.data.checksummer.checksum(request);
    expect(typed.hash).toMatch(/^pg-typed-UTF8:[0-9a-f]{16}$/);
    expect(native.hash).toMatch(/^pg-hashtext:[0-9a-f]{16}$/);
    expect(portable.hash).toMatch(/^[0-9a-f]{16}$/);
    expect([typed.rows, native.rows]).toEqual([portable.rows, portable.rows]);
    // The same diff through the native text digest finds the same rows.
    expect(await diffTable({ ...snapshot, digest: 'native' }, { reference: ref.data, others: { twin: ref.data } })).toEqual(await diffTable(snapshot, { reference: ref.data, others: { twin: ref.data } }));
    const ports = { reference: ref.data, others: { twin: ref.data } };
    const one = await diffTable(snapshot, ports, { concurrency: 1 });
    const many = await diffTable(snapshot, ports, { concurrency: 6 });
    expect(many).toEqual(one);
    const found = one.byConnection.twin;
    expect(keysOf(found.missing)).toEqual(['1234', '5']);
    expect(keysOf(found.extra)).toEqual(['-1']);
    expect(found.different.map((d) => [keysOf([d.key])[0], d.columns])).toEqual([['13', ['body']], ['777', ['at_tz']], ['1402', ['body']], ['1999', ['price']]]);
    expect(one.segments).toBeGreaterThan(4);
  }, 120_000);

  it('diffs MariaDB against MariaDB with its native digest, JSON and float columns checksummed in SQL too', async () => {
    const kinds = copies.mysql.kinds;
    const q = (t: { schema: string; name: string }) => `\`${t.schema}\`.\`${t.name}\``;
    const twin = { schema: kinds.schema, name: 'twin' };
    await maria.data.execute([
      `DROP TABLE IF EXISTS ${q(twin)}`,
      `CREATE TABLE ${q(twin)} LIKE ${q(kinds)}`,
      `INSERT INTO ${q(twin)} SELECT * FROM ${q(kinds)}`,
      `UPDATE ${q(twin)} SET ratio = ratio + 0.5 WHERE id = 17`,
      `UPDATE ${q(twin)} SET doc = JSON_OBJECT('n', 0) WHERE id = 444`,
      // The same JSON spelled with other spaces and key order: a range that looks unequal, no row reported.
      `UPDATE ${q(twin)} SET doc = CONCAT('{ "tags": ', JSON_EXTRACT(doc, '$.tags'), ',  "n": ', JSON_EXTRACT(doc, '$.n'), ' }') WHERE id = 1300`,
      `DELETE FROM ${q(twin)} WHERE id = 1777`,
      `ANALYZE TABLE ${q(twin)}`,
    ]);
    const snapshot = await planDiff({
      reference: { connectionId: 'maria', dialect: 'mysql', data: maria.data, table: kinds },
      others: [{ connectionId: 'twin', dialect: 'mysql', data: maria.data, table: twin }],
      bisectionFactor: 4,
      bisectionThreshold: 32,
    });
    // CREATE TABLE LIKE: the same types, so 'typed', which MariaDB computes as its native digest.
    expect(snapshot.digest).toBe('typed');
    const request = { table: kinds, columns: snapshot.reference.columns, keyColumns: ['id'] };
    const native = await maria.data.checksummer.checksum({ ...request, digest: 'native' });
    expect(native.hash).toMatch(/^mysql-(crc|md5):[0-9a-f]{16}$/);
    expect(await maria.data.checksummer.checksum({ ...request, digest: 'typed' })).toEqual(native);
    expect(native.rows).toBe((await maria.data.checksummer.checksum(request)).rows);
    const result = await diffTable(snapshot, { reference: maria.data, others: { twin: maria.data } });
    const found = result.byConnection.twin;
    expect(keysOf(found.missing)).toEqual(['1777']);
    expect(found.extra).toEqual([]);
    expect(found.different.map((d) => [keysOf([d.key])[0], d.columns])).toEqual([['17', ['ratio']], ['444', ['doc']]]);
  }, 120_000);

  it('diffs a composite key range by range', async () => {
    await ref.data.execute([
      'UPDATE composite SET amount = amount + 0.001 WHERE region = 2 AND seq = 150',
      "UPDATE composite SET v = 'changed' WHERE region = 5 AND seq = 1",
      'DELETE FROM composite WHERE region = 3 AND seq = 300',
      "INSERT INTO composite VALUES (4, 1000, 'new', 1.000), (7, 1, 'newer', 0.500)",
    ]);
    const snapshot = await plan('composite', { bisectionFactor: 4, bisectionThreshold: 50 });
    expect(snapshot.partition).toBe('ranges');
    expect(snapshot.keyCount).toBe(2);
    const result = await diffTable(snapshot, ports());
    for (const id of ['maria', 'lite']) {
      const found = result.byConnection[id];
      expect(keysOf(found.missing)).toEqual(['4|1000', '7|1']);
      expect(keysOf(found.extra)).toEqual(['3|300']);
      expect(found.different.map((d) => [keysOf([d.key])[0], d.columns]).sort()).toEqual([['2|150', ['amount']], ['5|1', ['v']]]);
    }
    expect(result.rowsCompared).toBe(1801);
  }, 120_000);

  it('bisects a timestamptz key held as a plain timestamp on the other side, and honours each side\'s filter', async () => {
    await ref.data.execute(["UPDATE events SET at = at + interval '1 microsecond' WHERE v = 100", 'UPDATE events SET v = -v WHERE v = 200']);
    // SQLite keeps timestamps as text (no neutral order there): key lookups; MariaDB alone orders them: ranges.
    const snapshot = await plan('events', { bisectionFactor: 4, bisectionThreshold: 16 });
    expect(snapshot.partition).toBe('lookup');
    const result = await diffTable(snapshot, ports());
    const mariaOnly = await planDiff({
      reference: { connectionId: 'ref', dialect: 'postgres', data: ref.data, table: { schema: 'public', name: 'events' } },
      others: [{ connectionId: 'maria', dialect: 'mysql', data: maria.data, table: copies.mysql.events }],
      bisectionFactor: 4,
      bisectionThreshold: 16,
    });
    expect(mariaOnly.partition).toBe('ranges');
    const ranged = await diffTable(mariaOnly, { reference: ref.data, others: { maria: maria.data } });
    expect(ranged.byConnection.maria).toEqual(result.byConnection.maria);
    expect(ranged.segments).toBeGreaterThan(4);
    for (const id of ['maria', 'lite']) {
      expect(result.byConnection[id].missing).toHaveLength(1);
      expect(result.byConnection[id].extra).toHaveLength(1);
      expect(String(decodeValue(result.byConnection[id].missing[0][0]))).toMatch(/^2025-03-01 01:40:00\.000701/);
      expect(result.byConnection[id].different).toHaveLength(1);
      expect(result.byConnection[id].different[0].columns).toEqual(['v']);
    }
    const filtered = await planDiff({
      reference: { connectionId: 'ref', dialect: 'postgres', data: ref.data, table: { schema: 'public', name: 'events' }, where: '"v" < 150 AND "v" > 0' },
      others: [{ connectionId: 'maria', dialect: 'mysql', data: maria.data, table: copies.mysql.events, where: '`v` < 150' }],
      bisectionFactor: 4,
      bisectionThreshold: 16,
    });
    const only = await diffTable(filtered, { reference: ref.data, others: { maria: maria.data } });
    expect([only.byConnection.maria.missing.length, only.byConnection.maria.extra.length, only.byConnection.maria.different.length]).toEqual([1, 1, 0]);
    expect(filtered.partition).toBe('ranges');
    expect(only.rowsCompared).toBe(149);
  }, 120_000);

  it('matches text keys by code points whatever order each collation returns them in', async () => {
    // Text has no neutral order: checksummed whole; compared in memory when small, else by key lookups in each side's own order.
    const small = await plan('words');
    const large = await plan('words', { bisectionFactor: 4, bisectionThreshold: 4 });
    expect([small.partition, large.partition]).toEqual(['lookup', 'lookup']);
    for (const snapshot of [small, large]) {
      expect((await diffTable(snapshot, ports())).byConnection).toEqual({
        maria: { missing: [], extra: [], different: [] },
        lite: { missing: [], extra: [], different: [] },
      });
    }
    await ref.data.execute(["UPDATE words SET n = 80 WHERE word = 'Zoë'", "DELETE FROM words WHERE word = 'Ölfass'", "INSERT INTO words VALUES ('Apple', 13)"]);
    // SQLite (binary collation) can hold a key differing only in case or accent from one the reference has.
    await lite.data.execute(["INSERT INTO words (word, n) VALUES ('APPLE', 1), ('Zoe', 8)"]);
    for (const snapshot of [small, large]) {
      const result = await diffTable(snapshot, ports());
      // MariaDB's case-insensitive collation finds 'apple' when asked for 'Apple': still missing, by code points.
      expect(keysOf(result.byConnection.maria.missing)).toEqual(['Apple']);
      expect(keysOf(result.byConnection.maria.extra)).toEqual(['Ölfass']);
      expect(result.byConnection.maria.different).toEqual([{ key: ['Zoë'], columns: ['n'] }]);
      expect(keysOf(result.byConnection.lite.missing)).toEqual(['Apple']);
      expect(keysOf(result.byConnection.lite.extra)).toEqual(['APPLE', 'Zoe', 'Ölfass']);
      expect(result.byConnection.lite.different).toEqual([{ key: ['Zoë'], columns: ['n'] }]);
      expect(result.rowsCompared).toBe(12);
    }
    // The lookup path went through segments cut on each side (more than the one whole-table checksum).
    expect((await diffTable(large, ports())).segments).toBeGreaterThan(3);
  }, 120_000);

  it('notes a float column against a decimal one and compares them at the float, without false differences', async () => {
    await ref.data.execute(['CREATE TABLE measures (id integer PRIMARY KEY, x double precision, t text)', "INSERT INTO measures VALUES (1, 2.5, ''), (2, 0.1, 'a'), (3, 1234.5678, NULL), (4, NULL, 'b')"]);
    await maria.data.execute(['CREATE TABLE measures (id integer PRIMARY KEY, x decimal(10,4), t varchar(10))', "INSERT INTO measures VALUES (1, 2.5000, ''), (2, 0.1, 'a'), (3, 1234.5678, NULL), (4, NULL, 'b')"]);
    const input = {
      reference: { connectionId: 'ref', dialect: 'postgres' as const, data: ref.data, table: { schema: 'public', name: 'measures' } },
      others: [{ connectionId: 'maria', dialect: 'mysql' as const, data: maria.data, table: { schema: maria.schema, name: 'measures' } }],
    };
    const snapshot = await planDiff(input);
    expect(snapshot.notes).toEqual([{ connectionId: 'maria', column: 'x', note: expect.stringMatching(/^float64 against decimal: compared as float64/) }]);
    expect((await diffTable(snapshot, { reference: ref.data, others: { maria: maria.data } })).byConnection.maria).toEqual({ missing: [], extra: [], different: [] });
    await maria.data.execute(['UPDATE measures SET x = 2.5001 WHERE id = 1', "UPDATE measures SET t = NULL WHERE id = 1"]);
    expect((await diffTable(snapshot, { reference: ref.data, others: { maria: maria.data } })).byConnection.maria.different).toEqual([{ key: [1], columns: ['x', 't'] }]);
  }, 60_000);

  it('refuses a diff it cannot plan, naming the field', async () => {
    await expect(planDiff({ reference: { connectionId: 'ref', dialect: 'postgres', data: ref.data, table: { schema: 'public', name: 'kinds' } }, others: [], keyColumns: ['nope'] })).rejects.toMatchObject({ field: 'keyColumns' });
    await expect(plan('kinds', { bisectionFactor: 1 })).rejects.toBeInstanceOf(DiffPlanError);
    await expect(planDiff({ reference: { connectionId: 'ref', dialect: 'postgres', data: ref.data, table: { schema: 'public', name: 'absent' } }, others: [] })).rejects.toMatchObject({ field: 'tables' });
  }, 60_000);

  it('keeps the snapshot plain JSON', async () => {
    const snapshot: DiffSnapshot = await plan('composite');
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot).toMatchObject({ v: 1, bisectionFactor: 32, bisectionThreshold: DEFAULT_BISECTION_THRESHOLD });
    // Sides of different dialects compare the portable digest.
    expect(snapshot.digest).toBeUndefined();
  }, 60_000);
});
