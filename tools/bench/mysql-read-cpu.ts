/**
 * The MySQL reader alone: reads `<prefix>_src.orders` (made by mariadb-pg-cpu.ts) through
 * MysqlReader `--repeat` times in one process and prints each read's CPU seconds (user + system),
 * the figure for work on the reader (row parsing, decoding) without the PostgreSQL side's noise.
 *   node -r ./tools/register.js tools/bench/mysql-read-cpu.ts --repeat=6 [--prefix=dbferry_mpg]
 */
import { parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { mysqlServer, mysqlUrl } from './servers';

const flag = (name: string): string | undefined => process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const repeat = Number(flag('repeat') ?? 6);
const prefix = flag('prefix') ?? 'dbferry_mpg';
if (!/^[a-z][a-z0-9_]{0,40}$/.test(prefix)) throw new Error('--prefix must be a lower-case identifier');
const mysql = mysqlServer(process.env['BENCH_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/mysql');

async function main(): Promise<void> {
  const url = mysqlUrl(mysql, `${prefix}_src`);
  const session = await dialectFor('mysql').connect({ dialect: 'mysql', ...parseConnectionUrl('mysql', url) }, { timeoutMs: 10_000 });
  try {
    const data = session.data;
    if (!data) throw new Error('no data plane');
    const table = await data.introspector.describeTable({ schema: `${prefix}_src`, name: 'orders' });
    if (!table) throw new Error(`${prefix}_src.orders not found: run mariadb-pg-cpu.ts --keep first`);
    const seconds: number[] = [];
    for (let i = 1; i <= repeat; i++) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      let rows = 0;
      for await (const batch of data.reader.read({ table, columns: table.columns, keyColumns: ['id'], batchSize: 5000 })) rows += batch.rows.length;
      const used = process.cpuUsage(cpu);
      seconds.push((used.user + used.system) / 1e6);
      process.stdout.write(`read ${i}: ${rows} rows, CPU ${(seconds[i - 1] as number).toFixed(3)} s, wall ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
    }
    const sorted = seconds.slice(1).sort((a, b) => a - b);
    process.stdout.write(`median of reads 2-${repeat}: CPU ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(3)} s\n`);
  } finally {
    await session.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
