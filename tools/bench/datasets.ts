/**
 * The benchmark's data sets, generated server-side in fresh databases (dbferry_bench_*) that
 * the run creates first and drops at the end:
 * - `orders`: mixed types (bigint key, int, numeric(12,2), varchar, ~50-char text with some
 *   non-ASCII, timestamp(6), boolean, a small JSON document), the same rows in PostgreSQL
 *   (generate_series) and MariaDB (the Sequence engine's seq_1_to_N);
 * - `events`: narrow rows (bigint key, int, timestamp) in PostgreSQL.
 */
import type { ServerInfo } from './servers';
import { withMysql, withPg } from './servers';

/**
 * The bench's databases are named `<prefix>_src`, `_dst`, `_pgloader` (and `_control`, see e2e.ts);
 * BENCH_DB_PREFIX gives a run its own set, so two benches on one server never drop each other's.
 */
export const BENCH_DB_PREFIX = benchPrefix(process.env['BENCH_DB_PREFIX'] ?? 'dbferry_bench');

function benchPrefix(text: string): string {
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(text)) throw new Error(`BENCH_DB_PREFIX must be a lower-case identifier of up to 41 characters, got "${text}"`);
  return text;
}

export const BENCH_DATABASES = { src: `${BENCH_DB_PREFIX}_src`, dst: `${BENCH_DB_PREFIX}_dst`, pgloader: `${BENCH_DB_PREFIX}_pgloader` } as const;

export const ORDERS_ROWS = 1_000_000;
export const EVENTS_ROWS = 5_000_000;

export const ORDERS_COLUMNS = ['id', 'customer', 'amount', 'status', 'note', 'created_at', 'paid', 'doc'] as const;
export const EVENTS_COLUMNS = ['id', 'kind', 'at'] as const;

export const pgOrdersDdl = (table: string): string => `CREATE TABLE ${table} (
  id bigint PRIMARY KEY,
  customer integer NOT NULL,
  amount numeric(12,2) NOT NULL,
  status varchar(40) NOT NULL,
  note text,
  created_at timestamp(6) NOT NULL,
  paid boolean NOT NULL,
  doc jsonb
)`;

export const pgEventsDdl = (table: string): string => `CREATE TABLE ${table} (
  id bigint PRIMARY KEY,
  kind integer NOT NULL,
  at timestamp(6) NOT NULL
)`;

export const mysqlOrdersDdl = (table: string): string => `CREATE TABLE ${table} (
  id bigint NOT NULL PRIMARY KEY,
  customer int NOT NULL,
  amount decimal(12,2) NOT NULL,
  status varchar(40) NOT NULL,
  note text,
  created_at datetime(6) NOT NULL,
  paid boolean NOT NULL,
  doc json
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;

/** The same rows on both servers: every value is a function of the key g. */
const pgOrdersInsert = (rows: number): string => `INSERT INTO public.orders
SELECT g,
  (g * 7919) % 100000,
  ((g * 104729) % 10000000) / 100.0,
  (ARRAY['new', 'paid', 'shipped', 'cancelled', 'refunded'])[1 + g % 5],
  CASE WHEN g % 20 = 0 THEN NULL ELSE 'order ' || g || ' café ü 東京 ✓ ' || left(md5(g::text), 24) END,
  timestamp '2024-01-01' + g * interval '1 second' + (g % 999983) * interval '1 microsecond',
  g % 3 = 0,
  CASE WHEN g % 10 = 0 THEN NULL ELSE jsonb_build_object('sku', 'S' || (g % 5000), 'qty', g % 9 + 1, 'gift', g % 2) END
FROM generate_series(1::bigint, ${rows}) AS g`;

const mysqlOrdersInsert = (rows: number): string => `INSERT INTO orders
SELECT seq,
  (seq * 7919) % 100000,
  CAST(((seq * 104729) % 10000000) / 100 AS DECIMAL(12,2)),
  ELT(1 + seq % 5, 'new', 'paid', 'shipped', 'cancelled', 'refunded'),
  IF(seq % 20 = 0, NULL, CONCAT('order ', seq, ' café ü 東京 ✓ ', LEFT(MD5(seq), 24))),
  TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL (seq % 999983) MICROSECOND,
  seq % 3 = 0,
  IF(seq % 10 = 0, NULL, JSON_OBJECT('sku', CONCAT('S', seq % 5000), 'qty', seq % 9 + 1, 'gift', seq % 2))
FROM seq_1_to_${rows}`;

const pgEventsInsert = (rows: number): string => `INSERT INTO public.events
SELECT g, g % 20, timestamp '2024-01-01' + g * interval '10 milliseconds' + (g % 1000) * interval '1 microsecond'
FROM generate_series(1::bigint, ${rows}) AS g`;

export interface DataSetNeeds {
  pgOrders: boolean;
  mysqlOrders: boolean;
  pgEvents: boolean;
}

export interface DataSetSizes {
  orders: number;
  events: number;
}

export const scaledSizes = (scale: number): DataSetSizes => ({
  orders: Math.max(1, Math.round(ORDERS_ROWS * scale)),
  events: Math.max(1, Math.round(EVENTS_ROWS * scale)),
});

export async function dropDatabases(pg: ServerInfo, mysql: ServerInfo): Promise<void> {
  await withPg(pg, 'postgres', async (client) => {
    for (const db of Object.values(BENCH_DATABASES)) await client.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  });
  await withMysql(mysql, async (connection) => {
    for (const db of [BENCH_DATABASES.src, BENCH_DATABASES.dst]) await connection.query(`DROP DATABASE IF EXISTS ${db}`);
  });
}

/** Creates the databases afresh and generates the needed data sets; logs each step's time. */
export async function buildDataSets(pg: ServerInfo, mysql: ServerInfo, needs: DataSetNeeds, sizes: DataSetSizes, log: (line: string) => void): Promise<void> {
  await dropDatabases(pg, mysql);
  await withPg(pg, 'postgres', async (client) => {
    for (const db of Object.values(BENCH_DATABASES)) await client.query(`CREATE DATABASE ${db}`);
  });
  await withMysql(mysql, async (connection) => {
    for (const db of [BENCH_DATABASES.src, BENCH_DATABASES.dst]) await connection.query(`CREATE DATABASE ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  });
  const timed = async (label: string, work: () => Promise<void>): Promise<void> => {
    const started = performance.now();
    await work();
    log(`  built ${label} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  if (needs.pgOrders || needs.pgEvents) {
    await withPg(pg, BENCH_DATABASES.src, async (client) => {
      if (needs.pgOrders) {
        await timed(`PostgreSQL orders (${sizes.orders} rows)`, async () => {
          await client.query(pgOrdersDdl('public.orders'));
          await client.query(pgOrdersInsert(sizes.orders));
          // Sets hint bits and statistics now, so no case pays for the first read of fresh rows.
          await client.query('VACUUM (FREEZE, ANALYZE) public.orders');
        });
      }
      if (needs.pgEvents) {
        await timed(`PostgreSQL events (${sizes.events} rows)`, async () => {
          await client.query(pgEventsDdl('public.events'));
          await client.query(pgEventsInsert(sizes.events));
          await client.query('VACUUM (FREEZE, ANALYZE) public.events');
        });
      }
    });
  }
  if (needs.mysqlOrders) {
    await withMysql(mysql, async (connection) => {
      await timed(`MariaDB orders (${sizes.orders} rows)`, async () => {
        await connection.query(`USE ${BENCH_DATABASES.src}`);
        await connection.query(mysqlOrdersDdl('orders'));
        await connection.query(mysqlOrdersInsert(sizes.orders));
        await connection.query('ANALYZE TABLE orders');
      });
    });
  }
}
