import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import type { Page } from 'playwright-core';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase, waitFor } from '@dbferry/testing';
import { type ConsoleHarness, type ConsolePage, saveConnection, screenshot, startConsole, eventually } from './harness';

interface Page1<T> {
  items: T[];
  total: number;
}

/**
 * The jobs pages in Chromium against the real API, worker, PostgreSQL and MariaDB: a job made in
 * the form with the DDL preview, saved, run, landing on the run page; the API's refusal shown
 * naming the field; a viewer without edit controls.
 */
describe('console: jobs (e2e)', () => {
  let h: ConsoleHarness;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let admin: string;
  let sourceId: string;
  let targetId: string;
  let operator: ConsolePage;
  let page: Page;
  const opened: ConsolePage[] = [];

  beforeAll(async () => {
    [pg, maria] = await Promise.all([createPostgresDatabase('dbferry_console_jobs_src'), createMysqlDatabase('dbferry_console_jobs_dst')]);
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query(`CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, amount numeric, placed_at timestamptz NOT NULL);
      INSERT INTO orders SELECT g, CASE WHEN g % 3 = 0 THEN 'open' ELSE 'paid' END, g * 1.25, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute' FROM generate_series(1, 2000) g;
      CREATE TABLE customers (id int PRIMARY KEY, name text); ANALYZE;`);
    await client.end();
    h = await startConsole();
    admin = await h.token('admin');
    sourceId = await saveConnection(h, 'pg-sales', 'postgres', pg);
    targetId = await saveConnection(h, 'maria-warehouse', 'mysql', maria);
    operator = await h.signedInPage('operator', '/jobs');
    opened.push(operator);
    page = operator.page;
  }, 180_000);

  afterAll(async () => {
    for (const p of opened) await p.context.close().catch(() => undefined);
    await h?.close();
    await pg?.drop();
    await maria?.drop();
  });

  it('creates a PostgreSQL → MariaDB job with its DDL preview, saves it, runs it and lands on the run page', async () => {
    await page.goto('/jobs');
    await page.getByRole('link', { name: 'New job' }).click();
    await page.waitForURL('**/jobs/new');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('orders to warehouse');
    await page.getByLabel('Source connection').selectOption({ label: 'pg-sales (postgres)' });
    await page.getByLabel('Target connection').selectOption({ label: 'maria-warehouse (mysql)' });

    // The picker searches the source on the server.
    await page.getByLabel('Find source tables').fill('ord');
    await page.getByRole('button', { name: 'Add public.orders' }).click();
    await eventually(async () => expect(await page.getByRole('list', { name: 'Source tables' }).getByRole('listitem').count()).toBe(1));
    const entry = page.getByTestId('table-entry-0');
    await entry.locator('legend', { hasText: /^Key columns/ }).waitFor();
    await entry.getByText('none ticked: the primary key, id').waitFor();
    await page.getByLabel('Target table', { exact: true }).fill(`${maria.name}.orders_copy`);

    await page.getByLabel('Cron', { exact: true }).fill('30 6 * * 1-5');
    await page.getByLabel('Time zone', { exact: true }).fill('Europe/Paris');
    await eventually(async () => expect(await page.getByTestId('cron-text').innerText()).toBe('At 06:30, on Monday through Friday (Europe/Paris time)'));
    await eventually(async () => expect(await page.getByTestId('next-runs').getByRole('listitem').count()).toBe(3));

    await page.getByRole('button', { name: 'Preview DDL' }).click();
    const preview = page.getByTestId('ddl-preview');
    await preview.waitFor();
    expect(await preview.getByLabel('DDL').innerText()).toMatch(new RegExp(`^CREATE TABLE \`${maria.name}\`\\.\`orders_copy\``));
    const losses = await preview.getByRole('note').innerText();
    expect(losses).toContain('amount');
    expect(losses).toContain('placed_at');
    await preview.scrollIntoViewIfNeeded();
    await screenshot(page, 'job-preview');
    // Nothing was saved by the preview.
    expect((await h.call<Page1<unknown>>('GET', '/api/jobs', undefined, admin)).total).toBe(0);

    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'job-form');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await page.getByRole('status').filter({ hasText: 'Saved job orders to warehouse.' }).waitFor();
    const jobId = new URL(page.url()).pathname.split('/').pop() as string;

    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const runId = new URL(page.url()).pathname.split('/').pop() as string;
    const run = await waitFor(async () => {
      const body = await h.call<{ status: string }>('GET', `/api/runs/${runId}`, undefined, admin);
      return ['succeeded', 'failed', 'cancelled'].includes(body.status) && body;
    }, 90_000, `run ${runId} to end`);
    expect(run).toMatchObject({ jobId, status: 'succeeded', rowsWritten: 2000 });

    // Back on the list: the run is the job's last run, linked, and the schedule's next run shows.
    await page.goto('/jobs');
    const row = page.getByRole('row', { name: /orders to warehouse/ });
    expect(await row.getByRole('link', { name: 'last run: succeeded' }).getAttribute('href')).toBe(`/runs/${runId}`);
    // The connections' names replace their ids once the connection list (a request of its own) is in.
    await row.filter({ hasText: /pg-sales\s*→\s*maria-warehouse/ }).waitFor({ timeout: 10_000 });
    const text = await row.innerText();
    expect(text).toMatch(/pg-sales\s*→\s*maria-warehouse/);
    expect(text).toMatch(/next .*\(in \d+ (min|h|d)\)/);
    await screenshot(page, 'jobs');
    expect(operator.problems).toEqual([]);
  });

  it('shows the API’s message naming the field when it refuses the job (a filter on an unknown column)', async () => {
    await page.goto('/jobs/new');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('bad filter');
    await page.getByLabel('Source connection').selectOption({ label: 'pg-sales (postgres)' });
    await page.getByLabel('Target connection').selectOption({ label: 'maria-warehouse (mysql)' });
    await page.getByLabel('Find source tables').fill('orders');
    await page.getByRole('button', { name: 'Add public.orders' }).click();
    await page.getByLabel('Filter (where)').fill('discount > 5');
    await page.getByRole('button', { name: 'Create job' }).click();
    const banner = page.getByRole('alert').filter({ hasText: '400' });
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/tables\[0\]\.where.*discount/s);
    // The same message sits under the filter itself.
    expect(await page.getByTestId('table-entry-0').locator('.field-error').innerText()).toContain('discount');
    await screenshot(page, 'job-form-error');
    // The form's own check, before any call: incremental needs its column.
    await page.getByLabel('Mode', { exact: true }).selectOption('incremental');
    await page.getByRole('button', { name: 'Preview DDL' }).click();
    await page.getByTestId('table-entry-0').getByText('Incremental mode needs the column').waitFor();
    // A narrow window: the form reflows, nothing wider than the window but the tables' own scrollers.
    await page.setViewportSize({ width: 390, height: 800 });
    await eventually(async () => expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390));
    await page.goto('/jobs');
    await page.getByRole('link', { name: 'New job' }).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows a viewer the jobs without any control that changes them', async () => {
    await h.call('POST', '/api/jobs', { name: 'customers nightly', sourceId, targetId, tables: [{ source: 'public.customers' }], mode: 'full', writeMode: 'upsert', schedule: '0 2 * * *' }, admin);
    const viewer = await h.signedInPage('viewer', '/jobs');
    opened.push(viewer);
    const v = viewer.page;
    await v.getByRole('link', { name: 'customers nightly' }).waitFor();
    expect(await v.getByRole('link', { name: 'New job' }).count()).toBe(0);
    expect(await v.getByRole('button', { name: /Run now|Delete/ }).count()).toBe(0);
    expect(await v.getByRole('checkbox').count()).toBe(0);
    await v.getByRole('link', { name: 'customers nightly' }).click();
    await v.getByRole('textbox', { name: 'Name', exact: true }).waitFor();
    expect(await v.getByRole('textbox', { name: 'Name', exact: true }).isDisabled()).toBe(true);
    expect(await v.getByRole('button', { name: /Save|Preview|Run now|Delete|Remove/ }).count()).toBe(0);
    expect(viewer.problems).toEqual([]);
  });

  it('saves "Verify after copy" and shows a verified run’s drift per table on the run page', async () => {
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query("CREATE TABLE vendors (id int PRIMARY KEY, name text NOT NULL); INSERT INTO vendors SELECT g, 'vendor ' || g FROM generate_series(1, 30) g");
    await client.end();
    const job = await h.call<{ id: string }>('POST', '/api/jobs', { name: 'vendors verified', sourceId, targetId, tables: [{ source: 'public.vendors' }], mode: 'full', writeMode: 'upsert' }, admin);
    // Ticked in the form and saved: the job now verifies its runs.
    await page.goto(`/jobs/${job.id}`);
    const verify = page.getByRole('checkbox', { name: 'Verify after copy' });
    expect(await verify.isChecked()).toBe(false);
    await verify.check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await eventually(async () => expect((await h.call<{ verify: boolean }>('GET', `/api/jobs/${job.id}`, undefined, admin)).verify).toBe(true));

    const runToEnd = async () => {
      const { runId } = await h.call<{ runId: string }>('POST', `/api/jobs/${job.id}/run`, {}, admin);
      return waitFor(async () => {
        const body = await h.call<{ id: string; status: string; drift: number | null }>('GET', `/api/runs/${runId}`, undefined, admin);
        return ['succeeded', 'failed', 'cancelled'].includes(body.status) && body;
      }, 90_000, `run ${runId} to end`);
    };
    expect(await runToEnd()).toMatchObject({ status: 'succeeded', drift: 0 });
    // A row only the target has: an upsert run leaves it, the verify finds it.
    const target = await createConnection(maria.url);
    await target.query("INSERT INTO vendors (id, name) VALUES (500, 'stray')");
    await target.end();
    const run = await runToEnd();
    expect(run).toMatchObject({ status: 'succeeded', drift: 1 });

    await page.goto(`/runs/${run.id}`);
    const section = page.getByRole('region', { name: 'Verify' });
    await section.waitFor();
    const row = section.locator('[data-drift-table="public.vendors"]');
    await eventually(async () => expect((await row.locator('td').allInnerTexts()).slice(0, 3)).toEqual(['0', '1', '0']));
    expect(await row.innerText()).toMatch(/extra\s+500/);
    expect(await section.getByRole('link', { name: 'every differing key, in its diff' }).getAttribute('href')).toMatch(/^\/diffs\/[0-9a-f-]{36}$/);
    await section.scrollIntoViewIfNeeded();
    await screenshot(page, 'run-verify');
    expect(operator.problems).toEqual([]);
  });
});
