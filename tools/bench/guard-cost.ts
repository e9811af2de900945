/**
 * The cost of the row-count guard (issue 8 item 2): the same orders copies as `npm run bench`
 * (PG→PG and MariaDB→PG, replace-range chunks through copyRange), each timed with the guard on
 * and off, alternating which goes first, `--repeat` times; prints the median seconds of each and
 * the guard's share. The target table is dropped before every copy.
 *
 *   node -r ./tools/register.js tools/bench/guard-cost.ts [--rows=1000000] [--repeat=3] [--concurrency=4] [--chunk-rows=250000] [--only=pg-pg|mariadb-pg] [--keep]
 *
 * `--keep` leaves the dbferry_bench_* databases for a later run, which then reuses them.
 */
import { BENCH_DATABASES as DB, buildDataSets, dropDatabases } from './datasets';
import { dbferryCopy, type Endpoint } from './dbferry-copy';
import { mysqlServer, mysqlUrl, pgServer, pgUrl } from './servers';
import { Client } from 'pg';

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

/**
 * Times the guard's own statement where it runs, inside each chunk's write transaction: the
 * PostgreSQL writer's `SELECT count(*) AS n …` of the range (same process, same `pg` module).
 */
let countSeconds = 0;
const query = Client.prototype.query as (...args: unknown[]) => unknown;
(Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function timedQuery(this: Client, ...args: unknown[]): unknown {
  const result = query.apply(this, args);
  if (typeof args[0] !== 'string' || !args[0].startsWith('SELECT count(*) AS n FROM') || !(result instanceof Promise)) return result;
  const started = performance.now();
  return result.then((value: unknown) => {
    countSeconds += (performance.now() - started) / 1000;
    return value;
  });
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function main(): Promise<void> {
  const rows = flag('rows', 1_000_000);
  const repeat = flag('repeat', 3);
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
      const counts: number[] = [];
      for (let i = 0; i < repeat; i++) {
        for (const guard of i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
          const client = new Client({ connectionString: target.url });
          await client.connect();
          await client.query('DROP TABLE IF EXISTS public.orders_guard');
          await client.query('CHECKPOINT');
          await client.end();
          countSeconds = 0;
          const started = performance.now();
          const result = await dbferryCopy({ source: c.source, target, concurrency, chunkRows, batchSize: 5000, expectedRows: rows, guard: guard === 'on' });
          const s = (performance.now() - started) / 1000;
          if (result.rowsWritten !== rows) throw new Error(`${c.name}: wrote ${result.rowsWritten} of ${rows}`);
          seconds[guard].push(s);
          let counted = '';
          if (guard === 'on') {
            // The counts ran in `slots` transactions side by side: their share of the chunks' time.
            const slots = Math.min(concurrency, result.ranges);
            counts.push(countSeconds / (s * slots));
            counted = `; the range counts took ${countSeconds.toFixed(2)} s in all = ${((countSeconds / (s * slots)) * 100).toFixed(1)}% of the ${slots} chunks' time`;
          }
          console.log(`${c.name} guard ${guard}: ${s.toFixed(2)} s (${result.ranges} ranges)${counted}`);
        }
      }
      const on = median(seconds.on);
      const off = median(seconds.off);
      // Each repeat's on/off pair ran back to back: their ratio cancels load that drifts between repeats.
      const paired = median(seconds.on.map((t, i) => t / (seconds.off[i] as number)));
      console.log(
        `${c.name}: median guard on ${on.toFixed(2)} s, off ${off.toFixed(2)} s; median of the paired on/off ratios ${paired.toFixed(3)} ` +
          `(${((paired - 1) * 100).toFixed(1)}%); the range counts inside the write transactions: median ${(median(counts) * 100).toFixed(1)}% of the chunks' time`,
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
