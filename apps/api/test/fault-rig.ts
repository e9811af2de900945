import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { parseConnectionUrl, TableRef } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase, spawnWorker, waitFor, WorkerProcess } from '@dbferry/testing';
import { ApiHarness, startApi } from './harness';

/**
 * Short BullMQ locks for fault tests: a killed worker's jobs are taken again within about
 * 8 + 2 s instead of the production minute and a half (a full sync's, on the maintenance queue:
 * one minute). Long enough that a busy worker on this two-core machine still renews its locks in
 * time (a false stall would re-run a chunk).
 */
export const FAST_STALLS = { WORKER_LOCK_DURATION: '8000', WORKER_STALLED_INTERVAL: '2000', MAINTENANCE_LOCK_DURATION: '8000', MAINTENANCE_STALLED_INTERVAL: '2000' };

export interface ChunkRow {
  id: string;
  ordinal: number;
  status: 'pending' | 'running' | 'done' | 'failed';
  attempts: number;
  rowsWritten: number;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface RunBody {
  id: string;
  status: string;
  error: string | null;
  rowsWritten: number;
  tables: { status: string; chunksDone: number; chunksTotal: number }[];
}

export type Side = { dialect: 'postgres' | 'mysql'; url: string; table: TableRef };

const ENDED = ['succeeded', 'failed', 'cancelled'];

/**
 * One API on its own control store, a PostgreSQL source database, a MariaDB and a PostgreSQL
 * target database, connections registered for the three, and the worker processes a test starts (all
 * stopped by close()).
 */
export class FaultRig {
  readonly workers: WorkerProcess[] = [];
  sourceId = '';
  /** MariaDB target. */
  targetId = '';
  /** PostgreSQL target (its own database on the same server as the source). */
  pgTargetId = '';
  private operator = '';
  private admin = '';

  private constructor(
    readonly api: ApiHarness,
    readonly pg: EphemeralDatabase,
    readonly maria: EphemeralDatabase,
    readonly pgTarget: EphemeralDatabase,
    private readonly store: Client,
  ) {}

  /** `apiEnv`: the API's own settings (e.g. FAULTS_ENABLED). */
  static async start(prefix: string, apiEnv: Record<string, string> = {}): Promise<FaultRig> {
    const api = await startApi(apiEnv);
    const pg = await createPostgresDatabase(`${prefix}_src`);
    const maria = await createMysqlDatabase(`${prefix}_dst`);
    const pgTarget = await createPostgresDatabase(`${prefix}_dst`);
    const store = new Client({ connectionString: api.db.url });
    await store.connect();
    const rig = new FaultRig(api, pg, maria, pgTarget, store);
    rig.admin = await api.adminToken();
    rig.operator = await api.tokenFor('operator');
    const pgUrl = new URL(pg.url);
    const mariaUrl = new URL(maria.url);
    rig.sourceId = await rig.connection({ name: 'pg-source', dialect: 'postgres', host: '127.0.0.1', port: Number(pgUrl.port), database: pg.name, username: 'postgres' });
    rig.targetId = await rig.connection({ name: 'maria-target', dialect: 'mysql', host: '127.0.0.1', port: Number(mariaUrl.port), database: maria.name, username: 'root' });
    rig.pgTargetId = await rig.connection({ name: 'pg-target', dialect: 'postgres', host: '127.0.0.1', port: Number(pgUrl.port), database: pgTarget.name, username: 'postgres' });
    return rig;
  }

  /** Registers a connection (as the admin) and returns its id. */
  async connection(body: object): Promise<string> {
    const res = await request(this.api.http).post('/api/connections').set('Authorization', `Bearer ${this.admin}`).send(body).expect(201);
    return res.body.id as string;
  }

  /** Runs SQL on the source database (fixtures generated server-side). */
  async source(sql: string): Promise<void> {
    const client = new Client({ connectionString: this.pg.url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** Injects a fault (as the admin; the API and the workers need FAULTS_ENABLED=true). */
  async fault(body: { connectionId: string; operation: 'connect' | 'read' | 'write'; count?: number; seconds?: number }): Promise<void> {
    await request(this.api.http).post('/api/faults').set('Authorization', `Bearer ${this.admin}`).send(body).expect(201);
  }

  async createJob(body: object): Promise<string> {
    const res = await request(this.api.http).post('/api/jobs').set(this.auth()).send({ mode: 'full', writeMode: 'upsert', ...body }).expect(201);
    return res.body.id as string;
  }

  async startRun(jobId: string): Promise<string> {
    return (await request(this.api.http).post(`/api/jobs/${jobId}/run`).set(this.auth()).expect(202)).body.runId as string;
  }

  async cancel(runId: string): Promise<void> {
    await request(this.api.http).post(`/api/runs/${runId}/cancel`).set(this.auth()).expect(202);
  }

  /** Runs a query on the PostgreSQL target database. */
  async pgTargetQuery<T extends object>(sql: string): Promise<T[]> {
    const client = new Client({ connectionString: this.pgTarget.url });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  async run(runId: string): Promise<RunBody> {
    return (await request(this.api.http).get(`/api/runs/${runId}`).set(this.auth()).expect(200)).body as RunBody;
  }

  async logs(runId: string): Promise<string[]> {
    const res = await request(this.api.http).get(`/api/runs/${runId}/logs?limit=500`).set(this.auth()).expect(200);
    return res.body.items.map((l: { message: string }) => l.message);
  }

  async waitForEnd(runId: string, timeoutMs: number): Promise<RunBody> {
    return waitFor(async () => {
      const run = await this.run(runId);
      return ENDED.includes(run.status) && run;
    }, timeoutMs, `run ${runId} to end (workers said: ${this.workerOutput()})`);
  }

  /** The run's chunks as the control store holds them, by ordinal. */
  async chunks(runId: string): Promise<ChunkRow[]> {
    const { rows } = await this.store.query<ChunkRow>(
      `SELECT c.id, c.ordinal, c.status, c.attempts, c.rows_written::int AS "rowsWritten",
              c.started_at::text AS "startedAt", c.finished_at::text AS "finishedAt"
         FROM run_chunk c JOIN run_table t ON t.id = c.run_table_id
        WHERE t.run_id = $1 ORDER BY t.ordinal, c.ordinal`,
      [runId],
    );
    return rows;
  }

  /** Polls the run's chunks until `ready` accepts them (and returns them), failing after `timeoutMs`. */
  async waitForChunks(runId: string, ready: (chunks: ChunkRow[]) => boolean, what: string, timeoutMs = 180_000): Promise<ChunkRow[]> {
    return waitFor(async () => {
      const chunks = await this.chunks(runId);
      return chunks.length > 0 && ready(chunks) && chunks;
    }, timeoutMs, `${what} (workers said: ${this.workerOutput()})`);
  }

  async spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
    const worker = await spawnWorker({ LOG_LEVEL: 'warn', ...env });
    this.workers.push(worker);
    await worker.ready();
    return worker;
  }

  workerOutput(): string {
    return this.workers.map((w, i) => `#${i}: ${w.output().slice(-600)}`).join('\n');
  }

  /** Stops every worker this rig started (between tests, so none takes the next test's jobs). */
  async stopWorkers(): Promise<void> {
    await Promise.allSettled(this.workers.splice(0).map((w) => w.stop('SIGTERM', 10_000)));
  }

  async close(): Promise<void> {
    await this.stopWorkers();
    await this.store.end().catch(() => undefined);
    await this.api?.close();
    await this.pg.drop();
    await this.maria.drop();
    await this.pgTarget.drop();
  }

  private auth() {
    return { Authorization: `Bearer ${this.operator}` };
  }
}

export const countBy = (chunks: ChunkRow[], status: ChunkRow['status']) => chunks.filter((c) => c.status === status).length;

/** A worker's `dbferry_rows_copied_total` for one direction, from its /metrics. */
export async function rowsCopied(worker: WorkerProcess, source: string, target: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
  const match = new RegExp(`dbferry_rows_copied_total\\{source_dialect="${source}",target_dialect="${target}"\\} (\\d+)`).exec(text);
  return match ? Number(match[1]) : 0;
}

async function keyCounts(side: Side, key: string): Promise<{ rows: number; keys: number }> {
  if (side.dialect === 'postgres') {
    const client = new Client({ connectionString: side.url });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS rows, count(DISTINCT "${key}")::int AS keys FROM "${side.table.schema}"."${side.table.name}"`);
      return rows[0];
    } finally {
      await client.end();
    }
  }
  const connection = await createConnection(side.url);
  try {
    const [rows] = (await connection.query(`SELECT count(*) AS n, count(DISTINCT \`${key}\`) AS d FROM \`${side.table.schema}\`.\`${side.table.name}\``)) as unknown as [{ n: number; d: number }[]];
    return { rows: Number(rows[0].n), keys: Number(rows[0].d) };
  } finally {
    await connection.end();
  }
}

/** The dialect's in-database, order-independent checksum over the table's own columns. */
async function checksum(side: Side, key: string): Promise<{ rows: number; hash: string }> {
  const session = await dialectFor(side.dialect).connect({ dialect: side.dialect, ...parseConnectionUrl(side.dialect, side.url) }, { timeoutMs: 10_000 });
  try {
    const data = session.data!;
    const described = await data.introspector.describeTable(side.table);
    if (!described) throw new Error(`${side.table.schema}.${side.table.name} not found`);
    return await data.checksummer.checksum({ table: side.table, columns: described.columns, keyColumns: [key] });
  } finally {
    await session.close();
  }
}

/** Target equals source: the same row count, no duplicate keys, the same checksum. */
export async function expectSameTable(source: Side, target: Side, expectedRows: number, key = 'id'): Promise<void> {
  const [src, dst] = await Promise.all([keyCounts(source, key), keyCounts(target, key)]);
  expect(src).toEqual({ rows: expectedRows, keys: expectedRows });
  expect(dst).toEqual({ rows: expectedRows, keys: expectedRows });
  const [a, b] = await Promise.all([checksum(source, key), checksum(target, key)]);
  expect(b).toEqual(a);
  expect(a.rows).toBe(expectedRows);
}
