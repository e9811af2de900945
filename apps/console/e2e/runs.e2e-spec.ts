import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase, waitFor } from '@dbferry/testing';
import { type ConsoleHarness, type ConsolePage, screenshot, startConsole } from './harness';

/** Enough key ranges (chunkRows 1,000) that a one-chunk-at-a-time worker takes several stream ticks. */
const EVENTS = 40_000;
/** Two notes too long for the target's varchar(20): rejected rows, under the job's maxRejects. */
const LONG_NOTES = [4, 17];

interface RunBody {
  id: string;
  status: string;
}

/**
 * The runs pages in Chromium against the real API, worker, PostgreSQL and MariaDB: a run watched
 * live to 100%, its value-loss warnings, rejects and log with the level filter; the list with
 * its filters; cancel for an operator and none for a viewer.
 */
describe('console: runs (e2e)', () => {
  let h: ConsoleHarness;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let operator: string;
  let jobId: string;
  let runId: string;
  const opened: ConsolePage[] = [];

  const open = async (role: 'operator' | 'viewer', path: string) => {
    const p = await h.signedInPage(role, path);
    opened.push(p);
    return p;
  };

  beforeAll(async () => {
    [pg, maria] = await Promise.all([createPostgresDatabase('dbferry_console_runs_src'), createMysqlDatabase('dbferry_console_runs_dst')]);
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    // numeric(70,10) is wider than MariaDB's decimal(65,…): a lossy mapping the run reports.
    await client.query(`CREATE TABLE events (id bigint PRIMARY KEY, kind int NOT NULL, amount numeric(70,10) NOT NULL);
      INSERT INTO events SELECT g, g % 13, g * 1.25 FROM generate_series(1, ${EVENTS}) g;
      CREATE TABLE notes (id int PRIMARY KEY, note text NOT NULL);
      INSERT INTO notes SELECT g, CASE WHEN g IN (${LONG_NOTES.join(',')}) THEN 'a note far too long for twenty' ELSE 'note ' || g END FROM generate_series(1, 20) g;
      ANALYZE;`);
    await client.end();
    const maria1 = await createConnection(maria.url);
    await maria1.query('CREATE TABLE notes (id int PRIMARY KEY, note varchar(20) NOT NULL)');
    await maria1.end();

    h = await startConsole({ env: { WORKER_CONCURRENCY: '1' } });
    const admin = await h.token('admin');
    operator = await h.token('operator');
    await h.token('viewer');
    const pgUrl = new URL(pg.url);
    const mariaUrl = new URL(maria.url);
    const sourceId = (await h.call<{ id: string }>('POST', '/api/connections', { name: 'pg-events', dialect: 'postgres', host: '127.0.0.1', port: Number(pgUrl.port), database: pg.name, username: 'postgres' }, admin)).id;
    const targetId = (await h.call<{ id: string }>('POST', '/api/connections', { name: 'maria-events', dialect: 'mysql', host: '127.0.0.1', port: Number(mariaUrl.port), database: maria.name, username: 'root' }, admin)).id;
    jobId = (
      await h.call<{ id: string }>(
        'POST',
        '/api/jobs',
        {
          name: 'events to the warehouse', sourceId, targetId, mode: 'full', writeMode: 'replace', chunkRows: 1000, batchSize: 500, maxRejects: 5,
          tables: [{ source: 'public.events' }, { source: 'public.notes' }],
        },
        operator,
      )
    ).id;
  }, 240_000);

  afterAll(async () => {
    for (const p of opened) await p.context.close().catch(() => undefined);
    await h?.close();
    await pg?.drop();
    await maria?.drop();
  }, 60_000);

  it('shows a run reach 100% live, with rows/s and ETA on the way, then its losses and rejects', async () => {
    runId = (await h.call<{ runId: string }>('POST', `/api/jobs/${jobId}/run`, undefined, operator)).runId;
    const { page, problems } = await open('operator', `/runs/${runId}`);
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    // Marks this document: if it is still there at the end, every update came live, not by reloading.
    await page.evaluate('window.runsE2eMarker = true');

    const bar = page.getByRole('progressbar', { name: 'Run progress' });
    const events = page.locator('tr[data-table="public.events"]');
    const seen: number[] = [];
    let liveFigures: { rate: string; eta: string } | undefined;
    let midShot = false;
    const deadline = Date.now() + 150_000;
    for (;;) {
      const percent = Number(await bar.getAttribute('aria-valuenow'));
      if (seen[seen.length - 1] !== percent) seen.push(percent);
      if (percent > 0 && percent < 100) {
        const cells = await events.locator('td').allInnerTexts();
        // Status, progress, rows, chunks, rows/s, ETA, rejects.
        if (/rows\/s/.test(cells[4] ?? '') && /\d+ (s|min)/.test(cells[5] ?? '')) liveFigures ??= { rate: cells[4], eta: cells[5] };
        if (!midShot) {
          await screenshot(page, 'run-live');
          midShot = true;
        }
      }
      if (percent === 100 && (await page.locator('.run-page > .toolbar .badge').innerText()) === 'succeeded') break;
      if (Date.now() > deadline) throw new Error(`the run did not reach 100% in the page; seen ${seen.join(', ')}; worker: ${h.worker?.output().slice(-600)}`);
      await page.waitForTimeout(100);
    }
    expect(seen.some((p) => p > 0 && p < 100)).toBe(true);
    expect(seen[seen.length - 1]).toBe(100);
    expect(liveFigures).toBeDefined();
    expect(await page.evaluate('window.runsE2eMarker')).toBe(true);

    await expect(events.locator('td').nth(2).innerText()).resolves.toBe(EVENTS.toLocaleString('en-US'));
    await expect(events.locator('td').nth(3).innerText()).resolves.toBe(`${EVENTS / 1000} / ${EVENTS / 1000}`);
    await expect(page.getByRole('progressbar', { name: 'public.events progress' }).getAttribute('aria-valuenow')).resolves.toBe('100');
    const facts = page.locator('.run-facts');
    await expect(facts.innerText()).resolves.toMatch(/Job\s+events to the warehouse/);
    await expect(facts.innerText()).resolves.toMatch(new RegExp(`Rows written\\s+${(EVENTS + 20 - LONG_NOTES.length).toLocaleString('en-US')}`));

    const losses = page.getByRole('region', { name: 'Value-loss warnings' });
    await expect(losses.innerText()).resolves.toMatch(/amount\s+decimal-precision-reduced/);
    const rejects = page.getByRole('region', { name: 'Rejected rows' });
    await rejects.locator('tbody tr').first().waitFor();
    const rejectRows = await rejects.locator('tbody tr').allInnerTexts();
    expect(rejectRows).toHaveLength(LONG_NOTES.length);
    expect(rejectRows[0]).toMatch(/notes/);
    expect(rejectRows.map((r) => r.split('\t')[1])).toEqual(LONG_NOTES.map(String));
    expect(rejectRows[0]).toMatch(/Data too long for column 'note'/);
    await page.getByRole('heading', { name: 'Tables' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'run');
    // On a phone-sized window nothing but the tables' own scroll boxes is wider than the screen.
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(problems).toEqual([]);
  }, 240_000);

  it("reads the run's log with the level filter", async () => {
    const { page, problems } = await open('viewer', `/runs/${runId}`);
    const log = page.getByRole('region', { name: 'Log' });
    const levels = async () => (await log.locator('tbody td:nth-child(2)').allInnerTexts()).map((l) => l.toLowerCase());
    await log.locator('tbody tr').first().waitFor();
    await log.locator('.data-table[aria-busy="false"]').waitFor();
    expect(await levels()).toContain('info');

    await log.getByLabel('Level').selectOption('warn');
    await page.waitForURL(/level=warn/);
    await log.locator('.data-table[aria-busy="false"]').waitFor();
    await waitFor(async () => (await levels()).every((l) => l === 'warn' || l === 'error') && (await levels()).length > 0, 10_000, 'only warn lines');
    const messages = await log.locator('tbody td:nth-child(4)').allInnerTexts();
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/^amount: /), expect.stringMatching(/row\(s\) rejected by the target/)]));
    const warnTotal = await log.locator('.pager [aria-live]').innerText();
    await log.locator('tbody tr').first().scrollIntoViewIfNeeded();
    await screenshot(page, 'run-logs');

    await log.getByLabel('Level').selectOption('error');
    await waitFor(async () => (await log.locator('td.empty').count()) === 1, 10_000, 'no error line');
    await expect(log.locator('td.empty').innerText()).resolves.toBe('No line at error or above.');

    // A reload keeps the filter: it lives in the URL.
    await log.getByLabel('Level').selectOption('warn');
    await page.reload();
    await waitFor(async () => (await page.getByRole('region', { name: 'Log' }).locator('.pager [aria-live]').innerText()) === warnTotal, 10_000, 'the warn page again');
    expect(problems).toEqual([]);
  }, 120_000);

  it('lists runs with filters paged on the server, and shows the API error for a bad filter', async () => {
    const { page, problems } = await open('viewer', '/runs');
    const table = page.locator('.data-table');
    await table.locator(`a[href="/runs/${runId}"]`).waitFor();
    await expect(table.locator('tbody tr').first().innerText()).resolves.toMatch(/events to the warehouse\s+succeeded\s+manual/);

    await page.getByLabel('Status').selectOption('failed');
    await page.waitForURL(/status=failed/);
    await table.locator('td.empty').waitFor();
    await expect(table.locator('td.empty').innerText()).resolves.toBe('No run matches these filters.');
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Job').selectOption({ label: 'events to the warehouse' });
    await page.getByLabel('Queued').selectOption('1h');
    await page.waitForURL(new RegExp(`jobId=${jobId}.*since=1h|since=1h.*jobId=${jobId}`));
    await table.locator(`a[href="/runs/${runId}"]`).waitFor();
    await screenshot(page, 'runs');

    await table.locator(`a[href="/runs/${runId}"]`).click();
    await page.waitForURL(`**/runs/${runId}`);

    await page.goto('/runs?jobId=not-a-job');
    const banner = page.getByRole('alert');
    await banner.waitFor();
    await expect(banner.innerText()).resolves.toMatch(/^400: jobId must be a UUID/);
    expect(problems).toEqual([]);
  }, 120_000);

  it('lets an operator cancel an active run after confirming, and shows a viewer no cancel', async () => {
    // The source table is held under an exclusive lock: the run's plan waits on it, so the run stays active.
    const locker = new Client({ connectionString: pg.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    try {
      const active = (await h.call<{ runId: string }>('POST', `/api/jobs/${jobId}/run`, undefined, operator)).runId;
      const viewer = await open('viewer', `/runs/${active}`);
      await viewer.page.getByText('Live: updates as the workers report.').waitFor();
      await expect(viewer.page.getByRole('button', { name: 'Cancel run' }).count()).resolves.toBe(0);

      const { page, problems } = await open('operator', `/runs/${active}`);
      await page.getByRole('button', { name: 'Cancel run' }).click();
      const dialog = page.getByRole('dialog', { name: 'Cancel this run?' });
      await dialog.waitFor();
      // Escape asks nothing and changes nothing.
      await page.keyboard.press('Escape');
      await expect(dialog.count()).resolves.toBe(0);
      expect((await h.call<RunBody>('GET', `/api/runs/${active}`, undefined, operator)).status).not.toBe('cancelled');

      await page.getByRole('button', { name: 'Cancel run' }).click();
      await dialog.getByRole('button', { name: 'Cancel run' }).click();
      await page.locator('.run-page > .toolbar .badge', { hasText: 'cancelled' }).waitFor();
      await expect(page.getByRole('button', { name: 'Cancel run' }).count()).resolves.toBe(0);
      expect((await h.call<RunBody>('GET', `/api/runs/${active}`, undefined, operator)).status).toBe('cancelled');
      // The viewer's page follows the run to its end over the stream.
      await viewer.page.locator('.run-page > .toolbar .badge', { hasText: 'cancelled' }).waitFor();
      expect(problems).toEqual([]);
      expect(viewer.problems).toEqual([]);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  }, 120_000);
});
