/**
 * The end-to-end cases of `npm run bench` (issue 10, item 6): a real API and ONE worker process
 * on a private control-store database and BullMQ prefix; connections and jobs are created through
 * the HTTP API, and a case is timed from `POST /api/jobs/:id/run` until the run's event stream says
 * `succeeded`. The run's own timestamps in the control store split that time into its phases.
 */
import { serverEvents } from '@dbferry/api-client';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deleteRedisPrefix } from '@dbferry/testing';
import type { DialectName } from '@dbferry/dialects-core';
import { BENCH_DB_PREFIX } from './datasets';
import type { Endpoint } from './dbferry-copy';
import { buildWorker, peakRss, type Service, startService } from './services';
import { pgUrl, type ServerInfo, withPg } from './servers';

export const CONTROL_DATABASE = `${BENCH_DB_PREFIX}_control`;

/**
 * The worker's node flags under npm start, read from package.json's start:worker:supervised (the
 * words between `-- node` and the script), so the bench measures that process and the two cannot
 * drift apart. BENCH_WORKER_NODE_ARGS (space-separated) adds flags for an experiment.
 */
export function workerNodeArgs(script: string, extra = ''): string[] {
  const words = script.trim().split(/\s+/);
  const node = words.indexOf('node', words.indexOf('--'));
  const entry = words.length - 1;
  if (node < 0 || entry <= node || !words[entry]?.endsWith('.js')) throw new Error(`start:worker:supervised is not "… -- node [flags] <script>.js": ${script}`);
  return [...words.slice(node + 1, entry), ...extra.split(/\s+/).filter(Boolean)];
}
const WORKER_NODE_ARGS = workerNodeArgs(
  (JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start:worker:supervised'] ?? '',
  process.env['BENCH_WORKER_NODE_ARGS'],
);
/**
 * BENCH_WORKER_HEAPSNAPSHOTS=<dir>: a heap snapshot of the worker after each end-to-end case (to
 * see what it retains). Writing one raises the worker's RSS, so the peaks of such a run are not the
 * figures to report.
 */
const HEAPSNAPSHOT_DIR = process.env['BENCH_WORKER_HEAPSNAPSHOTS'];

/** How long a run or a diff may take before the bench gives up on it. */
const RUN_TIMEOUT_MS = 30 * 60_000;

export interface EndToEndOptions {
  pg: ServerInfo;
  mysqlHost: string;
  redisUrl: string;
  /** WORKER_CONCURRENCY of the one worker (and CONNECTION_MAX_PARALLEL_CHUNKS). */
  concurrency: number;
  chunkRows: number;
  batchSize: number;
  /** Directory for the worker's V8 CPU profile (written when it exits); none when unset. */
  cpuProfDir?: string;
  /** Keep the control store (runs, chunks, logs) after the bench, like the other dbferry_bench_* databases. */
  keep?: boolean;
  /** FAULTS_ENABLED=true in the API and the worker (the groups section faults a member); off otherwise, as in production. */
  faults?: boolean;
  log: (line: string) => void;
}

/**
 * Where the time of one run went, in seconds, from the control store's timestamps (the same
 * clock: every process is on this machine) and the bench's own POST time.
 */
export interface RunPhases {
  /** POST until plan-run started the run (API insert, enqueue, the worker taking the job). */
  toPlan: number;
  /** plan-run: connect, introspect, DDL, split, store the chunks, enqueue the flow. */
  plan: number;
  /** From the plan's last log line to the first chunk's lease (queue hop, slot, run and job reads). */
  toFirstChunk: number;
  /** First chunk leased until the last chunk done: the copy itself (per-chunk connects and re-plans included). */
  copy: number;
  /** Last chunk done until finish-run ended the run. */
  finish: number;
  /** Run ended until the bench saw it (the event stream's delivery). */
  observed: number;
  chunks: number;
  /**
   * Inside `copy`, summed over the chunks: lease until the copy starts (connect both ends,
   * re-plan the table), i.e. the chunks' lease-to-done time less the worker's
   * dbferry_chunk_duration_seconds, which times the copy alone. Undefined without that metric.
   */
  chunkSetup?: number;
  /** Σ over the chunks of lease-to-done, to set chunkSetup against. */
  chunkTotal: number;
  /**
   * The same instants on CLOCK_MONOTONIC in µs, the clock of a V8 CPU profile's timestamps, so
   * `profile-summary.ts --from= --to=` can cut the worker's profile to one phase.
   */
  monotonicUs: { posted: number; firstChunk: number; lastChunk: number; observed: number };
}

interface Json {
  [key: string]: unknown;
}

export class EndToEnd {
  private api?: Service;
  private worker?: Service;
  private token = '';
  private readonly prefix = `dbfbench_${randomBytes(4).toString('hex')}`;
  private readonly connections = new Map<string, string>();
  private jobs = 0;
  /** The worker's VmHWM when it had started and was idle: what boot alone costs. */
  startedRss: number | null = null;

  private constructor(private readonly options: EndToEndOptions) {}

  /** Creates the control store, starts the API (which migrates it) and then one worker. */
  static async start(options: EndToEndOptions): Promise<EndToEnd> {
    const e2e = new EndToEnd(options);
    try {
      await e2e.boot();
    } catch (error) {
      await e2e.stop();
      throw error;
    }
    return e2e;
  }

  private env(): Record<string, string> {
    const { pg, mysqlHost, redisUrl, concurrency } = this.options;
    return {
      NODE_ENV: 'production',
      DATABASE_URL: pgUrl(pg, CONTROL_DATABASE),
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: this.prefix,
      JWT_SECRET: randomBytes(48).toString('base64'),
      JWT_EXPIRES_IN: '12h',
      SECRETS_KEY: `b1:${randomBytes(32).toString('base64')}`,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: `bench-${randomBytes(12).toString('hex')}`,
      DB_HOSTS_ALLOW: [...new Set([pg.host, mysqlHost, '127.0.0.0/8', '::1', 'localhost'])].join(','),
      SQLITE_ROOT: resolve('tmp'),
      LOG_FORMAT: 'json',
      WORKER_CONCURRENCY: String(concurrency),
      CONNECTION_MAX_PARALLEL_CHUNKS: String(Math.max(4, concurrency)),
      WORKER_SHUTDOWN_TIMEOUT: '10000',
      ...(this.options.faults ? { FAULTS_ENABLED: 'true' } : {}),
    };
  }

  private async boot(): Promise<void> {
    const { pg, log, cpuProfDir } = this.options;
    await withPg(pg, 'postgres', async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${CONTROL_DATABASE} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${CONTROL_DATABASE}`);
    });
    const env = this.env();
    // The API at warn: a request line per call is noise in the bench's output.
    this.api = await startService({ label: 'api', script: 'apps/api/src/main.ts', portVariable: 'PORT', env: { ...env, LOG_LEVEL: 'warn' } });
    await this.api.ready('/health/ready');
    let nodeArgs: string[] = [];
    if (cpuProfDir) {
      const dir = resolve(cpuProfDir);
      await mkdir(dir, { recursive: true });
      nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-name=worker.cpuprofile'];
    }
    if (HEAPSNAPSHOT_DIR) {
      // SIGWINCH: NestJS's shutdown hooks take SIGUSR2 (and most others) as a request to stop.
      await mkdir(resolve(HEAPSNAPSHOT_DIR), { recursive: true });
      nodeArgs.push('--heapsnapshot-signal=SIGWINCH', `--diagnostic-dir=${resolve(HEAPSNAPSHOT_DIR)}`);
    }
    log(`  worker node flags: ${[...WORKER_NODE_ARGS, ...nodeArgs].join(' ')}`);
    // Compiled, as npm start runs it: no swc at run time (its first-use compile and its memory).
    const script = await buildWorker(log);
    this.worker = await startService({ label: 'worker', script, portVariable: 'WORKER_PORT', env: { ...env, LOG_LEVEL: 'info' }, nodeArgs: [...WORKER_NODE_ARGS, ...nodeArgs] });
    await this.worker.ready('/health');
    this.token = await this.login(env['ADMIN_PASSWORD'] as string);
    this.startedRss = await peakRss(this.worker.child.pid);
    const idle = await peakRss(this.worker.child.pid, 'VmRSS');
    const started = this.startedRss && idle ? `, once started ${Math.round(this.startedRss / 1048576)} MB VmHWM, ${Math.round(idle / 1048576)} MB VmRSS` : '';
    log(`  end-to-end: api ${this.api.url}, one worker (pid ${this.worker.child.pid}, concurrency ${this.options.concurrency}${started}), control store ${CONTROL_DATABASE}, prefix ${this.prefix}`);
  }

  private async call(method: string, path: string, body?: unknown, token = this.token): Promise<Json> {
    const api = this.api;
    if (!api) throw new Error('the API is not running');
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    // A 5xx says "see the server log": the API's last lines are that log.
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}${res.status >= 500 ? `\n${api.output().slice(-1500)}` : ''}`);
    return (text ? JSON.parse(text) : {}) as Json;
  }

  /**
   * Follows a run or a diff over its event stream (GET /api/{runs,diffs}/:id/stream, as the
   * console and the CLI do) and returns it as its last event gave it, once ended. Fails when the
   * worker exits or after RUN_TIMEOUT_MS; a stream cut short is opened again.
   */
  private async follow(kind: 'runs' | 'diffs', id: string): Promise<Json> {
    const api = this.api;
    if (!api) throw new Error('the API is not running');
    const ended = (view: Json | undefined) => view !== undefined && ['succeeded', 'failed', 'cancelled'].includes(view['status'] as string);
    const abort = new AbortController();
    const deadline = setTimeout(() => abort.abort(new Error(`${kind} ${id} still not ended after ${RUN_TIMEOUT_MS / 1000} s`)), RUN_TIMEOUT_MS);
    const watchWorker = setInterval(() => {
      if (this.worker && this.worker.child.exitCode !== null) abort.abort(new Error(`the worker exited during ${kind} ${id}:\n${this.worker.output().slice(-2000)}`));
    }, 200);
    try {
      let view: Json | undefined;
      while (!ended(view)) {
        const res = await fetch(`${api.url}/api/${kind}/${id}/stream`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${this.token}` }, signal: abort.signal });
        if (!res.ok || !res.body) throw new Error(`GET /api/${kind}/${id}/stream answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
        for await (const message of serverEvents(res.body)) view = JSON.parse(message.data) as Json;
      }
      return view as Json;
    } catch (error) {
      throw abort.signal.aborted ? (abort.signal.reason as Error) : error;
    } finally {
      clearTimeout(deadline);
      clearInterval(watchWorker);
    }
  }

  /** One API call as the admin (a JSON answer); throws with the API's answer unless it is 2xx. */
  async request<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.call(method, path, body)) as T;
  }

  /** Where the API keeps SQLite members (SQLITE_ROOT). */
  get sqliteRoot(): string {
    return resolve('tmp');
  }

  /** Logs in as the admin, changing the first password as the API requires. */
  private async login(first: string): Promise<string> {
    const login = async (password: string) => (await this.call('POST', '/api/auth/login', { username: 'admin', password }, '')) as { accessToken: string };
    const initial = await login(first);
    const changed = `${first}-changed`;
    await this.call('POST', '/api/auth/password', { currentPassword: first, newPassword: changed }, initial.accessToken);
    return (await login(changed)).accessToken;
  }

  private async connection(end: Endpoint): Promise<string> {
    const key = `${end.dialect} ${end.url}`;
    const known = this.connections.get(key);
    if (known) return known;
    const created = await this.call('POST', '/api/connections', { name: `bench ${this.connections.size + 1}`, dialect: end.dialect as DialectName, url: end.url });
    this.connections.set(key, created['id'] as string);
    return created['id'] as string;
  }

  /** Untimed: the two connections (once each) and a job copying one table, as a user would make them. */
  async createJob(source: Endpoint, target: Endpoint, where?: string): Promise<string> {
    const [sourceId, targetId] = [await this.connection(source), await this.connection(target)];
    const job = await this.call('POST', '/api/jobs', {
      name: `bench ${++this.jobs} ${source.table.name} → ${target.table.name}`,
      sourceId,
      targetId,
      tables: [{ source: `${source.table.schema}.${source.table.name}`, target: `${target.table.schema}.${target.table.name}`, ...(where ? { where } : {}) }],
      mode: 'full',
      writeMode: 'insert',
      createTables: true,
      enabled: true,
      batchSize: this.options.batchSize,
      chunkRows: this.options.chunkRows,
    });
    return job['id'] as string;
  }

  /**
   * Untimed: one small run of the same route (the first keys, into `<target>_warmup`), so the
   * timed run meets the worker as a long-lived one would, its modules loaded and its code warm (a
   * fresh worker's first run of a route spent about 1 s more, most of it in the chunks' setup).
   * Returns the warm-up's target, for the caller to drop.
   */
  async warmUp(source: Endpoint, target: Endpoint): Promise<Endpoint> {
    const warm = { ...target, table: { ...target.table, name: `${target.table.name}_warmup` } };
    await this.run(await this.createJob(source, warm, 'id <= 2000'));
    return warm;
  }

  /** Timed: POST run, then follow its event stream until the run ends. Returns the seconds and the run's phases. */
  async run(jobId: string): Promise<{ seconds: number; rowsWritten: number; phases?: RunPhases; phasesError?: string }> {
    const postedAt = Date.now();
    const postedUs = Number(process.hrtime.bigint() / 1000n);
    const copySecondsBefore = await this.workerCopySeconds();
    const started = performance.now();
    const { runId } = (await this.call('POST', `/api/jobs/${jobId}/run`)) as { runId: string };
    const view = await this.follow('runs', runId);
    const seconds = (performance.now() - started) / 1000;
    const observedAt = Date.now();
    const copySecondsAfter = await this.workerCopySeconds();
    if (view['status'] !== 'succeeded') {
      const logs = (await this.call('GET', `/api/runs/${runId}/logs`).catch(() => [])) as unknown as { level: string; message: string }[];
      const last = Array.isArray(logs) ? logs.filter((l) => l.level !== 'info').slice(-3).map((l) => l.message).join(' | ') : '';
      throw new Error(`run ${runId} ${String(view['status'])}: ${String(view['error'] ?? '')}${last ? ` (${last})` : ''}`);
    }
    const rowsWritten = Number(view['rowsWritten']);
    try {
      return { seconds, rowsWritten, phases: await this.phases(runId, postedAt, postedUs, observedAt, copySecondsBefore === null || copySecondsAfter === null ? null : copySecondsAfter - copySecondsBefore) };
    } catch (error) {
      return { seconds, rowsWritten, phasesError: (error as Error).message };
    }
  }

  /** CPU seconds (user + system) the API and the worker processes (or one of them) have used so far, from /proc. */
  processCpuSeconds(which: 'both' | 'api' | 'worker' = 'both'): number {
    let ticks = 0;
    for (const pid of [which !== 'worker' && this.api?.child.pid, which !== 'api' && this.worker?.child.pid]) {
      if (!pid) continue;
      try {
        const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // exited: its CPU is no longer readable
      }
    }
    return ticks / 100;
  }

  /**
   * Timed (issue 12): POST /api/diffs of one table between two connections, then follow its
   * event stream until it ends; untimed afterwards, every differing key from GET …/rows. The
   * connections are created once (untimed) before the clock starts.
   */
  async diff(reference: Endpoint, other: Endpoint): Promise<{ seconds: number; rows: { kind: string; key: unknown[]; columns?: string[] }[] }> {
    const [referenceId, otherId] = [await this.connection(reference), await this.connection(other)];
    const name = (end: Endpoint) => `${end.table.schema}.${end.table.name}`;
    const started = performance.now();
    const { diffId } = (await this.call('POST', '/api/diffs', {
      referenceId,
      otherIds: [otherId],
      tables: [{ reference: name(reference), others: { [otherId]: name(other) } }],
    })) as { diffId: string };
    const view = await this.follow('diffs', diffId);
    const seconds = (performance.now() - started) / 1000;
    if (view['status'] !== 'succeeded') throw new Error(`diff ${diffId} ${String(view['status'])}: ${JSON.stringify(view).slice(0, 800)}`);
    const rows: { kind: string; key: unknown[]; columns?: string[] }[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = (await this.call('GET', `/api/diffs/${diffId}/rows?table=${encodeURIComponent(name(reference))}&connectionId=${otherId}&limit=500&offset=${offset}`)) as { items: { kind: string; key: unknown[]; columns?: string[] }[]; total: number };
      rows.push(...page.items);
      if (!page.items.length || rows.length >= page.total) break;
    }
    return { seconds, rows };
  }

  /** The run's phases from its timestamps (run, run_chunk, and the plan's "planned …" log line). */
  /** The worker's dbferry_chunk_duration_seconds_sum over every label: seconds its chunks spent copying. */
  private async workerCopySeconds(): Promise<number | null> {
    if (!this.worker) return null;
    const text = await fetch(`${this.worker.url}/metrics`).then((r) => (r.ok ? r.text() : ''), () => '');
    const sums = [...text.matchAll(/^dbferry_chunk_duration_seconds_sum(?:\{[^}]*\})? ([0-9.eE+-]+)$/gm)].map((m) => Number(m[1]));
    return text.includes('dbferry_chunk_duration_seconds') ? sums.reduce((a, b) => a + b, 0) : null;
  }

  private async phases(runId: string, postedAt: number, postedUs: number, observedAt: number, copySeconds: number | null): Promise<RunPhases> {
    const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
    const row = await withPg(this.options.pg, CONTROL_DATABASE, async (c) => {
      const result = await c.query<Record<string, number | null>>(
        `SELECT ${ms('r.started_at')} AS started, ${ms('r.finished_at')} AS finished,
                (SELECT ${ms('max(l.at)')} FROM run_log l WHERE l.run_id = r.id AND l.message LIKE 'planned %') AS planned,
                (SELECT ${ms('min(k.started_at)')} FROM run_chunk k JOIN run_table t ON t.id = k.run_table_id WHERE t.run_id = r.id) AS first_chunk,
                (SELECT ${ms('max(k.finished_at)')} FROM run_chunk k JOIN run_table t ON t.id = k.run_table_id WHERE t.run_id = r.id) AS last_chunk,
                (SELECT count(*)::float8 FROM run_chunk k JOIN run_table t ON t.id = k.run_table_id WHERE t.run_id = r.id) AS chunks,
                (SELECT sum(${ms('k.finished_at')} - ${ms('k.started_at')}) FROM run_chunk k JOIN run_table t ON t.id = k.run_table_id WHERE t.run_id = r.id) AS chunk_total
           FROM run r WHERE r.id = $1`,
        [runId],
      );
      return result.rows[0];
    });
    const at = (name: string): number => {
      const value = row?.[name];
      if (typeof value !== 'number') throw new Error(`the control store has no ${name} time for run ${runId}`);
      return value;
    };
    const s = (from: number, to: number) => (to - from) / 1000;
    return {
      toPlan: s(postedAt, at('started')),
      plan: s(at('started'), at('planned')),
      toFirstChunk: s(at('planned'), at('first_chunk')),
      copy: s(at('first_chunk'), at('last_chunk')),
      finish: s(at('last_chunk'), at('finished')),
      observed: s(at('finished'), observedAt),
      chunks: at('chunks'),
      chunkTotal: at('chunk_total') / 1000,
      ...(copySeconds === null ? {} : { chunkSetup: Math.max(0, at('chunk_total') / 1000 - copySeconds) }),
      monotonicUs: {
        posted: postedUs,
        firstChunk: postedUs + Math.round((at('first_chunk') - postedAt) * 1000),
        lastChunk: postedUs + Math.round((at('last_chunk') - postedAt) * 1000),
        observed: postedUs + (observedAt - postedAt) * 1000,
      },
    };
  }

  /** The worker's peak RSS since it started (VmHWM); with BENCH_WORKER_HEAPSNAPSHOTS, a heap snapshot after it is read. */
  async workerPeakRss(): Promise<number | null> {
    const peak = await peakRss(this.worker?.child.pid);
    if (HEAPSNAPSHOT_DIR && this.worker) await this.heapSnapshot(resolve(HEAPSNAPSHOT_DIR), this.worker);
    return peak;
  }

  /** Signals the worker to write a heap snapshot and waits until the new file stops growing. */
  private async heapSnapshot(dir: string, worker: Service): Promise<void> {
    const before = new Set(await readdir(dir));
    worker.child.kill('SIGWINCH');
    const deadline = Date.now() + 120_000;
    let last = -1;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      const file = (await readdir(dir)).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
      if (!file) continue;
      const size = (await stat(join(dir, file))).size;
      if (size > 0 && size === last) {
        this.options.log(`  worker heap snapshot: ${join(dir, file)} (${Math.round(size / 1048576)} MB)`);
        return;
      }
      last = size;
    }
    this.options.log('  worker heap snapshot: none written within 120 s');
  }

  /** Stops the worker (writing its CPU profile) and the API, then drops the control store (unless kept) and the queue keys. */
  async stop(): Promise<void> {
    await this.worker?.stop();
    await this.api?.stop();
    if (this.options.cpuProfDir && this.worker) this.options.log(`  worker CPU profile: ${join(resolve(this.options.cpuProfDir), 'worker.cpuprofile')}`);
    if (!this.options.keep) await withPg(this.options.pg, 'postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${CONTROL_DATABASE} WITH (FORCE)`)).catch(() => undefined);
    await deleteRedisPrefix(this.prefix, this.options.redisUrl).catch(() => undefined);
  }
}

/** The run's own overhead (queue hops, plan and split, finish: all but the copy and the stream's delivery), in seconds and as a share of the copy. */
export function overheadOf(phases: RunPhases): { seconds: number; shareOfCopy: number } {
  const seconds = phases.toPlan + phases.plan + phases.toFirstChunk + phases.finish;
  return { seconds, shareOfCopy: phases.copy > 0 ? seconds / phases.copy : 0 };
}
