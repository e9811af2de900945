/**
 * The diff benchmark (issue 12, "How it is checked"): a table of N rows (1M at scale 1) on each
 * side with 10 differences spread over the key space (3 rows only the other side has, 3 it
 * lacks, 4 changed in one column each), for PG↔PG, PG↔MariaDB and MariaDB↔MariaDB. Each pair is
 * timed three ways, `repeats` times each, alternating:
 * - dbferry's diff (planDiff + diffTable: checksums inside each database, bisection, rows
 *   compared only in the unequal leaves);
 * - a full streamed compare: both tables streamed in key order through the same data planes and
 *   compared row by row with the same comparators (comparatorsFor / differingColumns);
 * - MariaDB↔MariaDB only: `pt-table-sync --print` (percona-toolkit), its printed statements
 *   parsed back into the rows it found.
 * Every measurement must find exactly the 10 rows planted (a wrong answer fails the case).
 * Wall seconds, this process's CPU seconds (or the tool's, from /usr/bin/time), and the database
 * servers' CPU seconds (every session of the server: other load on the machine is included).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { DataPlane, DialectName, DialectSession, NeutralValue, TableRef } from '@dbferry/dialects-core';
import { parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { comparatorsFor, decodeValue, diffTable, type DiffSnapshot, differingColumns, type EncodedValue, planDiff } from '@dbferry/engine';
import type { EndToEnd } from './e2e';
import { run } from './processes';
import { mysqlEnv, mysqlUrl, pgUrl, type ServerInfo, withMysql, withPg } from './servers';

export const DIFF_TABLE = 'diff_orders';

const pgDdl = (table: string): string => `CREATE TABLE ${table} (
  id bigint PRIMARY KEY,
  customer integer NOT NULL,
  amount numeric(12,2) NOT NULL,
  status varchar(40) NOT NULL,
  note text,
  created_at timestamp(6) NOT NULL,
  paid boolean NOT NULL
)`;

const mysqlDdl = (table: string): string => `CREATE TABLE ${table} (
  id bigint NOT NULL PRIMARY KEY,
  customer int NOT NULL,
  amount decimal(12,2) NOT NULL,
  status varchar(40) NOT NULL,
  note text,
  created_at datetime(6) NOT NULL,
  paid boolean NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;

/** The orders data set's values (datasets.ts) without its JSON column: see docs/benchmarks.md, "Diff". */
const pgInsert = (table: string, rows: number): string => `INSERT INTO ${table}
SELECT g, (g * 7919) % 100000, ((g * 104729) % 10000000) / 100.0,
  (ARRAY['new', 'paid', 'shipped', 'cancelled', 'refunded'])[1 + g % 5],
  CASE WHEN g % 20 = 0 THEN NULL ELSE 'order ' || g || ' café ü 東京 ✓ ' || left(md5(g::text), 24) END,
  timestamp '2024-01-01' + g * interval '1 second' + (g % 999983) * interval '1 microsecond',
  g % 3 = 0
FROM generate_series(1::bigint, ${rows}) AS g`;

const mysqlInsert = (table: string, rows: number): string => `INSERT INTO ${table}
SELECT seq, (seq * 7919) % 100000, CAST(((seq * 104729) % 10000000) / 100 AS DECIMAL(12,2)),
  ELT(1 + seq % 5, 'new', 'paid', 'shipped', 'cancelled', 'refunded'),
  IF(seq % 20 = 0, NULL, CONCAT('order ', seq, ' café ü 東京 ✓ ', LEFT(MD5(seq), 24))),
  TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL (seq % 999983) MICROSECOND,
  seq % 3 = 0
FROM seq_1_to_${rows}`;

/** The 10 planted differences: keys spread evenly, and what the diff must report for them. */
export interface Planted {
  /** Deleted on the reference side: the other side's extra rows. */
  extra: bigint[];
  /** Deleted on the other side: its missing rows. */
  missing: bigint[];
  /** Changed on the other side, one column each. */
  different: { id: bigint; column: string }[];
}

export function plantedDifferences(rows: number): Planted {
  const at = (k: number) => BigInt(Math.max(1, Math.floor((rows * (2 * k + 1)) / 20)));
  return {
    extra: [at(0), at(1), at(2)],
    missing: [at(3), at(4), at(5)],
    different: [
      { id: at(6), column: 'amount' },
      { id: at(7), column: 'note' },
      { id: at(8), column: 'created_at' },
      { id: at(9), column: 'paid' },
    ],
  };
}

function changesSql(dialect: 'pg' | 'mysql', table: string, side: 'reference' | 'other', planted: Planted): string[] {
  if (side === 'reference') return [`DELETE FROM ${table} WHERE id IN (${planted.extra.join(', ')})`];
  const [amount, note, created, paid] = planted.different;
  const micro = dialect === 'pg' ? `interval '1 microsecond'` : 'INTERVAL 1 MICROSECOND';
  return [
    `DELETE FROM ${table} WHERE id IN (${planted.missing.join(', ')})`,
    `UPDATE ${table} SET amount = amount + 0.01 WHERE id = ${amount?.id}`,
    `UPDATE ${table} SET note = 'changed by the diff benchmark' WHERE id = ${note?.id}`,
    `UPDATE ${table} SET created_at = created_at + ${micro} WHERE id = ${created?.id}`,
    `UPDATE ${table} SET paid = NOT paid WHERE id = ${paid?.id}`,
  ];
}

/**
 * `diff_orders` in the src (reference) and dst (other) database of each server, the same rows
 * but for the planted differences. The databases exist already (buildDataSets).
 */
export async function buildDiffDataSets(pg: ServerInfo, mysql: ServerInfo, databases: { src: string; dst: string }, rows: number, log: (line: string) => void): Promise<Planted> {
  const planted = plantedDifferences(rows);
  const started = performance.now();
  for (const [database, side] of [[databases.src, 'reference'], [databases.dst, 'other']] as const) {
    await withPg(pg, database, async (client) => {
      const table = `public.${DIFF_TABLE}`;
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.query(pgDdl(table));
      await client.query(pgInsert(table, rows));
      for (const sql of changesSql('pg', table, side, planted)) await client.query(sql);
      await client.query(`VACUUM (FREEZE, ANALYZE) ${table}`);
    });
    await withMysql(mysql, async (connection) => {
      const table = `${database}.${DIFF_TABLE}`;
      // The Sequence engine's seq_1_to_N lives in the current database.
      await connection.query(`USE ${database}`);
      await connection.query(`DROP TABLE IF EXISTS ${table}`);
      await connection.query(mysqlDdl(table));
      await connection.query(mysqlInsert(table, rows));
      for (const sql of changesSql('mysql', table, side, planted)) await connection.query(sql);
      await connection.query(`ANALYZE TABLE ${table}`);
    });
  }
  log(`  built ${DIFF_TABLE} (${rows} rows, 10 differences) on both servers in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return planted;
}

// ---------------------------------------------------------------- CPU accounting

const TICK = 100; // USER_HZ on Linux

function procStat(pid: string): { comm: string; ppid: number; cpu: number; children: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' ');
    // After the comm: state ppid ... utime(14th field overall → index 11 here) stime cutime cstime.
    return { comm, ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/**
 * CPU seconds the database servers have used so far: every postgres process plus what the
 * postmaster reaped from exited backends, and mariadbd. Deltas include other sessions' work.
 */
export function serverCpuSeconds(): { pg: number; mysql: number } {
  let pg = 0;
  let mysql = 0;
  const stats = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((pid) => ({ pid: Number(pid), stat: procStat(pid) }));
  const pgPids = new Set(stats.filter((s) => s.stat?.comm === 'postgres').map((s) => s.pid));
  for (const { stat } of stats) {
    if (!stat) continue;
    if (stat.comm === 'postgres') {
      pg += stat.cpu;
      // The postmaster (its parent is not postgres) holds its reaped backends' CPU.
      if (!pgPids.has(stat.ppid)) pg += stat.children;
    } else if (stat.comm === 'mariadbd' || stat.comm === 'mysqld') mysql += stat.cpu;
  }
  return { pg: pg / TICK, mysql: mysql / TICK };
}

// ---------------------------------------------------------------- the three contenders

export interface Side {
  dialect: DialectName;
  url: string;
  table: TableRef;
}

export interface Found {
  missing: string[];
  extra: string[];
  /** "id:column,column" */
  different: string[];
}

const keyOf = (key: EncodedValue[]): string => key.map((v) => String(decodeValue(v))).join('|');
const sorted = (items: string[]) => [...items].sort((a, b) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0));

export function expectedFound(planted: Planted): Found {
  return {
    missing: sorted(planted.missing.map(String)),
    extra: sorted(planted.extra.map(String)),
    different: sorted(planted.different.map((d) => `${d.id}:${d.column}`)),
  };
}

const asEndpoint = (side: Side) => ({ dialect: side.dialect, url: side.url, table: side.table });

async function open(side: Side): Promise<DialectSession> {
  return dialectFor(side.dialect).connect({ dialect: side.dialect, ...parseConnectionUrl(side.dialect, side.url) }, { timeoutMs: 15_000 });
}

async function withSides<T>(reference: Side, other: Side, work: (ref: DataPlane, oth: DataPlane, snapshot: DiffSnapshot) => Promise<T>): Promise<T> {
  const ref = await open(reference);
  try {
    const oth = await open(other);
    try {
      const refData = ref.data as DataPlane;
      const othData = oth.data as DataPlane;
      const snapshot = await planDiff({
        reference: { connectionId: 'reference', dialect: reference.dialect, data: refData, table: reference.table },
        others: [{ connectionId: 'other', dialect: other.dialect, data: othData, table: other.table }],
      });
      return await work(refData, othData, snapshot);
    } finally {
      await oth.close();
    }
  } finally {
    await ref.close();
  }
}

/** dbferry's diff of the two tables, in this process (connect, plan, diffTable, close). */
export async function dbferryDiff(reference: Side, other: Side, concurrency: number): Promise<{ found: Found; segments: number }> {
  return withSides(reference, other, async (ref, oth, snapshot) => {
    if (snapshot.partition !== 'ranges') throw new Error(`expected a 'ranges' diff, planned '${snapshot.partition}'`);
    const result = await diffTable(snapshot, { reference: ref, others: { other: oth } }, { concurrency });
    const c = result.byConnection['other'];
    if (!c) throw new Error('no result for the other side');
    return {
      found: {
        missing: sorted(c.missing.map(keyOf)),
        extra: sorted(c.extra.map(keyOf)),
        different: sorted(c.different.map((d) => `${keyOf(d.key)}:${d.columns.join(',')}`)),
      },
      segments: result.segments,
    };
  });
}

const BATCH = 5000;

/** Key order of two key tuples of numbers or bigints (the benchmark's key); text keys have no neutral order. */
function compareKeys(a: NeutralValue[], b: NeutralValue[], count: number): number {
  for (let i = 0; i < count; i++) {
    const x = a[i];
    const y = b[i];
    if ((typeof x !== 'number' && typeof x !== 'bigint') || (typeof y !== 'number' && typeof y !== 'bigint')) {
      throw new Error('the streamed compare takes integer keys only');
    }
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

/** Batches of one side, the next one already requested while the current one is compared. */
class Cursor {
  private readonly it: AsyncIterator<{ rows: NeutralValue[][] }>;
  private next: Promise<IteratorResult<{ rows: NeutralValue[][] }>>;
  rows: NeutralValue[][] = [];
  at = 0;
  done = false;

  constructor(iterable: AsyncIterable<{ rows: NeutralValue[][] }>) {
    this.it = iterable[Symbol.asyncIterator]();
    this.next = this.it.next();
  }

  /** The current row, refilling from the stream when the batch is used up; undefined at the end. */
  async current(): Promise<NeutralValue[] | undefined> {
    while (this.at >= this.rows.length) {
      if (this.done) return undefined;
      const result = await this.next;
      if (result.done) {
        this.done = true;
        return undefined;
      }
      this.rows = result.value.rows;
      this.at = 0;
      this.next = this.it.next();
    }
    return this.rows[this.at];
  }
}

/**
 * The full streamed compare: both tables read in key order through the dialects' readers and
 * merged, every matched row compared with the diff's own comparators.
 */
export async function streamedCompare(reference: Side, other: Side): Promise<{ found: Found; rows: number }> {
  return withSides(reference, other, async (ref, oth, snapshot) => {
    const k = snapshot.keyCount;
    const comparators = comparatorsFor(snapshot, snapshot.others[0] as DiffSnapshot['others'][number]);
    const keyNames = (cols: { name: string }[]) => cols.slice(0, k).map((c) => c.name);
    const otherSide = snapshot.others[0] as DiffSnapshot['others'][number];
    const a = new Cursor(ref.reader.read({ table: snapshot.reference.table, columns: snapshot.reference.columns, keyColumns: keyNames(snapshot.reference.columns), batchSize: BATCH }));
    const b = new Cursor(oth.reader.read({ table: otherSide.table, columns: otherSide.columns, keyColumns: keyNames(otherSide.columns), batchSize: BATCH }));
    const found: Found = { missing: [], extra: [], different: [] };
    const text = (row: NeutralValue[]) => row.slice(0, k).map(String).join('|');
    let rows = 0;
    for (;;) {
      const x = await a.current();
      const y = await b.current();
      if (!x && !y) break;
      const order = !x ? 1 : !y ? -1 : compareKeys(x, y, k);
      if (order < 0) {
        found.missing.push(text(x as NeutralValue[]));
        a.at++;
        rows++;
      } else if (order > 0) {
        found.extra.push(text(y as NeutralValue[]));
        b.at++;
      } else {
        const columns = differingColumns(comparators, x as NeutralValue[], y as NeutralValue[]);
        if (columns.length) found.different.push(`${text(x as NeutralValue[])}:${columns.join(',')}`);
        a.at++;
        b.at++;
        rows++;
      }
    }
    return { found: { missing: sorted(found.missing), extra: sorted(found.extra), different: sorted(found.different) }, rows };
  });
}

/** Rows named by pt-table-sync's printed statements. */
export function parsePtTableSync(out: string): Found {
  const found: Found = { missing: [], extra: [], different: [] };
  for (const line of out.split('\n')) {
    const where = /WHERE `id`='(-?\d+)'/.exec(line)?.[1];
    const values = /VALUES \('(-?\d+)'/.exec(line)?.[1];
    if (/^DELETE FROM/.test(line) && where) found.extra.push(where);
    else if (/^INSERT INTO/.test(line) && values) found.missing.push(values);
    else if (/^UPDATE /.test(line) && where) found.different.push(where);
    else if (/^REPLACE INTO/.test(line) && values) found.different.push(values);
  }
  return { missing: sorted(found.missing), extra: sorted(found.extra), different: sorted(found.different) };
}

// ---------------------------------------------------------------- the section

export interface DiffMeasurement {
  pair: string;
  tool: 'dbferry diff' | 'dbferry diff end-to-end' | 'streamed compare' | 'pt-table-sync --print';
  run: number;
  wallSeconds: number;
  /** This process's CPU (user + system); the tool's for pt-table-sync; the API's and the worker's end to end. */
  clientCpuSeconds: number;
  /** Database server CPU over the measurement (all sessions: other load included). */
  serverCpuSeconds: { pg: number; mysql: number };
  loadAverage: number;
  segments?: number;
  error?: string;
}

export interface DiffSummary {
  pair: string;
  tool: DiffMeasurement['tool'];
  runs: number;
  medianWall: number | null;
  medianClientCpu: number | null;
  medianServerCpu: number | null;
}

export interface DiffBenchInput {
  pg: ServerInfo;
  mysql: ServerInfo;
  databases: { src: string; dst: string };
  rows: number;
  repeats: number;
  concurrency: number;
  skipBaselines: boolean;
  /** The API and worker for the user's path (POST /api/diffs → succeeded); none: engine only. */
  endToEnd?: () => Promise<EndToEnd>;
  /** Leave out the engine-only diff (the end-to-end one and the baselines only). */
  skipEngine: boolean;
  log: (line: string) => void;
}

export interface DiffBenchResult {
  rows: number;
  planted: Found;
  measurements: DiffMeasurement[];
  summaries: DiffSummary[];
  ratios: { name: string; ratio: number | null; target: number; met: boolean | null; note?: string }[];
}

const median = (values: number[]): number | null => {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const sameFound = (a: Found, b: Found, withColumns: boolean): boolean => {
  const strip = (items: string[]) => (withColumns ? items : sorted(items.map((d) => d.split(':')[0] as string)));
  return JSON.stringify([a.missing, a.extra, strip(a.different)]) === JSON.stringify([b.missing, b.extra, strip(b.different)]);
};

export async function runDiffBench(input: DiffBenchInput): Promise<DiffBenchResult> {
  const { pg, mysql, databases, rows, log } = input;
  const plantedRows = await buildDiffDataSets(pg, mysql, databases, rows, log);
  const expected = expectedFound(plantedRows);
  const pgSide = (database: string): Side => ({ dialect: 'postgres', url: pgUrl(pg, database), table: { schema: 'public', name: DIFF_TABLE } });
  const mySide = (database: string): Side => ({ dialect: 'mysql', url: mysqlUrl(mysql, database), table: { schema: database, name: DIFF_TABLE } });
  const pairs: { name: string; reference: Side; other: Side; pt: boolean }[] = [
    { name: 'PG↔PG', reference: pgSide(databases.src), other: pgSide(databases.dst), pt: false },
    { name: 'PG↔MariaDB', reference: pgSide(databases.src), other: mySide(databases.dst), pt: false },
    { name: 'MariaDB↔MariaDB', reference: mySide(databases.src), other: mySide(databases.dst), pt: true },
  ];
  const measurements: DiffMeasurement[] = [];
  const measure = async (
    pair: string,
    tool: DiffMeasurement['tool'],
    runNo: number,
    work: () => Promise<{ found: Found; segments?: number; cpuSeconds?: number; wallSeconds?: number }>,
    withColumns: boolean,
  ) => {
    const load = loadavg()[0] ?? 0;
    const server0 = serverCpuSeconds();
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    let m: DiffMeasurement;
    try {
      const { found, segments, cpuSeconds, wallSeconds } = await work();
      const wall = wallSeconds ?? (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const server1 = serverCpuSeconds();
      m = {
        pair, tool, run: runNo, wallSeconds: wall,
        clientCpuSeconds: cpuSeconds ?? (cpu.user + cpu.system) / 1e6,
        serverCpuSeconds: { pg: server1.pg - server0.pg, mysql: server1.mysql - server0.mysql },
        loadAverage: load,
        ...(segments !== undefined && { segments }),
      };
      if (!sameFound(found, expected, withColumns)) m.error = `found ${JSON.stringify(found)}, planted ${JSON.stringify(expected)}`;
    } catch (error) {
      m = { pair, tool, run: runNo, wallSeconds: 0, clientCpuSeconds: 0, serverCpuSeconds: { pg: 0, mysql: 0 }, loadAverage: load, error: (error as Error).message };
    }
    measurements.push(m);
    log(
      m.error
        ? `  ${pair} ${tool} #${runNo}: FAILED: ${m.error}`
        : `  ${pair} ${tool} #${runNo}: ${m.wallSeconds.toFixed(2)} s wall, client CPU ${m.clientCpuSeconds.toFixed(2)} s, server CPU PG ${m.serverCpuSeconds.pg.toFixed(2)} s / MariaDB ${m.serverCpuSeconds.mysql.toFixed(2)} s, load ${load.toFixed(2)}` +
            (m.segments ? `, ${m.segments} segments` : ''),
    );
  };
  // The user's path is timed from POST /api/diffs until GET says succeeded (EndToEnd.diff's own
  // clock): starting the API and the worker (compiling it first) and creating the connections are
  // not part of a diff. (Until 2026-12-05 the first run's wall included them: the "first diff of
  // a fresh worker" of 73.7 s and 159 s was mostly the worker's compile and boot.)
  const endToEnd = async (pair: { reference: Side; other: Side }) => {
    const e2e = await (input.endToEnd as () => Promise<EndToEnd>)();
    const before = e2e.processCpuSeconds();
    const { rows: found, seconds } = await e2e.diff(asEndpoint(pair.reference), asEndpoint(pair.other));
    const keys = (kind: string) => sorted(found.filter((r) => r.kind === kind).map((r) => keyOf(r.key as EncodedValue[])));
    return {
      found: { missing: keys('missing'), extra: keys('extra'), different: sorted(found.filter((r) => r.kind === 'different').map((r) => `${keyOf(r.key as EncodedValue[])}:${(r.columns ?? []).join(',')}`)) },
      cpuSeconds: e2e.processCpuSeconds() - before,
      wallSeconds: seconds,
    };
  };
  for (const pair of pairs) {
    log(`- diff ${pair.name}, ${rows} vs ${rows} rows, 10 differences`);
    // Started (once per bench) before anything is timed; a failed start fails each end-to-end measurement instead.
    if (input.endToEnd) await input.endToEnd().catch(() => undefined);
    for (let r = 1; r <= input.repeats; r++) {
      if (input.endToEnd) await measure(pair.name, 'dbferry diff end-to-end', r, () => endToEnd(pair), true);
      if (!input.skipEngine) await measure(pair.name, 'dbferry diff', r, () => dbferryDiff(pair.reference, pair.other, input.concurrency), true);
      if (input.skipBaselines) continue;
      await measure(pair.name, 'streamed compare', r, () => streamedCompare(pair.reference, pair.other), true);
      if (pair.pt) {
        await measure(pair.name, 'pt-table-sync --print', r, async () => {
          const ref = { database: databases.src, table: DIFF_TABLE };
          const oth = { database: databases.dst, table: DIFF_TABLE };
          return ptTableSyncTimed(mysql, ref, oth);
        }, false);
      }
    }
  }
  const summaries: DiffSummary[] = [];
  for (const pair of pairs) {
    for (const tool of ['dbferry diff end-to-end', 'dbferry diff', 'streamed compare', 'pt-table-sync --print'] as const) {
      const ok = measurements.filter((m) => m.pair === pair.name && m.tool === tool && !m.error);
      if (!measurements.some((m) => m.pair === pair.name && m.tool === tool)) continue;
      summaries.push({
        pair: pair.name, tool, runs: ok.length,
        medianWall: median(ok.map((m) => m.wallSeconds)),
        medianClientCpu: median(ok.map((m) => m.clientCpuSeconds)),
        medianServerCpu: median(ok.map((m) => m.serverCpuSeconds.pg + m.serverCpuSeconds.mysql)),
      });
    }
  }
  const wall = (pair: string, tool: DiffMeasurement['tool']) => summaries.find((s) => s.pair === pair && s.tool === tool)?.medianWall ?? null;
  const ratios: DiffBenchResult['ratios'] = [];
  for (const pair of pairs) {
    if (input.skipBaselines) break;
    // The user's path (issue 12's measure) and, for tuning, the engine alone.
    for (const tool of ['dbferry diff end-to-end', 'dbferry diff'] as const) {
      if (!measurements.some((m) => m.pair === pair.name && m.tool === tool)) continue;
      const ours = wall(pair.name, tool);
      const ratioOf = (baseline: DiffMeasurement['tool'], target: number, strictlyAbove: boolean) => {
        const theirs = wall(pair.name, baseline);
        const ratio = ours && theirs ? theirs / ours : null;
        ratios.push({
          name: `${pair.name}: ${baseline} ÷ ${tool} (median wall)`,
          ratio,
          target,
          met: ratio === null ? null : strictlyAbove ? ratio > target : ratio >= target,
          ...(ratio === null && { note: 'a case failed' }),
        });
      };
      ratioOf('streamed compare', 10, false);
      if (pair.pt) ratioOf('pt-table-sync --print', 1, true);
    }
  }
  return { rows, planted: expected, measurements, summaries, ratios };
}

/**
 * `pt-table-sync --print` from the reference to the other table (both on the MariaDB server),
 * under /usr/bin/time for its own CPU seconds: it prints the statements that would make the
 * other like the reference, parsed back into the rows it found.
 */
async function ptTableSyncTimed(mysql: ServerInfo, reference: { database: string; table: string }, other: { database: string; table: string }): Promise<{ found: Found; cpuSeconds: number }> {
  const dsn = `h=${mysql.host},P=${mysql.port},u=${mysql.user}`;
  const out = await run({
    cmd: 'sh',
    // Exit status 2 means "differences found" (pt-table-sync's documented exit statuses).
    args: ['-c', `/usr/bin/time -f 'DBFERRY_CPU %U %S' pt-table-sync --print "$1" "$2" 2>&1; s=$?; [ $s -eq 0 ] || [ $s -eq 2 ]`, 'sh', `${dsn},D=${reference.database},t=${reference.table}`, `D=${other.database},t=${other.table}`],
    env: mysqlEnv(mysql),
  });
  const cpu = /DBFERRY_CPU ([\d.]+) ([\d.]+)/.exec(out);
  return { found: parsePtTableSync(out), cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : Number.NaN };
}

export function formatDiffReport(result: DiffBenchResult): string {
  const lines = [`Diff, ${result.rows} vs ${result.rows} rows, 10 differences (median of the runs; CPU in seconds):`];
  const f = (n: number | null) => (n === null ? '-' : n.toFixed(2));
  for (const s of result.summaries) lines.push(`  ${s.pair.padEnd(16)} ${s.tool.padEnd(22)} ${s.runs} runs  wall ${f(s.medianWall)} s  client CPU ${f(s.medianClientCpu)}  server CPU ${f(s.medianServerCpu)}`);
  for (const r of result.ratios) lines.push(`  ${r.name}: ${r.ratio === null ? `n/a (${r.note ?? ''})` : `${r.ratio.toFixed(2)}x`} (target ${r.target === 1 ? '> 1' : `≥ ${r.target}`}) ${r.met === null ? '' : r.met ? 'MET' : 'MISSED'}`);
  return lines.join('\n');
}

