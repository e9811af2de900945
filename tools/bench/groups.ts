/**
 * `npm run bench -- --only=groups` (issue 13): multi-writes to a replica group of three members
 * (PostgreSQL, MariaDB, SQLite) through the API while MariaDB has a write fault, so every write
 * is accepted with MariaDB owed a sync task; then the fault ends and the worker drains the debt.
 * Reports writes/s accepted and tasks/s drained, and checks the debt rose to exactly one pending
 * task per write and drained to 0 with the three tables holding the same rows.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Database } from 'sqlite3';
import type { EndToEnd } from './e2e';
import { mysqlUrl, pgUrl, type ServerInfo, withMysql, withPg } from './servers';

const TABLE = 'grp_bench';
const POLL_MS = 200;
const DRAIN_TIMEOUT_MS = 15 * 60_000;

export interface GroupsBenchInput {
  pg: ServerInfo;
  mysql: ServerInfo;
  /** The PostgreSQL and MariaDB database made for the members' tables (dropped at the end unless keep). */
  database: string;
  keep: boolean;
  /** Multi-writes to make (issue 13: 1,000). */
  writes: number;
  /** Writes in flight at once (HTTP clients of the API). */
  parallel: number;
  /** The API and worker, started with FAULTS_ENABLED=true. */
  start: () => Promise<EndToEnd>;
  log: (line: string) => void;
}

export interface GroupsBenchResult {
  writes: number;
  parallel: number;
  /** Wall time of the writes (first POST to last answer) and writes/s accepted. */
  writeSeconds: number;
  writesPerSecond: number;
  /** Per-write latency percentiles, ms. */
  writeLatencyMs: { p50: number; p95: number; max: number };
  /** Answers that named the faulted member in failed (each with its task): should be every write. */
  failedOnFaulted: number;
  /** Writes to an unfaulted member that failed all the same (each owed as a task too), by member, with a sample error. */
  failedElsewhere: { member: string; count: number; sample: string }[];
  /** The faulted member's pending tasks once the writes were answered. */
  debtPeak: number;
  /** From the fault's removal and POST /api/sync-tasks/execute until the member's debt was 0. */
  drainSeconds: number;
  tasksPerSecond: number;
  /** Pending/failed left at the end (0/0 when it drained). */
  debtEnd: { pending: number; failed: number };
  /** Rows on each member at the end. */
  rows: { postgres: number; mariadb: number; sqlite: number };
  /** Each member's rows hashed in one order: equal when they hold the same data. */
  consistent: boolean;
  error?: string;
}

function sqlite(path: string, sql: string): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const db = new Database(path, (error) => {
      if (error) return reject(error);
      db.all(sql, (err, rows) => db.close(() => (err ? reject(err) : resolve(rows as Record<string, unknown>[]))));
    });
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;

/** The row of write i: a key, a text, a decimal, a nullable note. */
export const benchRow = (i: number) => ({ id: i, email: `user${i}@example.com`, amount: (i * 1.25).toFixed(2), note: i % 10 === 0 ? null : `note ${i}` });

/** One line per member row in key order, as each database prints it, normalised to the row the bench wrote. */
const rowText = (r: Record<string, unknown>) => `${Number(r['id'])}|${String(r['email'])}|${Number(r['amount']).toFixed(2)}|${r['note'] === null ? '\\N' : String(r['note'])}`;

export async function runGroupsBench(input: GroupsBenchInput): Promise<GroupsBenchResult> {
  const { pg, mysql, database, writes, parallel, log } = input;
  const liteFile = `bench-groups-${randomBytes(4).toString('hex')}.db`;
  const result: GroupsBenchResult = {
    writes,
    parallel,
    writeSeconds: 0,
    writesPerSecond: 0,
    writeLatencyMs: { p50: 0, p95: 0, max: 0 },
    failedOnFaulted: 0,
    failedElsewhere: [],
    debtPeak: 0,
    drainSeconds: 0,
    tasksPerSecond: 0,
    debtEnd: { pending: -1, failed: -1 },
    rows: { postgres: 0, mariadb: 0, sqlite: 0 },
    consistent: false,
  };
  let litePath = '';
  try {
    const e2e = await input.start();
    litePath = join(e2e.sqliteRoot, liteFile);
    await withPg(pg, 'postgres', async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${database}`);
    });
    await withMysql(mysql, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${database}`);
      await c.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    });
    await withPg(pg, database, async (c) => {
      await c.query(`CREATE TABLE ${TABLE} (id integer PRIMARY KEY, email varchar(100) NOT NULL, amount numeric(12,2) NOT NULL, note text)`);
    });
    await withMysql(mysql, async (c) => {
      await c.query(`CREATE TABLE ${database}.${TABLE} (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, amount DECIMAL(12,2) NOT NULL, note TEXT)`);
    });
    await sqlite(litePath, `CREATE TABLE ${TABLE} (id INTEGER PRIMARY KEY, email TEXT NOT NULL, amount DECIMAL_TEXT(12,2) NOT NULL, note TEXT)`);

    const connection = async (body: object) => (await e2e.request<{ id: string }>('POST', '/api/connections', body)).id;
    const pgId = await connection({ name: 'bench group pg', dialect: 'postgres', url: pgUrl(pg, database) });
    const mariaId = await connection({ name: 'bench group mariadb', dialect: 'mysql', url: mysqlUrl(mysql, database) });
    const liteId = await connection({ name: 'bench group sqlite', dialect: 'sqlite', database: liteFile });
    // Tasks held for execution: the debt stays until the fault has ended and the bench asks the fleet to drain it.
    const group = await e2e.request<{ id: string }>('POST', '/api/groups', {
      name: `bench ${liteFile}`,
      keyColumns: ['id'],
      members: [
        { connectionId: pgId, table: `public.${TABLE}` },
        { connectionId: mariaId, table: TABLE },
        { connectionId: liteId, table: TABLE },
      ],
      autoExecute: false,
    });
    const fault = await e2e.request<{ id: string }>('POST', '/api/faults', { connectionId: mariaId, operation: 'write', seconds: 3600 });
    log(`  groups: group ${group.id} (PG, MariaDB, SQLite), write fault ${fault.id} on MariaDB; ${writes} writes, ${parallel} at once`);

    // Writes: every member named, MariaDB's write fails and becomes its pending task.
    const latencies: number[] = [];
    let next = 1;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(parallel, writes) }, async () => {
        while (next <= writes) {
          const i = next++;
          const t0 = performance.now();
          const answer = await e2e.request<{ written: string[]; failed: { connectionId: string; error: string }[]; pending: string[] }>('POST', `/api/groups/${group.id}/rows`, { row: benchRow(i) });
          latencies.push(performance.now() - t0);
          for (const f of answer.failed) {
            if (f.connectionId === mariaId) result.failedOnFaulted++;
            else {
              const member = f.connectionId === pgId ? 'postgres' : 'sqlite';
              const known = result.failedElsewhere.find((x) => x.member === member);
              if (known) known.count++;
              else result.failedElsewhere.push({ member, count: 1, sample: f.error });
            }
          }
          if (answer.written.includes(mariaId)) throw new Error(`write ${i}: written to the faulted MariaDB`);
        }
      }),
    );
    result.writeSeconds = (performance.now() - started) / 1000;
    result.writesPerSecond = writes / result.writeSeconds;
    latencies.sort((a, b) => a - b);
    result.writeLatencyMs = { p50: Math.round(percentile(latencies, 0.5)), p95: Math.round(percentile(latencies, 0.95)), max: Math.round(latencies[latencies.length - 1] ?? 0) };

    type Debt = { members: { connectionId: string; pending: number; failed: number }[] };
    const debtOf = async (connectionId: string) => (await e2e.request<Debt>('GET', `/api/groups/${group.id}/debt`)).members.find((m) => m.connectionId === connectionId) ?? { pending: -1, failed: -1 };
    const otherDebt = async () => (await debtOf(pgId)).pending + (await debtOf(liteId)).pending;
    result.debtPeak = (await debtOf(mariaId)).pending;
    const othersOwe = await otherDebt();
    log(`  groups: ${writes} writes in ${result.writeSeconds.toFixed(2)} s (${result.writesPerSecond.toFixed(0)}/s), MariaDB owes ${result.debtPeak}, the others ${othersOwe}${result.failedElsewhere.length ? ` (failed writes: ${JSON.stringify(result.failedElsewhere)})` : ''}`);

    // The fault ends; the fleet drains the debt.
    const drainStart = performance.now();
    await e2e.request('DELETE', `/api/faults/${fault.id}`);
    await e2e.request('POST', '/api/sync-tasks/execute', { groupId: group.id });
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    for (;;) {
      const debt = await debtOf(mariaId);
      if (debt.pending === 0 && (await otherDebt()) === 0) {
        result.debtEnd = { pending: debt.pending, failed: debt.failed };
        break;
      }
      if (Date.now() > deadline) throw new Error(`MariaDB still owes ${debt.pending} tasks after ${DRAIN_TIMEOUT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    result.drainSeconds = (performance.now() - drainStart) / 1000;
    result.tasksPerSecond = (result.debtPeak + othersOwe) / result.drainSeconds;

    // Verify: each member holds the same rows (read outside dbferry).
    const pgRows = await withPg(pg, database, async (c) => (await c.query(`SELECT id, email, amount, note FROM ${TABLE} ORDER BY id`)).rows as Record<string, unknown>[]);
    const mariaRows = await withMysql(mysql, async (c) => ((await c.query(`SELECT id, email, amount, note FROM ${database}.${TABLE} ORDER BY id`)) as unknown as [Record<string, unknown>[]])[0]);
    const liteRows = await sqlite(litePath, `SELECT id, email, amount, note FROM ${TABLE} ORDER BY id`);
    result.rows = { postgres: pgRows.length, mariadb: mariaRows.length, sqlite: liteRows.length };
    const expected = Array.from({ length: writes }, (_, i) => rowText(benchRow(i + 1))).join('\n');
    result.consistent = [pgRows, mariaRows, liteRows].every((rows) => rows.map(rowText).join('\n') === expected);
    log(`  groups: drained ${result.debtPeak + othersOwe} tasks in ${result.drainSeconds.toFixed(2)} s (${result.tasksPerSecond.toFixed(0)}/s); rows ${JSON.stringify(result.rows)}, consistent ${result.consistent}`);
    if (result.debtPeak !== writes) throw new Error(`the debt rose to ${result.debtPeak}, not ${writes}`);
    if (result.debtEnd.failed !== 0) throw new Error(`${result.debtEnd.failed} tasks failed for good`);
    if (!result.consistent) throw new Error('the members do not hold the same rows');
  } catch (error) {
    result.error = (error as Error).message;
    log(`  groups: ${result.error}`);
  } finally {
    if (litePath) await rm(litePath, { force: true }).catch(() => undefined);
    if (!input.keep) {
      await withPg(pg, 'postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => undefined);
      await withMysql(mysql, (c) => c.query(`DROP DATABASE IF EXISTS ${database}`)).catch(() => undefined);
    }
  }
  return result;
}

export function formatGroupsReport(r: GroupsBenchResult): string {
  return [
    `Replica groups (issue 13): ${r.writes} multi-writes to PG + MariaDB + SQLite, MariaDB write-faulted, ${r.parallel} in flight`,
    `  writes accepted: ${r.writesPerSecond.toFixed(0)}/s (${r.writeSeconds.toFixed(2)} s; latency p50 ${r.writeLatencyMs.p50} ms, p95 ${r.writeLatencyMs.p95} ms, max ${r.writeLatencyMs.max} ms); ${r.failedOnFaulted} answered MariaDB failed with a task`,
    ...r.failedElsewhere.map((f) => `  ${f.count} writes to ${f.member} failed too (owed as tasks), e.g. ${f.sample.slice(0, 160)}`),
    `  debt: rose to ${r.debtPeak} pending; after the fault: drained in ${r.drainSeconds.toFixed(2)} s = ${r.tasksPerSecond.toFixed(0)} tasks/s; end ${r.debtEnd.pending} pending, ${r.debtEnd.failed} failed`,
    `  rows: ${JSON.stringify(r.rows)}; same rows on all three: ${r.consistent}${r.error ? `\n  ERROR: ${r.error}` : ''}`,
  ].join('\n');
}
