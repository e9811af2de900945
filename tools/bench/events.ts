/**
 * `npm run bench -- --only=events` (issue 14 item 5): signed batches of 100 upstream events over
 * loopback through the real API into the inbox, then drained by one real worker into a PostgreSQL
 * target. Three phases on one control store:
 *  - accept: the worker not started, `events` events POSTed by `parallel` clients: events/s
 *    accepted durably (each 202 is answered after the inbox INSERT committed) and the per-request
 *    latency percentiles;
 *  - drain: the worker started on that inbox: events/s applied, from its start until none is left
 *    received (each event one target transaction, in entity order);
 *  - mixed: as many events again with the worker running: both rates under contention.
 * It checks every event was accepted (no duplicates, no errors), every one settled applied, and the
 * target holds each entity at its newest version.
 * Run alone: `node -r ./tools/register.js tools/bench/events.ts [events] [parallel]`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { deleteRedisPrefix } from '@dbferry/testing';
import { buildWorker, type Service, startService } from './services';
import { pgServer, pgUrl, type ServerInfo, withPg } from './servers';

const CONTROL = 'dbferry_bench_events_control';
const TARGET = 'dbferry_bench_events_target';
const SECRET = randomBytes(24).toString('hex');
const BATCH = 100;
const ENTITIES = 20_000;
/** How long a drain is watched: past it, the rate is what was applied in the window (the inbox not drained). */
const DRAIN_WINDOW_MS = Number(process.env['BENCH_EVENTS_DRAIN_WINDOW_S'] ?? 120) * 1000;

export interface EventsBenchInput {
  pg: ServerInfo;
  redisUrl: string;
  /** Events per phase (sent in batches of 100). */
  events: number;
  /** Requests in flight at once. */
  parallel: number;
  keep: boolean;
  log: (line: string) => void;
}

export interface PhaseResult {
  events: number;
  acceptSeconds: number;
  acceptedPerSecond: number;
  /** Per-request (100 events) latency percentiles until the 202, ms. */
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** From the drain's start (worker started, or the first POST in the mixed phase) until none is received. */
  drainSeconds: number;
  appliedPerSecond: number;
  /** Whether every event was applied within the drain window. */
  drained: boolean;
}

export interface EventsBenchResult {
  batch: number;
  parallel: number;
  accept: PhaseResult;
  mixed: PhaseResult;
  /** Inbox counts at the end, and whether the target holds every entity at its newest version. */
  inbox: Record<string, number>;
  consistent: boolean;
  error?: string;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;

export async function runEventsBench(input: EventsBenchInput): Promise<EventsBenchResult> {
  const { pg, log } = input;
  const prefix = `dbfbench_ev_${randomBytes(4).toString('hex')}`;
  let api: Service | undefined;
  let worker: Service | undefined;
  const result: EventsBenchResult = { batch: BATCH, parallel: input.parallel, accept: emptyPhase(), mixed: emptyPhase(), inbox: {}, consistent: false };
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: pgUrl(pg, CONTROL),
    REDIS_URL: input.redisUrl,
    QUEUE_PREFIX: prefix,
    JWT_SECRET: randomBytes(48).toString('base64'),
    JWT_EXPIRES_IN: '12h',
    SECRETS_KEY: `b1:${randomBytes(32).toString('base64')}`,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: `bench-${randomBytes(12).toString('hex')}`,
    DB_HOSTS_ALLOW: [...new Set([pg.host, '127.0.0.0/8', '::1', 'localhost'])].join(','),
    SQLITE_ROOT: resolve('tmp'),
    LOG_FORMAT: 'json',
    WORKER_CONCURRENCY: '4',
    WORKER_SHUTDOWN_TIMEOUT: '10000',
  };
  const control = <T>(sql: string, params: unknown[] = []) => withPg(pg, CONTROL, async (c) => (await c.query(sql, params)).rows as T[]);
  try {
    await withPg(pg, 'postgres', async (c) => {
      for (const db of [CONTROL, TARGET]) {
        await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${db}`);
      }
    });
    await withPg(pg, TARGET, (c) => c.query(`CREATE TABLE models (id varchar(64) PRIMARY KEY, name text NOT NULL, price numeric(12,2), tags jsonb, version bigint NOT NULL)`));
    api = await startService({ label: 'api', script: 'apps/api/src/main.ts', portVariable: 'PORT', env: { ...env, LOG_LEVEL: 'warn' } });
    await api.ready('/health/ready');
    const call = async <T>(method: string, path: string, body: unknown, token?: string): Promise<T> => {
      const res = await fetch(`${api?.url}${path}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
      return JSON.parse(text) as T;
    };
    const first = (await call<{ accessToken: string }>('POST', '/api/auth/login', { username: 'admin', password: env.ADMIN_PASSWORD })).accessToken;
    await call('POST', '/api/auth/password', { currentPassword: env.ADMIN_PASSWORD, newPassword: `${env.ADMIN_PASSWORD}-changed` }, first);
    const token = (await call<{ accessToken: string }>('POST', '/api/auth/login', { username: 'admin', password: `${env.ADMIN_PASSWORD}-changed` })).accessToken;
    const connection = await call<{ id: string }>('POST', '/api/connections', { name: 'events-target', dialect: 'postgres', url: pgUrl(pg, TARGET) }, token);
    await call('POST', '/api/event-sources', { name: 'bench', secret: SECRET, mappings: [{ entityType: 'model', connectionId: connection.id, table: 'public.models', keyColumn: 'id', versionColumn: 'version', fields: { name: 'payload.name', price: 'payload.price', tags: 'payload.tags' } }] }, token);
    log(`  events: api ${api.url}, control store ${CONTROL}, target ${TARGET}, ${input.events} events per phase in batches of ${BATCH}, ${input.parallel} in flight`);

    let sequence = 0;
    /** Sends `events` events in batches of 100 from `parallel` clients; returns the wall time and each request's latency. */
    const send = async (events: number) => {
      const batches = Math.ceil(events / BATCH);
      const latencies: number[] = [];
      let next = 0;
      const started = performance.now();
      const client = async () => {
        for (;;) {
          const b = next++;
          if (b >= batches) return;
          const body = JSON.stringify(
            Array.from({ length: Math.min(BATCH, events - b * BATCH) }, () => {
              const n = sequence++;
              return {
                eventId: `bench-${n}`,
                eventType: 'UPDATED',
                entityType: 'model',
                entityId: `m-${n % ENTITIES}`,
                version: Math.floor(n / ENTITIES) + 1,
                timestamp: new Date().toISOString(),
                payload: { name: `model ${n}`, price: ((n % 10_000) / 100).toFixed(2), tags: { tier: n % 3, region: 'eu' } },
              };
            }),
          );
          const ts = String(Math.floor(Date.now() / 1000));
          const signature = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`;
          const t0 = performance.now();
          const res = await fetch(`${api?.url}/api/events/bench`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dbferry-timestamp': ts, 'x-dbferry-signature': signature }, body });
          const text = await res.text();
          latencies.push(performance.now() - t0);
          if (res.status !== 202) throw new Error(`POST /api/events/bench answered ${res.status}: ${text.slice(0, 300)}`);
          const answer = JSON.parse(text) as { accepted: number; duplicates: number };
          if (answer.duplicates !== 0) throw new Error(`a batch of new events answered ${answer.duplicates} duplicates`);
        }
      };
      await Promise.all(Array.from({ length: input.parallel }, client));
      return { seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b) };
    };
    const settledCount = async () => (await control<{ n: number }>(`SELECT count(*)::int AS n FROM event_inbox WHERE status <> 'received'`))[0].n;
    /** Watches the drain from `since` (settled events then: `before`) until none is received or the window ends. */
    const drained = async (since: number, before: number) => {
      const deadline = since + DRAIN_WINDOW_MS;
      for (;;) {
        const [{ n }] = await control<{ n: number }>(`SELECT count(*)::int AS n FROM event_inbox WHERE status = 'received'`);
        const now = performance.now();
        if (n === 0 || now > deadline) return { seconds: (now - since) / 1000, applied: (await settledCount()) - before, drained: n === 0 };
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const phase = (events: number, sent: { seconds: number; latencies: number[] }, drain: { seconds: number; applied: number; drained: boolean }): PhaseResult => ({
      events,
      acceptSeconds: sent.seconds,
      acceptedPerSecond: events / sent.seconds,
      latencyMs: { p50: percentile(sent.latencies, 0.5), p95: percentile(sent.latencies, 0.95), p99: percentile(sent.latencies, 0.99), max: sent.latencies.at(-1) ?? 0 },
      drainSeconds: drain.seconds,
      appliedPerSecond: drain.applied / drain.seconds,
      drained: drain.drained,
    });

    // Warm-up (JIT, pools): 20 batches, drained later with the rest.
    await send(2_000);
    log('  events: accept phase (no worker)');
    const accepted = await send(input.events);
    const script = await buildWorker(log);
    worker = await startService({ label: 'worker', script, portVariable: 'WORKER_PORT', env: { ...env, LOG_LEVEL: 'warn' } });
    await worker.ready('/health');
    log('  events: drain phase (one worker)');
    // The warm-up's events drain in the same window (applied counts every settled event).
    result.accept = phase(input.events, accepted, await drained(performance.now(), 0));
    log(`  events: accept ${result.accept.acceptedPerSecond.toFixed(0)}/s (p99 ${result.accept.latencyMs.p99.toFixed(1)} ms), drain ${result.accept.appliedPerSecond.toFixed(0)}/s${result.accept.drained ? '' : ` (not drained in ${DRAIN_WINDOW_MS / 1000} s)`}`);
    if (!result.accept.drained) throw new Error(`the inbox was not drained within ${DRAIN_WINDOW_MS / 1000} s: ${result.accept.appliedPerSecond.toFixed(0)} events/s applied; the mixed phase and the check are left out`);
    log('  events: mixed phase (worker running)');
    const before = await settledCount();
    const mixedStart = performance.now();
    const mixedSent = await send(input.events);
    result.mixed = phase(input.events, mixedSent, await drained(mixedStart, before));
    log(`  events: mixed accept ${result.mixed.acceptedPerSecond.toFixed(0)}/s (p99 ${result.mixed.latencyMs.p99.toFixed(1)} ms), applied ${result.mixed.appliedPerSecond.toFixed(0)}/s from the first POST`);

    for (const r of await control<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM event_inbox GROUP BY status`)) result.inbox[r.status] = r.n;
    // Each entity at its newest version: the last event sent for it.
    const total = sequence;
    const rows = await withPg(pg, TARGET, async (c) => (await c.query(`SELECT id, version, name FROM models`)).rows as { id: string; version: string; name: string }[]);
    const wrong = rows.filter((r) => {
      const k = Number(r.id.slice(2));
      const last = k + Math.floor((total - 1 - k) / ENTITIES) * ENTITIES;
      return Number(r.version) !== Math.floor(last / ENTITIES) + 1 || r.name !== `model ${last}`;
    });
    result.consistent = rows.length === Math.min(ENTITIES, total) && wrong.length === 0 && (result.inbox.applied ?? 0) === total;
    if (!result.consistent) result.error = `target not as sent: ${rows.length} rows, ${wrong.length} not at their newest version, inbox ${JSON.stringify(result.inbox)}`;
  } catch (error) {
    result.error = `${(error as Error).message}${api ? `\napi: ${api.output().slice(-1500)}` : ''}${worker ? `\nworker: ${worker.output().slice(-1500)}` : ''}`;
  } finally {
    await worker?.stop();
    await api?.stop();
    if (!input.keep) await withPg(pg, 'postgres', async (c) => {
      for (const db of [CONTROL, TARGET]) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    }).catch(() => undefined);
    await deleteRedisPrefix(prefix, input.redisUrl).catch(() => undefined);
  }
  return result;
}

function emptyPhase(): PhaseResult {
  return { events: 0, acceptSeconds: 0, acceptedPerSecond: 0, latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 }, drainSeconds: 0, appliedPerSecond: 0, drained: false };
}

export function formatEventsReport(r: EventsBenchResult): string {
  const line = (name: string, p: PhaseResult) =>
    `${name.padEnd(22)} ${p.acceptedPerSecond.toFixed(0).padStart(8)}/s   p50 ${p.latencyMs.p50.toFixed(1)} ms  p95 ${p.latencyMs.p95.toFixed(1)} ms  p99 ${p.latencyMs.p99.toFixed(1)} ms  max ${p.latencyMs.max.toFixed(1)} ms   applied ${p.appliedPerSecond.toFixed(0)}/s (${p.drainSeconds.toFixed(1)} s${p.drained ? '' : ', not drained'})`;
  return [
    `upstream events (batches of ${r.batch}, ${r.parallel} in flight; target ≥ 5000/s accepted, drained at least as fast)`,
    line('accept, then drain', r.accept),
    line('mixed (worker running)', r.mixed),
    `inbox ${JSON.stringify(r.inbox)}, target consistent: ${r.consistent}${r.error ? `\nerror: ${r.error}` : ''}`,
  ].join('\n');
}

if (require.main === module) {
  const events = Number(process.argv[2] ?? 20_000);
  const parallel = Number(process.argv[3] ?? 8);
  const pg = pgServer(process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  void runEventsBench({ pg, redisUrl: process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379', events, parallel, keep: false, log: (l) => console.log(l) }).then((r) => {
    console.log(formatEventsReport(r));
    console.log(JSON.stringify(r, null, 2));
    if (r.error) process.exitCode = 1;
  });
}
