/**
 * The cost of the row-count guard (issue 8 item 2): the same orders copies as `npm run bench`
 * (PG→PG and MariaDB→PG, replace-range chunks through copyRange), each timed with the guard on
 * and off, alternating which goes first, `--repeat` times. Each copy prints its wall-clock and CPU
 * seconds (this process plus the PostgreSQL backends it opened: see below) and, with the guard on,
 * the time of the guard's own statements; each on/off pair prints its two ratios; each case ends
 * with one summary line: the medians and the median of the paired ratios, wall and CPU. On a
 * machine others are loading, the CPU ratio is the one to read. The target table is dropped
 * before every copy.
 *
 *   node -r ./tools/register.js tools/bench/guard-cost.ts [--rows=1000000] [--repeat=3] [--warmup=1] [--concurrency=4] [--chunk-rows=250000] [--only=pg-pg|mariadb-pg] [--keep]
 *
 * `--keep` leaves the dbferry_bench_* databases for a later run, which then reuses them.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { BENCH_DATABASES as DB, buildDataSets, dropDatabases } from './datasets';
import { dbferryCopy, type Endpoint } from './dbferry-copy';
import { mysqlServer, mysqlUrl, pgServer, pgUrl } from './servers';
import { Client } from 'pg';
import { POSTGRES_RANGE_COUNT_PLAN_SQL } from '@dbferry/dialect-postgres';

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

/**
 * Times the guard's own statements where they run, inside each chunk's write transaction (same
 * process, same `pg` module): the plan setting and the `SELECT count(*) AS n …` of the range.
 */
const GUARD_STATEMENTS: Record<string, (sql: string) => boolean> = {
  'range counts': (sql) => sql === POSTGRES_RANGE_COUNT_PLAN_SQL || sql.startsWith('SELECT count(*) AS n FROM'),
};
const guardTime = { seconds: 0, statements: new Map<string, number>() };
const query = Client.prototype.query as (...args: unknown[]) => unknown;
(Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function timedQuery(this: Client, ...args: unknown[]): unknown {
  const result = query.apply(this, args);
  const sql = args[0];
  const kind = typeof sql === 'string' ? Object.keys(GUARD_STATEMENTS).find((k) => GUARD_STATEMENTS[k]?.(sql)) : undefined;
  if (!kind || !(result instanceof Promise)) return result;
  guardTime.statements.set(kind, (guardTime.statements.get(kind) ?? 0) + 1);
  const started = performance.now();
  return result.then((value: unknown) => {
    guardTime.seconds += (performance.now() - started) / 1000;
    return value;
  });
};

/**
 * CPU seconds a copy costs, which load from others on the machine inflates far less than it does
 * wall-clock time: this process's (reading, encoding, both drivers) plus that of every PostgreSQL
 * backend it opens (the PG source's reads, the target's DELETE, COPY and the guard), read from
 * /proc/<backend pid>/stat as each connection ends (the server must run on this Linux machine;
 * otherwise only this process is counted). MariaDB's own threads are not counted: the guard
 * changes nothing there, so the on/off ratio of the rest is, if anything, an overstatement.
 */
const TICKS_PER_SECOND = 100;
const backends = { seconds: 0, open: new Map<Client, { pid: number; ticks: number }>() };

function backendTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

const connect = Client.prototype.connect as (...args: unknown[]) => unknown;
(Client.prototype as unknown as { connect: (...args: unknown[]) => unknown }).connect = function countedConnect(this: Client, ...args: unknown[]): unknown {
  const result = connect.apply(this, args);
  if (args.length || !(result instanceof Promise)) return result;
  return result.then(async (value: unknown) => {
    const answer = (await query.call(this, 'SELECT pg_backend_pid() AS pid')) as { rows: { pid: number }[] };
    const pid = answer.rows[0]?.pid;
    const ticks = pid === undefined ? undefined : backendTicks(pid);
    if (pid !== undefined && ticks !== undefined) backends.open.set(this, { pid, ticks });
    return value;
  });
};
const end = Client.prototype.end as (...args: unknown[]) => unknown;
(Client.prototype as unknown as { end: (...args: unknown[]) => unknown }).end = function countedEnd(this: Client, ...args: unknown[]): unknown {
  const open = backends.open.get(this);
  if (open) {
    backends.open.delete(this);
    const ticks = backendTicks(open.pid);
    if (ticks !== undefined) backends.seconds += (ticks - open.ticks) / TICKS_PER_SECOND;
  }
  return end.apply(this, args);
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function dropTarget(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('DROP TABLE IF EXISTS public.orders_guard');
  await client.query('CHECKPOINT');
  await client.end();
}

/** Like flag(), but 0 is allowed. */
function count(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} needs a whole number`);
  return value;
}

async function main(): Promise<void> {
  const rows = flag('rows', 1_000_000);
  const repeat = flag('repeat', 3);
  const warmup = count('warmup', 1);
  const concurrency = flag('concurrency', 4);
  const chunkRows = flag('chunk-rows', 250_000);
  const pg = pgServer(process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const mysql = mysqlServer(process.env['BENCH_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/mysql');
  const keep = process.argv.includes('--keep');
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const probe = new Client({ connectionString: pgUrl(pg, DB.src) });
  const built = await probe.connect().then(
    () => probe.end().then(() => true),
    () => false,
  );
  if (!keep || !built) await buildDataSets(pg, mysql, { pgOrders: true, mysqlOrders: true, pgEvents: false }, { orders: rows, events: 1 }, (line) => console.log(line));
  const target: Endpoint = { dialect: 'postgres', url: pgUrl(pg, DB.dst), table: { schema: 'public', name: 'orders_guard' } };
  const all: { id: string; name: string; source: Endpoint }[] = [
    { id: 'pg-pg', name: 'PG→PG', source: { dialect: 'postgres', url: pgUrl(pg, DB.src), table: { schema: 'public', name: 'orders' } } },
    { id: 'mariadb-pg', name: 'MariaDB→PG', source: { dialect: 'mysql', url: mysqlUrl(mysql, DB.src), table: { schema: DB.src, name: 'orders' } } },
  ];
  const cases = all.filter((c) => !only || only.split(',').includes(c.id));
  try {
    for (const c of cases) {
      const seconds: Record<'on' | 'off', number[]> = { on: [], off: [] };
      const cpu: Record<'on' | 'off', number[]> = { on: [], off: [] };
      const counts: number[] = [];
      // The first copy of a case runs on cold caches (MariaDB's buffer pool after the PG→PG case,
      // the page cache): one untimed copy first, so it is no pair's first half.
      for (let i = 0; i < warmup; i++) {
        await dropTarget(target.url);
        await dbferryCopy({ source: c.source, target, concurrency, chunkRows, batchSize: 5000, expectedRows: rows, guard: false });
        console.log(`${c.name}: warm-up copy ${i + 1} of ${warmup} (untimed)`);
      }
      for (let i = 0; i < repeat; i++) {
        for (const guard of i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
          await dropTarget(target.url);
          guardTime.seconds = 0;
          guardTime.statements.clear();
          backends.seconds = 0;
          const cpuStarted = process.cpuUsage();
          const started = performance.now();
          const result = await dbferryCopy({ source: c.source, target, concurrency, chunkRows, batchSize: 5000, expectedRows: rows, guard: guard === 'on' });
          const s = (performance.now() - started) / 1000;
          const own = process.cpuUsage(cpuStarted);
          const cpuSeconds = (own.user + own.system) / 1e6 + backends.seconds;
          cpu[guard].push(cpuSeconds);
          if (result.rowsWritten !== rows) throw new Error(`${c.name}: wrote ${result.rowsWritten} of ${rows}`);
          seconds[guard].push(s);
          let counted = '';
          if (guard === 'on') {
            // The statements ran in `slots` transactions side by side: their share of the chunks' time.
            const slots = Math.min(concurrency, result.ranges);
            counts.push(guardTime.seconds / (s * slots));
            const issued = [...guardTime.statements].map(([kind, n]) => `${n} ${kind}`).join(', ') || 'none';
            counted = `; the guard's statements (${issued}) took ${(guardTime.seconds * 1000).toFixed(0)} ms in all = ${((guardTime.seconds / (s * slots)) * 100).toFixed(2)}% of the ${slots} chunks' time`;
          }
          // The second copy of a pair: the pair's ratios.
          if (seconds.on.length === seconds.off.length) {
            const pair = (values: Record<'on' | 'off', number[]>) => ((values.on.at(-1) as number) / (values.off.at(-1) as number)).toFixed(3);
            counted += ` → pair ${seconds.on.length}: on/off ${pair(seconds)} wall, ${pair(cpu)} CPU`;
          }
          console.log(`${c.name} guard ${guard}: ${s.toFixed(2)} s, CPU ${cpuSeconds.toFixed(2)} s (this process ${(cpuSeconds - backends.seconds).toFixed(2)} + PostgreSQL backends ${backends.seconds.toFixed(2)}) (${result.ranges} ranges)${counted}`);
        }
      }
      const on = median(seconds.on);
      const off = median(seconds.off);
      // Each repeat's on/off pair ran back to back: their ratio cancels load that drifts between repeats.
      const paired = median(seconds.on.map((t, i) => t / (seconds.off[i] as number)));
      const pairedCpu = median(cpu.on.map((t, i) => t / (cpu.off[i] as number)));
      console.log(
        `${c.name}: median guard on ${on.toFixed(2)} s, off ${off.toFixed(2)} s; median of the paired on/off ratios ${paired.toFixed(3)} ` +
          `(${((paired - 1) * 100).toFixed(1)}%); CPU: median on ${median(cpu.on).toFixed(2)} s, off ${median(cpu.off).toFixed(2)} s, paired ratio ${pairedCpu.toFixed(3)} ` +
          `(${((pairedCpu - 1) * 100).toFixed(1)}%); the guard's statements inside the write transactions: median ${(median(counts) * 100).toFixed(2)}% of the chunks' time; ` +
          `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
      );
    }
  } finally {
    if (!keep) await dropDatabases(pg, mysql);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
