/**
 * PG→MariaDB orders on their own, for work on the MariaDB write path: the engine copy
 * (dbferryCopy, as `npm run bench` times it, guard on) and the `psql CSV | LOAD DATA` pipe, on
 * the same rows, back to back, `--repeat` times. Its own databases (`<prefix>_src` in
 * PostgreSQL, `<prefix>_dst` in MariaDB; default prefix dbferry_pgmw), so it can run while the
 * full bench uses its own. Run the copy under `node --cpu-prof` to profile only the engine:
 *   node -r ./tools/register.js tools/bench/pg-mariadb-write.ts --rows=250000 --repeat=3 [--no-pipe] [--keep]
 */
import { loadDataPipe } from './baselines';
import { mysqlOrdersDdl, ORDERS_COLUMNS, pgOrdersDdl } from './datasets';
import { dbferryCopy } from './dbferry-copy';
import { mysqlCount, mysqlServer, mysqlUrl, pgServer, pgUrl, withMysql, withPg } from './servers';

const flag = (name: string): string | undefined =>
  process.argv.slice(2).find((a) => a === `--${name}` || a.startsWith(`--${name}=`))?.split('=')[1] ?? (process.argv.includes(`--${name}`) ? '' : undefined);
const rows = Number(flag('rows') ?? 250_000);
const repeat = Number(flag('repeat') ?? 1);
const concurrency = Number(flag('concurrency') ?? 4);
const prefix = flag('prefix') ?? 'dbferry_pgmw';
if (!/^[a-z][a-z0-9_]{0,40}$/.test(prefix)) throw new Error('--prefix must be a lower-case identifier');
const pg = pgServer(process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const mysql = mysqlServer(process.env['BENCH_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/mysql');
const SRC = `${prefix}_src`;
const DST = `${prefix}_dst`;

/** The rows of datasets.ts's `orders` (every value a function of the key). */
const ordersInsert = (n: number) => `INSERT INTO public.orders
SELECT g, (g * 7919) % 100000, ((g * 104729) % 10000000) / 100.0,
  (ARRAY['new', 'paid', 'shipped', 'cancelled', 'refunded'])[1 + g % 5],
  CASE WHEN g % 20 = 0 THEN NULL ELSE 'order ' || g || ' café ü 東京 ✓ ' || left(md5(g::text), 24) END,
  timestamp '2024-01-01' + g * interval '1 second' + (g % 999983) * interval '1 microsecond',
  g % 3 = 0,
  CASE WHEN g % 10 = 0 THEN NULL ELSE jsonb_build_object('sku', 'S' || (g % 5000), 'qty', g % 9 + 1, 'gift', g % 2) END
FROM generate_series(1::bigint, ${n}) AS g`;

const seconds = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};

async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const existing = await withPg(pg, 'postgres', async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [SRC])).rowCount);
  let have = 0;
  if (existing) have = await withPg(pg, SRC, async (c) => Number((await c.query("SELECT count(*) AS n FROM public.orders")).rows[0].n)).catch(() => 0);
  if (have !== rows) {
    log(`generating ${rows} orders in ${SRC}`);
    await withPg(pg, 'postgres', async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${SRC} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${SRC}`);
    });
    await withPg(pg, SRC, async (c) => {
      await c.query(pgOrdersDdl('public.orders'));
      await c.query(ordersInsert(rows));
      await c.query('VACUUM ANALYZE public.orders');
    });
  }
  await withMysql(mysql, async (c) => {
    await c.query(`CREATE DATABASE IF NOT EXISTS ${DST} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await c.query('SET GLOBAL local_infile = 1');
  });
  const dropTarget = (table: string) => withMysql(mysql, (c) => c.query(`DROP TABLE IF EXISTS ${DST}.${table}`));
  const list = [...ORDERS_COLUMNS];
  for (let i = 1; i <= repeat; i++) {
    await dropTarget('orders_dbferry');
    let result: Awaited<ReturnType<typeof dbferryCopy>> | undefined;
    const cpu = process.cpuUsage();
    const engine = await seconds(async () => {
      result = await dbferryCopy({
        source: { dialect: 'postgres', url: pgUrl(pg, SRC), table: { schema: 'public', name: 'orders' } },
        target: { dialect: 'mysql', url: mysqlUrl(mysql, DST), table: { schema: DST, name: 'orders_dbferry' } },
        concurrency,
        chunkRows: Math.ceil(rows / concurrency),
        batchSize: 5000,
        expectedRows: rows,
      });
    });
    const stored = await mysqlCount(mysql, `${DST}.orders_dbferry`);
    if (stored !== rows || result?.rowsWritten !== rows) throw new Error(`the copy stored ${stored} rows (wrote ${result?.rowsWritten}), expected ${rows}`);
    const used = process.cpuUsage(cpu);
    // The copy process's own CPU (user + system): on a shared machine a steadier measure than the wall clock.
    let line = `run ${i}: dbferry ${engine.toFixed(2)} s (${Math.round(rows / engine)} rows/s, setup ${result.setupSeconds.toFixed(2)} s, CPU ${((used.user + used.system) / 1e6).toFixed(2)} s)`;
    if (flag('no-pipe') === undefined) {
      await dropTarget('orders_loaddata');
      await withMysql(mysql, (c) => c.query(mysqlOrdersDdl(`${DST}.orders_loaddata`)));
      const pipe = await seconds(() =>
        loadDataPipe(pg, { database: SRC, table: 'public.orders' }, list.map((c) => (c === 'paid' ? 'paid::int' : c)), mysql, DST, 'orders_loaddata', list),
      );
      line += `, LOAD DATA pipe ${pipe.toFixed(2)} s, ratio ${(pipe / engine).toFixed(2)}×`;
    }
    log(line);
  }
  if (flag('keep') === undefined) {
    await withMysql(mysql, (c) => c.query(`DROP DATABASE IF EXISTS ${DST}`));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
