import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { type ConsoleHarness, type ConsolePage, eventually, saveConnection, screenshot, startConsole } from './harness';

const SECRET = 'console-events-secret-0001';
const TOKEN = 'console-upstream-token-01';

/**
 * The upstream-events pages in Chromium against the real API and worker: an admin creates a
 * source with a mapping and a full sync in the form (secret and headers write-only); an operator
 * finds a failed event in the inbox by its filters and redrives it, and starts a full sync with
 * delete-missing whose run and log appear; a viewer sees neither control.
 */
describe('console: upstream events (e2e)', () => {
  let h: ConsoleHarness;
  let target: EphemeralDatabase;
  let upstream: Server;
  let upstreamUrl: string;
  const opened: ConsolePage[] = [];
  const open = async (role: 'admin' | 'operator' | 'viewer', path: string) => {
    const p = await h.signedInPage(role, path);
    opened.push(p);
    return p;
  };
  const query = async <T = Record<string, unknown>>(sql: string): Promise<T[]> => {
    const c = new Client({ connectionString: target.url });
    await c.connect();
    try {
      return (await c.query(sql)).rows as T[];
    } finally {
      await c.end();
    }
  };
  const deliver = async (events: unknown[]) => {
    const body = JSON.stringify(events);
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`${h.origin}/api/events/catalogue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dbferry-timestamp': ts, 'x-dbferry-signature': `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}` },
      body,
    });
    expect(res.status).toBe(202);
  };

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const ok = req.headers.authorization === `Bearer ${TOKEN}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? JSON.stringify({ items: [{ entityType: 'model', entityId: 'm1', version: 2, payload: { name: 'one, healed' } }], next: null }) : '');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/snapshot`;
    target = await createPostgresDatabase('dbferry_console_events');
    await query(`CREATE TABLE models (id varchar(100) PRIMARY KEY, name text NOT NULL, version bigint)`);
    h = await startConsole({ env: { EVENT_RETRY_BASE_MS: '100' } });
    await saveConnection(h, 'catalogue-target', 'postgres', target);
  }, 180_000);

  afterAll(async () => {
    for (const p of opened) await p.context.close().catch(() => undefined);
    await h?.close();
    await target?.drop();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('creates a source in the form, redrives a failed event from the inbox and runs a full sync with its log', async () => {
    const { page, problems } = await open('admin', '/event-sources');
    await page.getByRole('link', { name: 'New source' }).click();
    await page.locator('[name="name"]').fill('catalogue');
    await page.locator('[name="secret"]').fill(SECRET);
    await page.locator('[name="mappings[0].entityType"]').fill('model');
    await page.locator('[name="mappings[0].connectionId"]').selectOption({ label: 'catalogue-target' });
    await page.locator('[name="mappings[0].table"]').fill('public.models');
    await page.locator('[name="mappings[0].versionColumn"]').fill('version');
    await page.locator('[name="mappings[0].fields"]').fill('name=payload.name');
    await page.locator('[name="fullSync.url"]').fill(upstreamUrl);
    await page.locator('[name="fullSync.headers"]').fill(`Authorization: Bearer ${TOKEN}`);
    await Promise.all([page.waitForURL(/\/event-sources$/), page.getByRole('button', { name: 'Create source' }).click()]);
    const card = page.getByRole('article', { name: 'Event source catalogue' });
    await eventually(async () => expect(await card.innerText()).toContain('POST /api/events/catalogue'));
    expect(await card.innerText()).toContain('name ← payload.name');
    expect(await card.innerText()).toContain('(with stored headers)');
    expect(await page.content()).not.toContain(TOKEN);
    expect(await page.content()).not.toContain(SECRET);
    expect(problems).toEqual([]);

    // m1 applies; m2 has no name: the target's NOT NULL fails it.
    await deliver([
      { eventType: 'CREATED', entityType: 'model', entityId: 'm1', version: 1, timestamp: new Date().toISOString(), payload: { name: 'one' } },
      { eventType: 'CREATED', entityType: 'model', entityId: 'm2', version: 1, timestamp: new Date().toISOString(), payload: {} },
    ]);
    const op = await open('operator', '/events?status=failed&entityType=model');
    const row = op.page.locator('tbody tr').filter({ hasText: 'model m2' });
    await eventually(async () => expect(await row.count()).toBe(1), 60_000);
    expect(await row.innerText()).toMatch(/null|name/i);
    await screenshot(op.page, 'events-inbox');
    await query(`ALTER TABLE models ALTER name DROP NOT NULL`);
    await row.getByRole('checkbox').check();
    await op.page.getByRole('button', { name: 'Redrive chosen (1)' }).click();
    await eventually(async () => expect(await op.page.getByRole('status').innerText()).toContain('1 event(s) requeued'));
    await eventually(async () => expect(await query(`SELECT id FROM models WHERE id = 'm2'`)).toEqual([{ id: 'm2' }]), 30_000);

    // A full sync with delete-missing: m1 healed to v2, m2 (not in the snapshot) deleted.
    await op.page.goto(`${h.origin}/event-sources`);
    await op.page.getByLabel('delete rows the snapshot lacks').check();
    await op.page.getByRole('button', { name: 'Full sync catalogue' }).click();
    await eventually(async () => expect(await op.page.getByRole('status').innerText()).toContain('Full sync of catalogue queued'));
    await eventually(async () => {
      await op.page.getByRole('button', { name: 'Refresh' }).click();
      expect(await op.page.locator('tbody tr').filter({ hasText: 'manual, delete missing' }).innerText()).toContain('succeeded');
    }, 60_000);
    expect(await query(`SELECT id, name, version FROM models ORDER BY id`)).toEqual([{ id: 'm1', name: 'one, healed', version: '2' }]);
    await op.page.locator('tbody tr').filter({ hasText: 'manual, delete missing' }).click();
    const log = op.page.getByRole('article', { name: 'Full-sync log' });
    await eventually(async () => expect(await log.innerText()).toContain('applied 1, skipped 0 (older than the target), deleted 1, failed 0'));
    await screenshot(op.page, 'event-sources');
    expect(op.problems).toEqual([]);

    const viewer = await open('viewer', '/event-sources');
    await eventually(async () => expect(await viewer.page.getByRole('article', { name: 'Event source catalogue' }).count()).toBe(1));
    expect(await viewer.page.getByRole('button', { name: 'Full sync catalogue' }).count()).toBe(0);
    await viewer.page.goto(`${h.origin}/events`);
    await eventually(async () => expect(await viewer.page.locator('tbody tr').count()).toBeGreaterThan(0));
    expect(await viewer.page.getByRole('button', { name: /Redrive/ }).count()).toBe(0);
  }, 240_000);
});
