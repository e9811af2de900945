/**
 * Where a PG→MariaDB range copy's time goes: the orders table of `pg-mariadb-write.ts` (run it
 * with --keep first) read alone (PostgreSQL COPY, decoded), written alone from memory (the
 * MariaDB writer's LOAD DATA), and copied by copyRange (guard on), one range, twice; wall clock
 * and this process's CPU for each. When the copy is near max(read, write) the two ends overlap
 * and the slower server sets the pace.
 *   node -r ./tools/register.js tools/bench/pg-mariadb-phases.ts [--prefix=dbferry_pgmw]
 */
import { type DataPlane, type DialectName, parseConnectionUrl, type RowBatch } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { chunkWriteMode, copyRange, planTables } from '@dbferry/engine';
import { dataOf } from './dbferry-copy';
import { mysqlServer, mysqlUrl, pgServer, pgUrl } from './servers';

const prefix = process.argv.find((a) => a.startsWith('--prefix='))?.slice('--prefix='.length) ?? 'dbferry_pgmw';
if (!/^[a-z][a-z0-9_]{0,40}$/.test(prefix)) throw new Error('--prefix must be a lower-case identifier');
const pg = pgServer(process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const mysql = mysqlServer(process.env['BENCH_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/mysql');
const DST = `${prefix}_dst`;

const open = (dialect: DialectName, url: string) => dialectFor(dialect).connect({ dialect, ...parseConnectionUrl(dialect, url) }, { timeoutMs: 15_000 });

async function timed(label: string, work: () => Promise<unknown>): Promise<void> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${label}: ${((performance.now() - started) / 1000).toFixed(2)} s, CPU ${((used.user + used.system) / 1e6).toFixed(2)} s\n`);
}

async function main(): Promise<void> {
  const sourceSession = await open('postgres', pgUrl(pg, `${prefix}_src`));
  const targetSession = await open('mysql', mysqlUrl(mysql, DST));
  try {
    const source: DataPlane = dataOf(sourceSession, 'source');
    const target: DataPlane = dataOf(targetSession, 'target');
    await target.execute([`DROP TABLE IF EXISTS \`${DST}\`.orders_phases`]);
    const [plan] = await planTables({
      source: { dialect: 'postgres', session: sourceSession },
      target: { dialect: 'mysql', session: targetSession, defaultSchema: DST },
      tables: [{ source: 'public.orders', target: `${DST}.orders_phases` }],
      options: { createTables: true, evolveSchema: false },
    });
    if (!plan) throw new Error('the planner returned no table');
    if (plan.ddl.length) await target.execute(plan.ddl);
    const { columns, keyColumns } = plan;
    const truncate = () => target.execute([`TRUNCATE TABLE \`${DST}\`.orders_phases`]);
    for (let round = 1; round <= 2; round++) {
      const kept: RowBatch[] = [];
      await timed(`round ${round}: read alone`, async () => {
        for await (const batch of source.reader.read({ table: plan.source, columns, keyColumns, batchSize: 5000 })) kept.push({ columns: batch.columns, rows: batch.rows });
      });
      async function* fromMemory(): AsyncGenerator<RowBatch> {
        yield* kept;
      }
      await timed(`round ${round}: write alone (from memory)`, () => target.writer.write({ table: plan.target, columns, keyColumns, mode: 'insert' }, fromMemory()));
      kept.length = 0;
      await truncate();
      await timed(`round ${round}: copyRange, one range, guard on`, () =>
        copyRange({ source, target, from: plan.source, to: plan.target, columns, keyColumns, mode: chunkWriteMode('insert'), batchSize: 5000, verify: 'range' }),
      );
      await truncate();
    }
    await target.execute([`DROP TABLE IF EXISTS \`${DST}\`.orders_phases`]);
  } finally {
    await Promise.all([sourceSession.close(), targetSession.close()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
