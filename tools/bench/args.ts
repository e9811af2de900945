/** Command-line flags of `npm run bench` (see docs/benchmarks.md). */

export const CASE_IDS = ['pg-pg', 'mariadb-pg', 'pg-mariadb', 'mariadb-mariadb', 'pg-pg-events', 'diff', 'groups', 'events'] as const;
export type CaseId = (typeof CASE_IDS)[number];

export interface BenchOptions {
  /** Multiplies every data set's row count (0.05 → 50k orders, 250k events). */
  rowsScale: number;
  /** Case groups to run (a dbferry copy and its baseline); all when empty. */
  only: CaseId[];
  /** Concurrent copyRange slots, each with its own source and target session (like worker slots). */
  concurrency: number;
  /** Rows per key-range chunk: a table is split into max(concurrency, rows / chunkRows) ranges. */
  chunkRows: number;
  /** Rows per reader batch. */
  batchSize: number;
  pgUrl: string;
  mysqlUrl: string;
  /** Run only the dbferry copies, no baselines. */
  skipBaselines: boolean;
  /** Leave out the end-to-end cases (API → queue → one worker). */
  skipE2e: boolean;
  /** Leave out the engine-only dbferry copies (baselines and end-to-end cases only). */
  skipEngine: boolean;
  /** Redis for the end-to-end cases' queues (a private prefix, deleted afterwards). */
  redisUrl: string;
  /** Compare order-independent checksums of source and target after each dbferry copy (untimed). */
  verify: boolean;
  /** Keep the dbferry_bench_* databases at the end. */
  keep: boolean;
  /** Directory for a V8 CPU profile of each dbferry copy (<case>.cpuprofile), from connect to close; none when unset. */
  cpuProfDir?: string;
  /** Where the JSON results go. */
  out: string;
  /** The diff section: runs of each contender per pair (issue 12 asks for 3). */
  diffRepeats: number;
  /** Segments dbferry's diffTable diffs at once. */
  diffConcurrency: number;
  /** The groups section: multi-writes made (issue 13: 1,000) and how many are in flight at once. */
  groupWrites: number;
  groupParallel: number;
}

export const HELP = `npm run bench -- [flags]
  --rows-scale=<x>     scale every data set (default 1: 1M orders, 5M events)
  --only=<case,...>    ${CASE_IDS.join(' | ')} (dbferry copy + its baseline)
  --concurrency=<n>    concurrent copyRange slots (default 4)
  --chunk-rows=<n>     rows per key range (default 250000)
  --batch-size=<n>     rows per reader batch (default 5000)
  --pg-url=<url>       server for the PostgreSQL data sets (default postgres://postgres@127.0.0.1:5432/postgres)
  --mysql-url=<url>    server for the MariaDB data sets (default mysql://root@127.0.0.1:3306/mysql)
  --skip-baselines     time only the dbferry copies
  --skip-e2e           leave out the end-to-end cases (API → queue → one worker)
  --skip-engine        leave out the engine-only dbferry copies
  --redis-url=<url>    Redis for the end-to-end cases (default redis://127.0.0.1:6379)
  --verify             checksum source and target after each dbferry copy (not timed)
  --keep               keep the dbferry_bench_* databases
  --cpu-prof[=<dir>]   write a V8 CPU profile of each dbferry copy and of the end-to-end worker (default dir tmp/bench-profiles)
  --out=<file>         JSON results (default tmp/bench-results.json)
  --diff-repeats=<n>   the diff section's runs per contender and pair (default 3)
  --diff-concurrency=<n>  segments dbferry's diff checksums at once (default 4)
  --group-writes=<n>   the groups section's multi-writes (default 1000)
  --group-parallel=<n> the groups section's writes in flight at once (default 8)`;

function positiveNumber(flag: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${flag} needs a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
  }
  return value;
}

function isCaseId(text: string): text is CaseId {
  return (CASE_IDS as readonly string[]).includes(text);
}

export function parseArgs(argv: string[]): BenchOptions | 'help' {
  const options: BenchOptions = {
    rowsScale: 1,
    only: [],
    concurrency: 4,
    chunkRows: 250_000,
    batchSize: 5000,
    pgUrl: process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    mysqlUrl: process.env['BENCH_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/mysql',
    skipBaselines: false,
    skipE2e: false,
    skipEngine: false,
    redisUrl: process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    verify: false,
    keep: false,
    out: 'tmp/bench-results.json',
    diffRepeats: 3,
    diffConcurrency: 4,
    groupWrites: 1000,
    groupParallel: 8,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const takeValue = (): string => {
      if (eq >= 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--rows-scale':
        options.rowsScale = positiveNumber(flag, takeValue(), false);
        break;
      case '--only': {
        const ids = takeValue().split(',').map((s) => s.trim()).filter(Boolean);
        for (const id of ids) if (!isCaseId(id)) throw new Error(`--only: unknown case "${id}" (${CASE_IDS.join(', ')})`);
        options.only = ids.filter(isCaseId);
        break;
      }
      case '--concurrency':
        options.concurrency = positiveNumber(flag, takeValue(), true);
        break;
      case '--chunk-rows':
        options.chunkRows = positiveNumber(flag, takeValue(), true);
        break;
      case '--batch-size':
        options.batchSize = positiveNumber(flag, takeValue(), true);
        break;
      case '--pg-url':
        options.pgUrl = takeValue();
        break;
      case '--mysql-url':
        options.mysqlUrl = takeValue();
        break;
      case '--skip-baselines':
        options.skipBaselines = true;
        break;
      case '--skip-e2e':
        options.skipE2e = true;
        break;
      case '--skip-engine':
        options.skipEngine = true;
        break;
      case '--redis-url':
        options.redisUrl = takeValue();
        break;
      case '--verify':
        options.verify = true;
        break;
      case '--keep':
        options.keep = true;
        break;
      case '--cpu-prof':
        options.cpuProfDir = eq >= 0 ? arg.slice(eq + 1) : 'tmp/bench-profiles';
        break;
      case '--out':
        options.out = takeValue();
        break;
      case '--diff-repeats':
        options.diffRepeats = positiveNumber(flag, takeValue(), true);
        break;
      case '--diff-concurrency':
        options.diffConcurrency = positiveNumber(flag, takeValue(), true);
        break;
      case '--group-writes':
        options.groupWrites = positiveNumber(flag, takeValue(), true);
        break;
      case '--group-parallel':
        options.groupParallel = positiveNumber(flag, takeValue(), true);
        break;
      default:
        throw new Error(`unknown flag ${arg}\n${HELP}`);
    }
  }
  return options;
}

export const selected = (options: BenchOptions, id: CaseId): boolean => options.only.length === 0 || options.only.includes(id);
