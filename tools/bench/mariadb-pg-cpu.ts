/**
 * MariaDB→PG orders on their own, for work on the copy process's CPU (the MySQL reader and the
 * PostgreSQL binary encoders): the engine copy (dbferryCopy, as `npm run bench` times it, guard
 * on), `--repeat` times, each line with the copy process's own CPU seconds (user + system), the
 * steady figure on a shared machine. Its own databases (`<prefix>_src` in MariaDB, `<prefix>_dst`
 * in PostgreSQL; default prefix dbferry_mpg). Add `--cpu-prof` to the node flags to profile it:
 *   node -r ./tools/register.js tools/bench/mariadb-pg-cpu.ts --rows=300000 --repeat=4 [--keep]
 */
import { mysqlOrdersDdl } from './datasets';
import { dbferryCopy } from './dbferry-copy';
import { mysqlServer, mysqlUrl, pgCount, pgServer, pgUrl, withMysql, withPg } from './servers';

const flag = (name: string): string | undefined =>
  process.argv.slice(2).find((a) => a === `--${name}` || a.startsWith(`--${name}=`))?.split('=')[1] ?? (process.argv.includes(`--${name}`) ? '' : undefined);
const rows = Number(flag('rows') ?? 300_000);
const repeat = Number(flag('repeat') ?? 1);
const concurrency = Number(flag('concurrency') ?? 4);
const prefix = flag('prefix') ?? 'dbferry_mpg';
if (!/^[a-z][a-z0-9_]{0,40}$/.test(prefix)) throw new Error('--prefix must be a lower-case identifier');
if (!Number.isSafeInteger(rows) || rows < 1) throw new Error('--rows must be a positive integer');
const pg = pgServer(process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const mysql = mysqlServer(process.env['BENCH_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/mysql');
const SRC = `${prefix}_src`;
const DST = `${prefix}_dst`;

/** The rows of datasets.ts's `orders` (every value a function of the key). */
const ordersInsert = (n: number) => `INSERT INTO ${SRC}.orders
SELECT seq, (seq * 7919) % 100000, CAST(((seq * 104729) % 10000000) / 100 AS DECIMAL(12,2)),
  ELT(1 + seq % 5, 'new', 'paid', 'shipped', 'cancelled', 'refunded'),
  IF(seq % 20 = 0, NULL, CONCAT('order ', seq, ' café ü 東京 ✓ ', LEFT(MD5(seq), 24))),
  TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL (seq % 999983) MICROSECOND,
  seq % 3 = 0,
  IF(seq % 10 = 0, NULL, JSON_OBJECT('sku', CONCAT('S', seq % 5000), 'qty', seq % 9 + 1, 'gift', seq % 2))
FROM ${SRC}.seq_1_to_${n}`;

async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  await withMysql(mysql, async (c) => {
    const [found] = await c.query(`SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'orders'`, [SRC]);
    const have = Number((found as { n: number | string }[])[0]?.n ?? 0) ? Number(((await c.query(`SELECT COUNT(*) AS n FROM ${SRC}.orders`))[0] as { n: number }[])[0]?.n) : 0;
    if (have === rows) return;
    log(`generating ${rows} orders in ${SRC}`);
    await c.query(`DROP DATABASE IF EXISTS ${SRC}`);
    await c.query(`CREATE DATABASE ${SRC}`);
    await c.query(mysqlOrdersDdl(`${SRC}.orders`));
    await c.query(ordersInsert(rows));
    await c.query(`ANALYZE TABLE ${SRC}.orders`);
  });
  await withPg(pg, 'postgres', async (c) => {
    if (!(await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [DST])).rowCount) await c.query(`CREATE DATABASE ${DST}`);
  });
  for (let i = 1; i <= repeat; i++) {
    await withPg(pg, DST, (c) => c.query('DROP TABLE IF EXISTS public.orders'));
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await dbferryCopy({
      source: { dialect: 'mysql', url: mysqlUrl(mysql, SRC), table: { schema: SRC, name: 'orders' } },
      target: { dialect: 'postgres', url: pgUrl(pg, DST), table: { schema: 'public', name: 'orders' } },
      concurrency,
      chunkRows: Math.ceil(rows / concurrency),
      batchSize: 5000,
      expectedRows: rows,
    });
    const wall = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const stored = await pgCount(pg, DST, 'public.orders');
    if (stored !== rows || result.rowsWritten !== rows) throw new Error(`the copy stored ${stored} rows (wrote ${result.rowsWritten}), expected ${rows}`);
    log(`run ${i}: CPU ${((used.user + used.system) / 1e6).toFixed(2)} s (user ${(used.user / 1e6).toFixed(2)}, system ${(used.system / 1e6).toFixed(2)}), wall ${wall.toFixed(2)} s`);
  }
  if (flag('keep') === undefined) {
    await withMysql(mysql, (c) => c.query(`DROP DATABASE IF EXISTS ${SRC}`));
    await withPg(pg, 'postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${DST} WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
