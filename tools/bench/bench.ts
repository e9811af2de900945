/**
 * `npm run bench`: builds the data sets (issue 4, item 11) in fresh dbferry_bench_* databases,
 * then times, one case after another in this one process, dbferry's copies and the baselines
 * on the same data, and prints rows/s, the ratios issue 4 sets as targets and the dbferry
 * copies' peak RSS. Results also go to tmp/bench-results.json. See docs/benchmarks.md.
 */
import { cpus, tmpdir, totalmem } from 'node:os';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DialectName } from '@dbferry/dialects-core';
import { type BenchOptions, type CaseId, HELP, parseArgs, selected } from './args';
import { BackendCpu } from './backend-cpu';
import { ensurePgloader, loadDataPipe, mysqldumpPipe, pgloaderCopy, psqlBinaryPipe } from './baselines';
import {
  BENCH_DATABASES as DB,
  buildDataSets,
  dropDatabases,
  EVENTS_COLUMNS,
  mysqlOrdersDdl,
  ORDERS_COLUMNS,
  pgEventsDdl,
  pgOrdersDdl,
  scaledSizes,
  type DataSetSizes,
} from './datasets';
import type { ChildInput, ChildResult } from './dbferry-child';
import type { Endpoint } from './dbferry-copy';
import { type DiffBenchResult, formatDiffReport, runDiffBench } from './diff';
import { EndToEnd } from './e2e';
import { type EventsBenchResult, formatEventsReport, runEventsBench } from './events';
import { formatGroupsReport, type GroupsBenchResult, runGroupsBench } from './groups';
import { stringify } from 'yaml';
import { run } from './processes';
import { type CaseResult, computeRatios, formatReport, RSS_TARGET_BYTES, type Tool } from './report';
import { mysqlCount, mysqlServer, mysqlUrl, pgCount, pgServer, pgUrl, type ServerInfo, withMysql, withPg } from './servers';

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

interface Context {
  options: BenchOptions;
  pg: ServerInfo;
  mysql: ServerInfo;
  sizes: DataSetSizes;
  results: CaseResult[];
  /** The API and its one worker, started at the first end-to-end case. */
  e2e?: EndToEnd;
  /** Why they could not start: every end-to-end case fails with it. */
  e2eStartError?: string;
}

/** Stopped by the failure handler too, so no API or worker outlives the bench. */
let liveE2e: EndToEnd | undefined;

async function endToEndServices(ctx: Context): Promise<EndToEnd> {
  if (ctx.e2eStartError) throw new Error(ctx.e2eStartError);
  if (ctx.e2e) return ctx.e2e;
  const { options } = ctx;
  try {
    ctx.e2e = await EndToEnd.start({
      pg: ctx.pg,
      mysqlHost: ctx.mysql.host,
      redisUrl: options.redisUrl,
      concurrency: options.concurrency,
      chunkRows: options.chunkRows,
      batchSize: options.batchSize,
      ...(options.cpuProfDir ? { cpuProfDir: options.cpuProfDir } : {}),
      keep: options.keep,
      log,
    });
    liveE2e = ctx.e2e;
    return ctx.e2e;
  } catch (error) {
    ctx.e2eStartError = `the API and worker did not start: ${(error as Error).message}`;
    throw new Error(ctx.e2eStartError);
  }
}

/** Where a table lives, for preparing the target and counting rows afterwards. */
type Place = { server: 'pg'; database: string; table: string } | { server: 'mysql'; database: string; table: string };

async function dropTable(ctx: Context, place: Place): Promise<void> {
  if (place.server === 'pg') await withPg(ctx.pg, place.database, (c) => c.query(`DROP TABLE IF EXISTS ${place.table}`));
  else await withMysql(ctx.mysql, (c) => c.query(`DROP TABLE IF EXISTS ${place.database}.${place.table}`));
}

async function countRows(ctx: Context, place: Place): Promise<number> {
  return place.server === 'pg' ? pgCount(ctx.pg, place.database, place.table) : mysqlCount(ctx.mysql, `${place.database}.${place.table}`);
}

/** Untimed between cases: flush the last case's dirty pages so the next one does not pay for them. */
async function settle(ctx: Context): Promise<void> {
  await withPg(ctx.pg, 'postgres', (c) => c.query('CHECKPOINT'));
}

interface CaseSpec {
  group: CaseId;
  tool: Tool;
  route: string;
  table: string;
  rows: number;
  target: Place;
  /** Untimed: make the empty target (baselines) or nothing (dbferry creates its own). */
  prepare?: () => Promise<void>;
  /** Timed. */
  run: () => Promise<Partial<CaseResult> | void>;
}

/** Runs one case: drop the target, prepare (untimed), time `run`, count the target's rows, drop it unless kept. */
async function runCase(ctx: Context, spec: CaseSpec): Promise<CaseResult> {
  const base: CaseResult = { group: spec.group, tool: spec.tool, route: spec.route, table: spec.table, rows: spec.rows, seconds: 0, rowsPerSecond: 0 };
  log(`- ${spec.route} ${spec.table}: ${spec.tool} …`);
  let result: CaseResult;
  try {
    await dropTable(ctx, spec.target);
    await spec.prepare?.();
    await settle(ctx);
    // The PostgreSQL side of every case: its backends in the bench's databases (the control store's are not counted).
    const backends = BackendCpu.available() ? new BackendCpu([DB.src, DB.dst, DB.pgloader]) : undefined;
    backends?.start();
    const started = performance.now();
    let extra: Partial<CaseResult> | void;
    let serverCpu: ReturnType<BackendCpu['stop']> | undefined;
    try {
      extra = await spec.run();
    } finally {
      serverCpu = backends?.stop();
    }
    const wall = (performance.now() - started) / 1000;
    const seconds = extra?.seconds ?? wall;
    const rows = await countRows(ctx, spec.target);
    result = { ...base, ...extra, seconds, rowsPerSecond: rows / seconds, rows, ...(serverCpu && { serverCpuSeconds: serverCpu.total, serverCpuByDatabase: serverCpu.byDatabase }) };
    if (rows !== spec.rows) result.error = `target holds ${rows} rows, the source ${spec.rows}`;
  } catch (error) {
    result = { ...base, error: error instanceof Error ? error.message : String(error) };
  }
  if (!ctx.options.keep) await dropTable(ctx, spec.target).catch(() => undefined);
  log(
    result.error
      ? `  FAILED: ${result.error}`
      : `  ${result.rows} rows in ${result.seconds.toFixed(2)} s = ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s` +
          (result.peakRssBytes ? `, peak RSS ${(result.peakRssBytes / 1048576).toFixed(0)} MB` : '') +
          (result.retries ? `, ${result.retries} range retries (${result.retryErrors?.[0] ?? ''})` : '') +
          (result.checksum && result.checksum !== 'not run' ? `, checksum ${result.checksum}` : ''),
  );
  ctx.results.push(result);
  return result;
}

function skip(ctx: Context, spec: Omit<CaseSpec, 'run' | 'target' | 'prepare'>, reason: string): void {
  log(`- ${spec.route} ${spec.table}: ${spec.tool} skipped: ${reason}`);
  ctx.results.push({ group: spec.group, tool: spec.tool, route: spec.route, table: spec.table, rows: spec.rows, seconds: 0, rowsPerSecond: 0, skipped: reason });
}

const CHILD = join(__dirname, 'dbferry-child.ts');
const CLI = join(__dirname, '..', '..', 'apps', 'cli', 'bin', 'dbferry.js');
const REGISTER = join(__dirname, '..', 'register.js');

/** Runs one dbferry copy in its own process (dbferry-child.ts) and returns what it measured. */
async function runChild(input: ChildInput): Promise<ChildResult> {
  const out = await run({ cmd: process.execPath, args: ['-r', REGISTER, CHILD, JSON.stringify(input)] }).catch((error: Error) => {
    // The child prints {"error": …} before exiting 1: prefer that over the exit status.
    const line = /\{"error":.*\}/.exec(error.message)?.[0];
    throw new Error(line ? (JSON.parse(line) as { error: string }).error : error.message);
  });
  const line = out.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(line) as ChildResult | { error: string };
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed === 'help') {
    log(HELP);
    return;
  }
  const options = parsed;
  const ctx: Context = { options, pg: pgServer(options.pgUrl), mysql: mysqlServer(options.mysqlUrl), sizes: scaledSizes(options.rowsScale), results: [] };
  const { pg, mysql, sizes } = ctx;
  const want = (id: CaseId) => selected(options, id);
  const cpu = cpus();
  log(`dbferry bench: ${sizes.orders} orders, ${sizes.events} events, concurrency ${options.concurrency}, chunk ${options.chunkRows} rows, batch ${options.batchSize}`);
  log(`machine: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`);

  // The groups and events sections make their own databases: alone, they neither build nor drop the shared data sets.
  const onlyGroups = options.only.length > 0 && options.only.every((id) => id === 'groups' || id === 'events');
  if (!onlyGroups) log('building data sets');
  if (!onlyGroups) await buildDataSets(
    pg,
    mysql,
    { pgOrders: want('pg-pg') || want('pg-mariadb'), mysqlOrders: want('mariadb-pg') || want('mariadb-mariadb'), pgEvents: want('pg-pg-events') },
    sizes,
    log,
  );

  const pgSrc = (name: string): Endpoint => ({ dialect: 'postgres', url: pgUrl(pg, DB.src), table: { schema: 'public', name } });
  const pgDst = (name: string): Endpoint => ({ dialect: 'postgres', url: pgUrl(pg, DB.dst), table: { schema: 'public', name } });
  const myEnd = (database: string, name: string): Endpoint => ({ dialect: 'mysql' as DialectName, url: mysqlUrl(mysql, database), table: { schema: database, name } });
  const placeOf = (end: Endpoint): Place =>
    end.dialect === 'postgres'
      ? { server: 'pg', database: DB.dst, table: `${end.table.schema}.${end.table.name}` }
      : { server: 'mysql', database: end.table.schema, table: end.table.name };

  const dbferry = async (group: CaseId, route: string, rows: number, source: Endpoint, target: Endpoint): Promise<void> => {
    await runCase(ctx, {
      group,
      tool: 'dbferry',
      route,
      table: source.table.name,
      rows,
      target: placeOf(target),
      run: async () => {
        const profile = options.cpuProfDir ? join(options.cpuProfDir, `${group}.cpuprofile`) : undefined;
        if (options.cpuProfDir) await mkdir(options.cpuProfDir, { recursive: true });
        const child = await runChild({
          source,
          target,
          concurrency: options.concurrency,
          chunkRows: options.chunkRows,
          batchSize: options.batchSize,
          expectedRows: rows,
          verify: options.verify,
          ...(profile ? { cpuProfile: profile } : {}),
        });
        if (profile) log(`  CPU profile of the copy: ${profile} (tools/bench/profile-summary.ts summarises it)`);
        if (child.copy.rowsWritten !== rows) throw new Error(`copied ${child.copy.rowsWritten} rows of ${rows}`);
        if (child.checksumDetail && child.checksum === 'mismatch') log(`  checksum: ${child.checksumDetail}`);
        return {
          // The child's own clock: connect to last close, without the process start.
          seconds: child.seconds,
          copierCpuSeconds: child.cpuSeconds,
          peakRssBytes: child.peakRssBytes,
          startRssBytes: child.startRssBytes,
          peakMemory: child.peakMemory,
          ranges: child.copy.ranges,
          setupSeconds: child.copy.setupSeconds,
          retries: child.copy.retries,
          ...(child.copy.retryErrors.length ? { retryErrors: child.copy.retryErrors } : {}),
          checksum: child.checksum,
          ...(child.copy.warnings.length ? { warnings: child.copy.warnings } : {}),
        };
      },
    });
  };

  /**
   * `dbferry copy -f replication.yaml --json`, as a user runs it (issue 15): the CLI's own copy
   * time (connect to close, as the engine case's) is the figure; the process's wall is logged.
   */
  const dbferryCli = async (group: CaseId, route: string, rows: number, source: Endpoint, target: Endpoint): Promise<void> => {
    await runCase(ctx, {
      group,
      tool: 'dbferry CLI',
      route,
      table: source.table.name,
      rows,
      target: placeOf(target),
      run: async () => {
        const dir = await mkdtemp(join(tmpdir(), 'dbferry-bench-cli-'));
        try {
          const file = join(dir, 'replication.yaml');
          const table = `${source.table.schema}.${source.table.name}`;
          await writeFile(
            file,
            stringify({
              source: 'DBFERRY_BENCH_SOURCE',
              target: 'DBFERRY_BENCH_TARGET',
              defaults: { batchSize: options.batchSize, chunkRows: options.chunkRows, concurrency: options.concurrency },
              tables: { [table]: { target: `${target.table.schema}.${target.table.name}` } },
            }),
          );
          const started = performance.now();
          const out = await run({ cmd: process.execPath, args: [CLI, 'copy', '-f', file, '--json', '--no-progress'], env: { DBFERRY_BENCH_SOURCE: source.url, DBFERRY_BENCH_TARGET: target.url } });
          const wall = (performance.now() - started) / 1000;
          const result = JSON.parse(out) as { status: string; rowsWritten: number; seconds: number; setupSeconds: number; tables: { chunks: number; warnings: string[] }[] };
          if (result.status !== 'succeeded' || result.rowsWritten !== rows) throw new Error(`dbferry copy: ${result.status}, ${result.rowsWritten} rows of ${rows}`);
          log(`  the CLI process: ${wall.toFixed(2)} s wall with its start-up; its copy ${result.seconds.toFixed(2)} s`);
          const warnings = result.tables.flatMap((t) => t.warnings);
          return { seconds: result.seconds, ranges: result.tables[0]?.chunks, setupSeconds: result.setupSeconds, ...(warnings.length ? { warnings } : {}) };
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    });
  };

  /** API → queue → one worker: POST /api/jobs/:id/run until the run has succeeded. */
  const endToEnd = async (group: CaseId, route: string, rows: number, source: Endpoint, target: Endpoint): Promise<void> => {
    if (options.skipE2e) return;
    let jobId = '';
    await runCase(ctx, {
      group,
      tool: 'dbferry end-to-end',
      route,
      table: source.table.name,
      rows,
      target: placeOf(target),
      prepare: async () => {
        const e2e = await endToEndServices(ctx);
        await dropTable(ctx, placeOf(await e2e.warmUp(source, target)));
        jobId = await e2e.createJob(source, target);
      },
      run: async () => {
        const e2e = await endToEndServices(ctx);
        const cpuBefore = { worker: e2e.processCpuSeconds('worker'), api: e2e.processCpuSeconds('api') };
        const result = await e2e.run(jobId);
        const copierCpuSeconds = e2e.processCpuSeconds('worker') - cpuBefore.worker;
        const apiCpuSeconds = e2e.processCpuSeconds('api') - cpuBefore.api;
        if (result.rowsWritten !== rows) throw new Error(`the run wrote ${result.rowsWritten} rows of ${rows}`);
        const worker = await e2e.workerPeakRss();
        const clock = result.phases?.monotonicUs;
        if (options.cpuProfDir && clock) {
          const summary = `node -r ./tools/register.js tools/bench/profile-summary.ts ${join(options.cpuProfDir, 'worker.cpuprofile')}`;
          log(`  worker profile, before the copy: ${summary} 25 --from=${clock.posted} --to=${clock.firstChunk}`);
          log(`  worker profile, the copy:        ${summary} 25 --from=${clock.firstChunk} --to=${clock.lastChunk}`);
          log(`  worker profile, after the copy:  ${summary} 25 --from=${clock.lastChunk} --to=${clock.observed}`);
        }
        return {
          seconds: result.seconds,
          copierCpuSeconds,
          apiCpuSeconds,
          ...(result.phases ? { phases: result.phases } : {}),
          ...(result.phasesError ? { phasesError: result.phasesError } : {}),
          ...(worker ? { workerPeakRssBytes: worker } : {}),
        };
      },
    });
  };

  const ordersList = [...ORDERS_COLUMNS];
  const pgOrdersFrom = { database: DB.src, table: 'public.orders' };

  // PostgreSQL → PostgreSQL, orders
  if (want('pg-pg')) {
    const target = { database: DB.dst, table: 'public.orders_psql' };
    const place: Place = { server: 'pg', ...target };
    if (!options.skipBaselines) {
      await runCase(ctx, {
        group: 'pg-pg',
        tool: 'psql binary COPY pipe',
        route: 'PG→PG',
        table: 'orders',
        rows: sizes.orders,
        target: place,
        prepare: () => withPg(pg, DB.dst, (c) => c.query(pgOrdersDdl(target.table))).then(() => undefined),
        run: () => psqlBinaryPipe(pg, pgOrdersFrom, ordersList, target),
      });
    }
    if (!options.skipEngine) await dbferry('pg-pg', 'PG→PG', sizes.orders, pgSrc('orders'), pgDst('orders_dbferry_pg'));
    if (!options.skipEngine) await dbferryCli('pg-pg', 'PG→PG', sizes.orders, pgSrc('orders'), pgDst('orders_cli'));
    await endToEnd('pg-pg', 'PG→PG', sizes.orders, pgSrc('orders'), pgDst('orders_e2e_pg'));
  }

  // MariaDB → PostgreSQL, orders
  if (want('mariadb-pg')) {
    if (!options.skipBaselines) {
      const spec = { group: 'mariadb-pg' as const, tool: 'pgloader' as const, route: 'MariaDB→PG', table: 'orders', rows: sizes.orders };
      const available = await ensurePgloader(log);
      if (!available.ok) skip(ctx, spec, available.reason);
      else {
        await runCase(ctx, {
          ...spec,
          target: { server: 'pg', database: DB.pgloader, table: 'public.orders' },
          prepare: () => withPg(pg, DB.pgloader, (c) => c.query(pgOrdersDdl('public.orders'))).then(() => undefined),
          run: () => pgloaderCopy(mysql, DB.src, 'orders', pg, DB.pgloader),
        });
      }
    }
    if (!options.skipEngine) await dbferry('mariadb-pg', 'MariaDB→PG', sizes.orders, myEnd(DB.src, 'orders'), pgDst('orders_dbferry_mariadb'));
    await endToEnd('mariadb-pg', 'MariaDB→PG', sizes.orders, myEnd(DB.src, 'orders'), pgDst('orders_e2e_mariadb'));
  }

  // PostgreSQL → MariaDB, orders
  if (want('pg-mariadb')) {
    if (!options.skipBaselines) {
      await runCase(ctx, {
        group: 'pg-mariadb',
        tool: 'psql CSV | LOAD DATA',
        route: 'PG→MariaDB',
        table: 'orders',
        rows: sizes.orders,
        target: { server: 'mysql', database: DB.dst, table: 'orders_loaddata' },
        prepare: async () => {
          await withMysql(mysql, async (c) => {
            await c.query(mysqlOrdersDdl(`${DB.dst}.orders_loaddata`));
            // LOAD DATA LOCAL needs it on the server as well as in the client (--local-infile=1).
            await c.query('SET GLOBAL local_infile = 1');
          });
        },
        run: () =>
          loadDataPipe(pg, pgOrdersFrom, ordersList.map((c) => (c === 'paid' ? 'paid::int' : c)), mysql, DB.dst, 'orders_loaddata', ordersList),
      });
    }
    if (!options.skipEngine) await dbferry('pg-mariadb', 'PG→MariaDB', sizes.orders, pgSrc('orders'), myEnd(DB.dst, 'orders_dbferry_pg'));
    await endToEnd('pg-mariadb', 'PG→MariaDB', sizes.orders, pgSrc('orders'), myEnd(DB.dst, 'orders_e2e_pg'));
  }

  // MariaDB → MariaDB, orders
  if (want('mariadb-mariadb')) {
    if (!options.skipBaselines) {
      await runCase(ctx, {
        group: 'mariadb-mariadb',
        tool: 'mysqldump | mysql',
        route: 'MariaDB→MariaDB',
        table: 'orders',
        rows: sizes.orders,
        target: { server: 'mysql', database: DB.dst, table: 'orders' },
        prepare: () => withMysql(mysql, (c) => c.query(`CREATE TABLE ${DB.dst}.orders LIKE ${DB.src}.orders`)).then(() => undefined),
        run: () => mysqldumpPipe(mysql, DB.src, 'orders', DB.dst),
      });
    }
    if (!options.skipEngine) await dbferry('mariadb-mariadb', 'MariaDB→MariaDB', sizes.orders, myEnd(DB.src, 'orders'), myEnd(DB.dst, 'orders_dbferry_mariadb'));
  }

  // PostgreSQL → PostgreSQL, events
  if (want('pg-pg-events')) {
    const target = { database: DB.dst, table: 'public.events_psql' };
    if (!options.skipBaselines) {
      await runCase(ctx, {
        group: 'pg-pg-events',
        tool: 'psql binary COPY pipe',
        route: 'PG→PG',
        table: 'events',
        rows: sizes.events,
        target: { server: 'pg', ...target },
        prepare: () => withPg(pg, DB.dst, (c) => c.query(pgEventsDdl(target.table))).then(() => undefined),
        run: () => psqlBinaryPipe(pg, { database: DB.src, table: 'public.events' }, [...EVENTS_COLUMNS], target),
      });
    }
    if (!options.skipEngine) await dbferry('pg-pg-events', 'PG→PG', sizes.events, pgSrc('events'), pgDst('events_dbferry'));
  }

  // Diff (issue 12): dbferry's diff against a full streamed compare and pt-table-sync --print.
  let diff: DiffBenchResult | undefined;
  if (want('diff')) {
    diff = await runDiffBench({
      pg,
      mysql,
      databases: DB,
      rows: sizes.orders,
      repeats: options.diffRepeats,
      concurrency: options.diffConcurrency,
      skipBaselines: options.skipBaselines,
      skipEngine: options.skipEngine,
      ...(options.skipE2e ? {} : { endToEnd: () => endToEndServices(ctx) }),
      log,
    });
  }

  // The worker's peak over the whole bench, read before it stops (VmHWM is gone with the process).
  const workerPeak = (await ctx.e2e?.workerPeakRss()) ?? null;
  const workerStarted = ctx.e2e?.startedRss ?? null;
  await ctx.e2e?.stop();
  liveE2e = undefined;

  // Replica groups (issue 13): its own API and worker (fault injection on), after the others stopped (one control store name).
  let groups: GroupsBenchResult | undefined;
  if (want('groups')) {
    let services: EndToEnd | undefined;
    groups = await runGroupsBench({
      pg,
      mysql,
      database: `${DB.dst.replace(/_dst$/, '')}_groups`,
      keep: options.keep,
      writes: options.groupWrites,
      parallel: options.groupParallel,
      start: async () => {
        services ??= await EndToEnd.start({ pg, mysqlHost: mysql.host, redisUrl: options.redisUrl, concurrency: options.concurrency, chunkRows: options.chunkRows, batchSize: options.batchSize, keep: options.keep, faults: true, log });
        liveE2e = services;
        return services;
      },
      log,
    });
    await services?.stop();
    liveE2e = undefined;
  }

  // Upstream events (issue 14): signed deliveries through the API, then the drain (tools/bench/events.ts starts its own API and worker).
  let events: EventsBenchResult | undefined;
  if (want('events')) events = await runEventsBench({ pg, redisUrl: options.redisUrl, events: 20_000, parallel: 8, keep: options.keep, log });
  if (!options.keep && !onlyGroups) await dropDatabases(pg, mysql);

  const ratios = computeRatios(ctx.results);
  const report = formatReport(ctx.results, ratios, workerPeak);
  log('');
  log(report);
  if (diff) log(`\n${formatDiffReport(diff)}`);
  if (groups) log(`\n${formatGroupsReport(groups)}`);
  if (events) log(`\n${formatEventsReport(events)}`);
  const peak = Math.max(0, ...ctx.results.map((r) => r.peakRssBytes ?? 0));
  // The tree the numbers belong to: the data plane changes under active development.
  const git = async (...args: string[]) => (await run({ cmd: 'git', args }).catch(() => '')).trim();
  const json = {
    when: new Date().toISOString(),
    code: { commit: await git('rev-parse', '--short', 'HEAD'), uncommittedLibFiles: (await git('status', '--porcelain', '--', 'libs')).split('\n').filter(Boolean).length },
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? null, memoryBytes: totalmem(), node: process.version, platform: process.platform },
    options: { ...options, pgUrl: undefined, mysqlUrl: undefined },
    sizes,
    cases: ctx.results,
    ratios,
    peakRss: { bytes: peak, targetBytes: RSS_TARGET_BYTES, met: peak > 0 ? peak < RSS_TARGET_BYTES : null },
    workerPeakRss: { bytes: workerPeak, startedBytes: workerStarted, targetBytes: RSS_TARGET_BYTES, met: workerPeak ? workerPeak < RSS_TARGET_BYTES : null },
    ...(diff && { diff }),
    ...(groups && { groups }),
    ...(events && { events }),
  };
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify(json, null, 2)}\n`);
  log(`\nresults written to ${options.out}`);
  if (ctx.results.some((r) => r.error) || diff?.measurements.some((m) => m.error) || groups?.error || events?.error) process.exitCode = 1;
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  void (liveE2e?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
});
