/**
 * The row-count guard's own server cost on PostgreSQL, away from the rest of a copy: one chunk's
 * rows of the bench's `orders` (`--rows`, default 250k, ids 1…rows) loaded into a fresh keyed
 * table with the server's own `COPY … FROM '<file>'`, in the writer's transaction (DELETE of the
 * range, COPY, then the guard), `--repeat` times alternating:
 *
 * - plain COPY, then the first design's guard: `count(*)` of the range as planned by default, and
 *   again forced onto the key's index (the fallback's plan);
 * - `COPY … WHERE <range>` (the guard as written now), then its trigger check.
 *
 * It prints the backend's CPU seconds for each statement (from /proc/<backend pid>/stat, so the
 * server must run on this Linux machine, as a superuser may COPY from a server file), which load
 * from others inflates far less than wall-clock time, and the per-pair ratios. Needs the
 * dbferry_bench_* databases (`guard-cost.ts --keep` or `npm run bench` with keep) and writes
 * /tmp/dbferry_guard_orders.txt.
 *
 *   node -r ./tools/register.js tools/bench/guard-statements.ts [--rows=250000] [--repeat=8]
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { POSTGRES_RANGE_COUNT_PLAN_SQL, POSTGRES_TABLE_TRIGGERS_SQL } from '@dbferry/dialect-postgres';
import { BENCH_DATABASES as DB } from './datasets';
import { pgServer, pgUrl } from './servers';

const FILE = '/tmp/dbferry_guard_orders.txt';
const TABLE = 'dbferry_guard_statements';
const DDL = `CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, customer integer NOT NULL, amount numeric(12,2) NOT NULL, status varchar(40) NOT NULL, note text, created_at timestamp(6) NOT NULL, paid boolean NOT NULL, doc json)`;

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function main(): Promise<void> {
  const rows = flag('rows', 250_000);
  const repeat = flag('repeat', 8);
  const pg = pgServer(process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const source = new Client({ connectionString: pgUrl(pg, DB.src) });
  await source.connect();
  await source.query(`COPY (SELECT id, customer, amount, status, note, created_at, paid, doc FROM public.orders WHERE id BETWEEN 1 AND ${rows}) TO '${FILE}'`);
  await source.end();

  const client = new Client({ connectionString: pgUrl(pg, DB.dst) });
  await client.connect();
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid as number;
  const timed = async (sql: string, params: unknown[] = []): Promise<number> => {
    const before = cpuSeconds(pid);
    await client.query(sql, params);
    return cpuSeconds(pid) - before;
  };
  const range = "id > '0' AND id <= '" + rows + "'";
  const seen: Record<string, number[]> = {};
  const add = (name: string, value: number) => (seen[name] ??= []).push(value);
  try {
    for (let i = 0; i < repeat; i++) {
      for (const where of i % 2 === 0 ? [false, true] : [true, false]) {
        await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
        await client.query(DDL);
        await client.query('CHECKPOINT');
        await client.query('BEGIN');
        await client.query(`DELETE FROM ${TABLE} WHERE ${range}`);
        if (where) {
          add('COPY … WHERE <range>', await timed(`COPY ${TABLE} FROM '${FILE}' WHERE ${range}`));
          add('trigger check', await timed(POSTGRES_TABLE_TRIGGERS_SQL, [`"public"."${TABLE}"`]));
        } else {
          add('COPY', await timed(`COPY ${TABLE} FROM '${FILE}'`));
          add('count(*), default plan', await timed(`SELECT count(*) AS n FROM ${TABLE} WHERE ${range}`));
          await client.query(POSTGRES_RANGE_COUNT_PLAN_SQL);
          add('count(*), on the index', await timed(`SELECT count(*) AS n FROM ${TABLE} WHERE ${range}`));
        }
        await client.query('COMMIT');
      }
    }
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => undefined);
    await client.end();
  }
  console.log(`backend CPU seconds per statement, ${rows} rows, ${repeat} of each (median; all):`);
  for (const [name, values] of Object.entries(seen)) console.log(`  ${name}: ${median(values).toFixed(3)}; ${values.map((v) => v.toFixed(2)).join(' ')}`);
  const copy = seen['COPY'] as number[];
  const ratio = (name: string) => {
    const pairs = (seen[name] as number[]).map((v, i) => v / (copy[i] as number));
    return `${(median(pairs) * 100).toFixed(1)}% (pairs: ${pairs.map((p) => (p * 100).toFixed(1)).join(' ')})`;
  };
  const where = (seen['COPY … WHERE <range>'] as number[]).map((v, i) => v / (copy[i] as number) - 1);
  console.log(`as a share of the plain COPY's CPU, median of the pairs:`);
  console.log(`  first design, count(*) on the index: ${ratio('count(*), on the index')}; with the default plan: ${ratio('count(*), default plan')}`);
  console.log(`  now, the WHERE inside COPY: ${(median(where) * 100).toFixed(1)}% (pairs: ${where.map((p) => (p * 100).toFixed(1)).join(' ')}); the trigger check: ${ratio('trigger check')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
