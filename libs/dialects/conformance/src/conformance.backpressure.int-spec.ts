import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { Client } from 'pg';
import type { ConnectionSpec, RowBatch, TableRef } from '@dbferry/dialects-core';
import { type LiveDatabase, openLiveDatabase } from './live-dialects';

const ROWS = 200_000;

/**
 * A slow consumer of a reader's AsyncIterable must hold the database back instead of making the
 * reader buffer the table: while the consumer sleeps on its first batch, the server's backend
 * for that read is blocked writing to the client (its socket is full because the driver stopped
 * reading), and the process has not taken in the ~40 MB of the table.
 */
const SETUP = {
  postgres: {
    sql: [
      'CREATE TABLE slow (id bigint PRIMARY KEY, note text)',
      `INSERT INTO slow SELECT g, repeat('x', 200) || g FROM generate_series(1, ${ROWS}) g`,
    ],
    // The backend of the read waits on its socket: ClientWrite.
    blocked: `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'ClientWrite'`,
  },
  mysql: {
    sql: [
      'CREATE TABLE slow (id bigint PRIMARY KEY, note text) ENGINE=InnoDB',
      `INSERT INTO slow SELECT seq, CONCAT(REPEAT('x', 200), seq) FROM seq_1_to_${ROWS}`,
    ],
    // The thread of the read waits on its socket: 'Writing to net'.
    blocked: `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND STATE = 'Writing to net'`,
  },
} as const;

/** One count from a catalogue query on a connection of its own. */
async function serverCount(spec: ConnectionSpec, sql: string): Promise<number> {
  const options = { host: spec.host, port: spec.port, user: spec.username, password: spec.password, database: spec.database };
  if (spec.dialect === 'postgres') {
    const client = new Client(options);
    await client.connect();
    try {
      return Number((await client.query<{ n: string }>(sql)).rows[0]?.n);
    } finally {
      await client.end();
    }
  }
  const connection = await createConnection(options);
  try {
    const [rows] = await connection.query<RowDataPacket[]>(sql);
    return Number(rows[0]?.['n']);
  } finally {
    await connection.end();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(Object.keys(SETUP) as (keyof typeof SETUP)[])('%s reader under a slow consumer', (dialect) => {
  let db: LiveDatabase;
  let table: TableRef;
  beforeAll(async () => {
    db = await openLiveDatabase(dialect);
    table = { schema: db.schema, name: 'slow' };
    await db.data.execute([...SETUP[dialect].sql]);
  }, 120_000);
  afterAll(() => db.drop());

  it(`stops pulling rows from the server while the consumer waits, reading ${ROWS.toLocaleString('en')} rows in the end`, async () => {
    const schema = (await db.data.introspector.describeTable(table))!;
    const iterator = db.data.reader.read({ table, columns: schema.columns, keyColumns: ['id'], batchSize: 1000 })[Symbol.asyncIterator]();
    const rss = () => process.memoryUsage().rss;
    let rows = 0;
    let batches = 0;
    let held = 0;
    let grown = 0;
    try {
      const first = await iterator.next();
      // At most batchSize rows, fewer when READ_BATCH_BYTES ends the batch first.
      rows = (first.value as RowBatch).rows.length;
      batches = 1;
      expect(rows > 0 && rows <= 1000).toBe(true);
      const before = rss();
      await sleep(1500);
      held = await serverCount(db.spec, SETUP[dialect].blocked);
      grown = rss() - before;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        rows += next.value.rows.length;
        batches++;
      }
    } finally {
      await iterator.return?.();
    }
    expect(rows).toBe(ROWS);
    expect(batches).toBeGreaterThanOrEqual(ROWS / 1000);
    expect(held).toBe(1);
    // The whole table is ~40 MB of rows: far less came in while the consumer slept.
    expect(grown).toBeLessThan(20 * 2 ** 20);
  }, 120_000);
});
