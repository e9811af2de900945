/**
 * The baselines, each run on the same data as the dbferry copy it is compared with, into a
 * pre-created empty target of the same shape (creating it is not timed; it takes milliseconds):
 * - psql binary COPY pipe:  psql \copy (SELECT …) TO STDOUT (FORMAT binary) | psql \copy … FROM STDIN (FORMAT binary)
 * - mysqldump | mysql:       mysqldump --no-create-info --single-transaction src orders | mysql dst
 * - LOAD DATA pipe:          psql \copy (SELECT …) TO STDOUT (FORMAT csv) | mysql -e "LOAD DATA LOCAL INFILE '/dev/stdin' …"
 * - pgloader:                pgloader <load file> (MariaDB → PostgreSQL, data only, into the pre-created table)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, pipe, run } from './processes';
import type { ServerInfo } from './servers';
import { mysqlArgs, mysqlEnv, pgEnv, pgUrl, mysqlUrl, psqlArgs } from './servers';

export interface PgTable {
  database: string;
  /** Qualified, e.g. public.orders. */
  table: string;
}

/** PostgreSQL → PostgreSQL with psql's binary COPY on both ends. */
export function psqlBinaryPipe(pg: ServerInfo, from: PgTable, columns: readonly string[], to: PgTable): Promise<void> {
  const list = columns.join(', ');
  return pipe(
    { cmd: 'psql', args: [...psqlArgs(pg, from.database), '-c', `\\copy (SELECT ${list} FROM ${from.table}) TO STDOUT (FORMAT binary)`], env: pgEnv(pg) },
    { cmd: 'psql', args: [...psqlArgs(pg, to.database), '-c', `\\copy ${to.table} (${list}) FROM STDIN (FORMAT binary)`], env: pgEnv(pg) },
  );
}

/** MariaDB → MariaDB: mysqldump's extended INSERTs replayed by the mysql client into another database. */
export function mysqldumpPipe(mysql: ServerInfo, fromDatabase: string, table: string, toDatabase: string): Promise<void> {
  return pipe(
    {
      cmd: 'mysqldump',
      args: [...mysqlArgs(mysql), '--no-create-info', '--skip-triggers', '--single-transaction', '--default-character-set=utf8mb4', fromDatabase, table],
      env: mysqlEnv(mysql),
    },
    { cmd: 'mysql', args: [...mysqlArgs(mysql), '--default-character-set=utf8mb4', toDatabase], env: mysqlEnv(mysql) },
  );
}

/**
 * PostgreSQL → MariaDB: psql's CSV (NULL written as the bare word NULL, booleans as 0/1) into
 * LOAD DATA LOCAL INFILE '/dev/stdin'. Needs local_infile on the server and the client.
 */
export function loadDataPipe(
  pg: ServerInfo,
  from: PgTable,
  selectList: readonly string[],
  mysql: ServerInfo,
  toDatabase: string,
  toTable: string,
  columns: readonly string[],
): Promise<void> {
  const load =
    `LOAD DATA LOCAL INFILE '/dev/stdin' INTO TABLE ${toTable} CHARACTER SET utf8mb4 ` +
    `FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '' LINES TERMINATED BY '\\n' (${columns.join(', ')})`;
  return pipe(
    { cmd: 'psql', args: [...psqlArgs(pg, from.database), '-c', `\\copy (SELECT ${selectList.join(', ')} FROM ${from.table}) TO STDOUT (FORMAT csv, NULL 'NULL')`], env: pgEnv(pg) },
    { cmd: 'mysql', args: [...mysqlArgs(mysql), '--local-infile=1', '--default-character-set=utf8mb4', toDatabase, '-e', load], env: mysqlEnv(mysql) },
  );
}

/** Whether pgloader can run here; tries `apt-get install pgloader` once when it is missing and we are root. */
export async function ensurePgloader(log: (line: string) => void): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (await hasCommand('pgloader')) return { ok: true };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'pgloader is not installed and this is not root (apt-get install pgloader)' };
  if (!(await hasCommand('apt-get'))) return { ok: false, reason: 'pgloader is not installed and there is no apt-get' };
  log('  pgloader missing: apt-get update && apt-get install -y pgloader');
  try {
    await run({ cmd: 'apt-get', args: ['update'] });
    await run({ cmd: 'apt-get', args: ['install', '-y', 'pgloader'], env: { DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (error) {
    return { ok: false, reason: `apt-get install pgloader failed: ${(error as Error).message.slice(0, 300)}` };
  }
  return (await hasCommand('pgloader')) ? { ok: true } : { ok: false, reason: 'apt-get ran but pgloader is still not on PATH' };
}

/**
 * MariaDB → PostgreSQL with pgloader, data only, into `public.<table>` of `toDatabase` (the
 * MySQL database's schema renamed to public), with pgloader's default workers and batches.
 */
export async function pgloaderCopy(mysql: ServerInfo, fromDatabase: string, table: string, pg: ServerInfo, toDatabase: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'dbferry-bench-'));
  try {
    const file = join(dir, 'bench.load');
    await writeFile(
      file,
      [
        'LOAD DATABASE',
        `  FROM ${mysqlUrl(mysql, fromDatabase)}`,
        `  INTO ${pgUrl(pg, toDatabase).replace(/^postgres:/, 'postgresql:')}`,
        'WITH data only, truncate',
        `INCLUDING ONLY TABLE NAMES MATCHING '${table}'`,
        `ALTER SCHEMA '${fromDatabase}' RENAME TO 'public';`,
        '',
      ].join('\n'),
    );
    const output = await run({ cmd: 'pgloader', args: ['--quiet', '--on-error-stop', file] });
    if (/\bERROR\b/.test(output)) throw new Error(`pgloader reported errors: ${output.slice(0, 2000)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
