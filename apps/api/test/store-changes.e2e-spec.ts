import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Client } from 'pg';
import { createPostgresDatabase, EphemeralDatabase, waitFor } from '@dbferry/testing';
import { serverEvents } from '@dbferry/api-client';
import { ApiHarness, saveConnection, startApi } from './harness';

/**
 * The run and diff event streams hear a committed change at once (the control store's triggers
 * notify, the API LISTENs). The streams' own re-read is set to a minute here, so every event the
 * tests wait for within seconds can only have come from a notification. No worker runs: the tests
 * move the rows themselves, as any process writing the control store would.
 */
describe('event streams driven by the control store’s change notifications (e2e)', () => {
  let api: ApiHarness;
  let token: string;
  let base: string;
  let store: Client;
  let left: EphemeralDatabase;
  let right: EphemeralDatabase;
  let jobId: string;
  let leftId: string;
  let rightId: string;

  beforeAll(async () => {
    api = await startApi({ STREAM_POLL_MS: '60000' });
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.http.address() as AddressInfo).port}`;
    token = await api.adminToken();
    left = await createPostgresDatabase('dbferry_changes_a');
    right = await createPostgresDatabase('dbferry_changes_b');
    for (const db of [left, right]) {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      await c.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
      await c.end();
    }
    leftId = await saveConnection(api, token, 'changes-a', 'postgres', left);
    rightId = await saveConnection(api, token, 'changes-b', 'postgres', right);
    const job = await request(api.http)
      .post('/api/jobs')
      .set('Authorization', `Bearer ${token}`)
      .send({ name: 'changes', sourceId: leftId, targetId: rightId, mode: 'full', writeMode: 'upsert', tables: [{ source: 'public.t' }] })
      .expect(201);
    jobId = job.body.id as string;
    store = new Client({ connectionString: api.db.url });
    await store.connect();
  }, 120_000);

  afterAll(async () => {
    await store?.end();
    await api?.close();
    await left?.drop();
    await right?.drop();
  }, 60_000);

  /** Opens a stream and collects its events as they arrive; `ended` resolves when the server closes it. */
  async function open(path: string): Promise<{ events: { status: string; [k: string]: unknown }[]; ended: Promise<void> }> {
    // node:http without an agent: the socket closes with the stream (fetch's pool would keep it open after the test).
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      get(`${base}${path}`, { agent: false, headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } }, resolve).on('error', reject),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    const events: { status: string; [k: string]: unknown }[] = [];
    const ended = (async () => {
      for await (const message of serverEvents(res)) events.push(JSON.parse(message.data));
    })();
    return { events, ended };
  }

  /** `promise`, or a failure saying `what` after `ms` (its timer cleared either way). */
  async function within(promise: Promise<void>, ms: number, what: () => string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(what())), ms)))]);
    } finally {
      clearTimeout(timer);
    }
  }

  const statuses = (events: { status: string }[]) => events.map((e) => e.status);

  it('sends a run’s changes at their commit and ends with its final status, though it re-reads only every minute', async () => {
    const { runId } = (await request(api.http).post(`/api/jobs/${jobId}/run`).set('Authorization', `Bearer ${token}`).expect(202)).body as { runId: string };
    const stream = await open(`/api/runs/${runId}/stream`);
    await waitFor(async () => stream.events.length === 1, 5_000, 'the first event');
    expect(stream.events[0]).toMatchObject({ id: runId, status: 'queued' });

    await store.query(`UPDATE run SET status = 'running', started_at = now() WHERE id = $1`, [runId]);
    await waitFor(async () => stream.events.length === 2, 5_000, 'the running event');
    expect(stream.events[1]).toMatchObject({ id: runId, status: 'running' });

    // Two changes in one transaction: heard once, at the commit, as the run then is.
    await store.query('BEGIN');
    await store.query(`UPDATE run SET rows_read = 7, rows_written = 7 WHERE id = $1`, [runId]);
    await store.query(`UPDATE run SET status = 'succeeded', finished_at = now() WHERE id = $1`, [runId]);
    await new Promise((r) => setTimeout(r, 300));
    expect(stream.events).toHaveLength(2); // nothing before the commit
    await store.query('COMMIT');
    await within(stream.ended, 5_000, () => `the stream did not end: ${JSON.stringify(statuses(stream.events))}`);
    expect(statuses(stream.events)).toEqual(['queued', 'running', 'succeeded']);
    expect(stream.events[2]).toMatchObject({ rowsWritten: 7 });
  }, 60_000);

  it('hears again after its LISTEN connection is killed, saying so in the log', async () => {
    const { runId } = (await request(api.http).post(`/api/jobs/${jobId}/run`).set('Authorization', `Bearer ${token}`).expect(202)).body as { runId: string };
    const stream = await open(`/api/runs/${runId}/stream`);
    await waitFor(async () => stream.events.length === 1, 5_000, 'the first event');
    const killed = await store.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dbferry-api (changes)' AND datname = current_database()`);
    expect(killed.rowCount).toBe(1);
    await waitFor(async () => /not hearing run and diff changes/.test(api.logs.text), 5_000, 'the warning');
    await waitFor(async () => (await store.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'dbferry-api (changes)' AND datname = current_database() AND query ~ 'LISTEN'`)).rowCount === 1, 10_000, 'the feed back');
    await store.query(`UPDATE run SET status = 'cancelled', finished_at = now() WHERE id = $1`, [runId]);
    await within(stream.ended, 5_000, () => 'the stream did not end after the reconnect');
    expect(statuses(stream.events)).toEqual(['queued', 'cancelled']);
  }, 60_000);

  it('sends a diff’s end at its commit', async () => {
    const { diffId } = (
      await request(api.http)
        .post('/api/diffs')
        .set('Authorization', `Bearer ${token}`)
        .send({ referenceId: leftId, otherIds: [rightId], tables: [{ reference: 'public.t' }] })
        .expect(202)
    ).body as { diffId: string };
    const stream = await open(`/api/diffs/${diffId}/stream`);
    await waitFor(async () => stream.events.length === 1, 5_000, 'the first event');
    expect(stream.events[0]).toMatchObject({ id: diffId, status: 'queued' });
    await store.query(`UPDATE diff SET status = 'failed', error = 'stopped by the test', finished_at = now() WHERE id = $1`, [diffId]);
    await within(stream.ended, 5_000, () => 'the diff stream did not end');
    expect(stream.events.at(-1)).toMatchObject({ id: diffId, status: 'failed', error: 'stopped by the test' });
  }, 60_000);
});
