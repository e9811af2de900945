import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DialectName, NeutralValue } from '@dbferry/dialects-core';
import { type LiveDatabase, openLiveDatabase } from './live-dialects';

const ROOT = join(__dirname, '..', '..', '..', '..');
const ZONES = { UTC: 0, 'America/Los_Angeles': 480, 'Asia/Kathmandu': -345 } as const;

/**
 * Temporal values read and written in a process whose TZ is UTC, Los Angeles (with DST gap and
 * overlap wall clocks) or Kathmandu (+05:45) come out the same. Each zone runs in a child
 * process (conformance.timezone-probe.ts): Jest gives a test a copy of process.env, so setting
 * TZ in the test would leave the zone where it was.
 */
const SETUP: Record<'mysql' | 'sqlite' | 'postgres', { sql: string[]; expected: NeutralValue[][] }> = {
  mysql: {
    sql: [
      'CREATE TABLE clock (id int PRIMARY KEY, d date, dt datetime(6), ts timestamp(6) NULL, t time(6)) ENGINE=InnoDB',
      `INSERT INTO clock VALUES
        (1, '1000-01-01', '1000-01-01 00:00:00', '1970-01-01 00:00:01', '-838:59:59'),
        (2, '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '838:59:59'),
        (3, '2024-03-10', '2024-03-10 02:30:00.5', '2024-03-10 10:30:00.5', '02:30:00.5'),
        (4, '2024-11-03', '2024-11-03 01:30:00.000001', '2024-11-03 08:30:00.000001', '-00:00:00.000001'),
        (5, NULL, NULL, NULL, NULL)`,
    ],
    // All six fraction digits, as MariaDB prints them; the session zone is UTC.
    expected: [
      [1, '1000-01-01', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000000+00:00', '-838:59:59.000000'],
      [2, '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999+00:00', '838:59:59.000000'],
      [3, '2024-03-10', '2024-03-10 02:30:00.500000', '2024-03-10 10:30:00.500000+00:00', '02:30:00.500000'],
      [4, '2024-11-03', '2024-11-03 01:30:00.000001', '2024-11-03 08:30:00.000001+00:00', '-00:00:00.000001'],
      [5, null, null, null, null],
    ],
  },
  sqlite: {
    sql: [
      'CREATE TABLE clock (id INTEGER PRIMARY KEY, d DATE, dt TIMESTAMP(6), ts TIMESTAMPTZ(6), t TIME(6))',
      `INSERT INTO clock VALUES
        (1, '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00:00', '00:00:00'),
        (2, '9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00:00', '23:59:59.999999'),
        (3, '2024-03-10', '2024-03-10 02:30:00.5', '2024-03-10 10:30:00.5+00:00', '02:30:00.5'),
        (4, '2024-11-03', '2024-11-03 01:30:00.000001', '2024-11-03 08:30:00.000001+00:00', '01:30:00.000001'),
        (5, NULL, NULL, NULL, NULL)`,
    ],
    expected: [
      ['1n', '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00:00', '00:00:00'],
      ['2n', '9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00:00', '23:59:59.999999'],
      ['3n', '2024-03-10', '2024-03-10 02:30:00.5', '2024-03-10 10:30:00.5+00:00', '02:30:00.5'],
      ['4n', '2024-11-03', '2024-11-03 01:30:00.000001', '2024-11-03 08:30:00.000001+00:00', '01:30:00.000001'],
      ['5n', null, null, null, null],
    ],
  },
  postgres: {
    sql: [
      'CREATE TABLE clock (id int PRIMARY KEY, d date, dt timestamp(6), ts timestamptz(6), t time(6))',
      `INSERT INTO clock VALUES
        (1, '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00', '00:00:00'),
        (2, '9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00', '23:59:59.999999'),
        (3, '2024-03-10', '2024-03-10 02:30:00.5', '2024-03-10 10:30:00.5+00', '02:30:00.5'),
        (4, '2024-11-03', '2024-11-03 01:30:00.000001', '2024-11-03 08:30:00.000001+00', '01:30:00.000001'),
        (5, NULL, NULL, NULL, NULL)`,
    ],
    expected: [
      [1, '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00:00', '00:00:00'],
      [2, '9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00:00', '23:59:59.999999'],
      [3, '2024-03-10', '2024-03-10 02:30:00.5', '2024-03-10 10:30:00.5+00:00', '02:30:00.5'],
      [4, '2024-11-03', '2024-11-03 01:30:00.000001', '2024-11-03 08:30:00.000001+00:00', '01:30:00.000001'],
      [5, null, null, null, null],
    ],
  },
};

describe.each(Object.keys(SETUP) as (keyof typeof SETUP)[])('%s values are unchanged by the process time zone', (dialect) => {
  let db: LiveDatabase;
  beforeAll(async () => {
    db = await openLiveDatabase(dialect as DialectName);
    await db.data.execute(SETUP[dialect].sql);
  }, 60_000);
  afterAll(() => db.drop());

  it.each(Object.keys(ZONES) as (keyof typeof ZONES)[])('under TZ=%s (child process)', async (tz) => {
    // The probe opens its own session: SQLite's file is shared, the servers' databases too.
    const table = { schema: db.schema, name: 'clock' };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', './tools/register.js', 'libs/dialects/conformance/src/conformance.timezone-probe.ts', JSON.stringify(db.spec), JSON.stringify(table)],
      { cwd: ROOT, env: { ...process.env, TZ: tz }, maxBuffer: 1 << 20, timeout: 60_000 },
    );
    await db.data.execute([`DROP TABLE ${db.data.ddl.qualify({ ...table, name: 'clock_copy' })}`]);
    const report = JSON.parse(stdout.trim().split('\n').pop() as string) as { offset: number; rows: unknown; copied: unknown; checksums: unknown[] };
    expect(report.offset).toBe(ZONES[tz]);
    expect(report.rows).toEqual(SETUP[dialect].expected);
    expect(report.copied).toEqual(SETUP[dialect].expected);
    expect(report.checksums[1]).toEqual(report.checksums[0]);
  }, 90_000);
});
