import { Client } from 'pg';
import type { Page } from 'playwright-core';
import { createPostgresDatabase, type EphemeralDatabase, freePort, readableMail, type SmtpSink, startSmtpSink, waitFor } from '@dbferry/testing';
import { type ConsoleHarness, type ConsolePage, login, screenshot, startConsole, eventually } from './harness';

/** Must never appear on a page, in the DOM or in what the browser received. */
const SMTP_CANARY = 'smtp-canary-Pw-5d1e7a';

/** How many pixels of a chart's canvas are not blank: a drawn chart has thousands. */
const inkOf = (page: Page, label: RegExp) =>
  page.getByRole('img', { name: label }).evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let ink = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
    return ink;
  });

/** The dashboard, alert settings and users pages in Chromium against the real API, worker, PostgreSQL and an SMTP sink. */
describe('console: dashboard, alerts, users (e2e)', () => {
  let h: ConsoleHarness;
  let sink: SmtpSink;
  let src: EphemeralDatabase;
  let dst: EphemeralDatabase;
  let admin: ConsolePage;
  let token: string;
  let page: Page;
  const nav = (p: Page) => p.getByRole('navigation', { name: 'Main' });
  const call = <T = { id: string }>(method: string, path: string, body?: unknown) => h.call<T>(method, path, body, token);
  const connection = (name: string, db: EphemeralDatabase) => {
    const url = new URL(db.url);
    return call('POST', '/api/connections', { name, dialect: 'postgres', host: url.hostname, port: Number(url.port), database: db.name, username: decodeURIComponent(url.username) });
  };
  const runToEnd = async (jobId: string) => {
    const { runId } = await call<{ runId: string }>('POST', `/api/jobs/${jobId}/run`);
    return waitFor(async () => {
      const run = await call<{ status: string }>('GET', `/api/runs/${runId}`);
      return ['succeeded', 'failed', 'cancelled'].includes(run.status) && run;
    }, 90_000, `run ${runId} to end`);
  };

  beforeAll(async () => {
    [sink, src, dst, h] = await Promise.all([
      startSmtpSink(),
      createPostgresDatabase('dbferry_console_dash_src'),
      createPostgresDatabase('dbferry_console_dash_dst'),
      startConsole(),
    ]);
    token = await h.token('admin');
    admin = await h.signedInPage('admin', '/dashboard');
    page = admin.page;
  }, 180_000);

  afterAll(async () => {
    await h?.close();
    await sink?.close();
    await src?.drop();
    await dst?.drop();
  });

  it('shows the first steps on an empty installation', async () => {
    await page.goto('/dashboard');
    const steps = page.getByRole('note');
    await steps.getByRole('heading', { name: 'First steps' }).waitFor();
    expect(await steps.getByRole('link', { name: 'add one' }).getAttribute('href')).toBe('/connections/new');
    expect(await steps.getByRole('link', { name: 'new job' }).getAttribute('href')).toBe('/jobs/new');
  });

  it('draws runs per status, rows/s and queue depths from real runs, and lists the failing job and the connection down', async () => {
    const sql = async (text: string) => {
      const client = new Client({ connectionString: src.url });
      await client.connect();
      await client.query(text).finally(() => client.end());
    };
    await sql('CREATE TABLE items (id int PRIMARY KEY, note text); INSERT INTO items SELECT g, $$item $$ || g FROM generate_series(1, 2000) g; CREATE TABLE ghost (id int PRIMARY KEY)');
    const srcId = (await connection('pg-sales', src)).id;
    const dstId = (await connection('pg-reports', dst)).id;
    const downId = (await call('POST', '/api/connections', { name: 'pg-old-replica', dialect: 'postgres', host: '127.0.0.1', port: await freePort(), database: 'gone', username: 'postgres' })).id;
    const job = async (name: string, source: string) =>
      (await call('POST', '/api/jobs', { name, sourceId: srcId, targetId: dstId, mode: 'full', writeMode: 'upsert', chunkRows: 500, tables: [{ source }] })).id;
    const items = await job('items to reports', 'public.items');
    const ghost = await job('ghost table', 'public.ghost');
    await sql('DROP TABLE ghost');
    for (const id of [items, items, ghost]) await runToEnd(id);

    await page.goto('/dashboard');
    const runsChart = page.getByRole('img', { name: /^Runs per status per hour, last 24h: / });
    await runsChart.waitFor();
    expect(await runsChart.getAttribute('aria-label')).toBe('Runs per status per hour, last 24h: 2 succeeded, 1 failed');
    await page.getByRole('img', { name: /^Rows per second of the latest 3 runs; peak [\d,]+ rows\/s$/ }).waitFor();
    await page.getByRole('img', { name: /^Queue depths: sync \d+ waiting/ }).waitFor();
    for (const chart of [/^Runs per status/, /^Rows per second/, /^Queue depths/]) expect(await inkOf(page, chart)).toBeGreaterThan(500);
    expect(await page.getByRole('note').count()).toBe(0); // no first steps any more

    const failing = page.getByRole('region', { name: 'Failing jobs' });
    expect(await failing.getByRole('link', { name: 'ghost table' }).getAttribute('href')).toBe(`/jobs/${ghost}`);
    expect(await failing.innerText()).toMatch(/public\.ghost/);
    // Three connections since the last check: the dashboard checks again at once, in the background.
    const down = page.getByRole('region', { name: 'Connections down' });
    await eventually(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      expect(await down.getByRole('link', { name: 'pg-old-replica' }).getAttribute('href', { timeout: 1000 })).toBe(`/connections/${downId}`);
    }, 20_000);
    expect(await down.innerText()).not.toContain('pg-sales');

    await page.getByLabel('Period').selectOption('14d');
    await page.getByRole('img', { name: 'Runs per status per day, last 14d: 2 succeeded, 1 failed' }).waitFor();
    await page.getByLabel('Period').selectOption('24h');
    await runsChart.waitFor();
    await screenshot(page, 'dashboard');

    // A narrow window: one column, nothing wider than the window, the charts still drawn.
    await page.setViewportSize({ width: 390, height: 800 });
    await eventually(async () => expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390));
    expect(await inkOf(page, /^Runs per status/)).toBeGreaterThan(500);
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(admin.problems).toEqual([]);
  }, 180_000);

  it('saves alert settings with the password write-only and shows the result of a test mail from the SMTP sink', async () => {
    await page.goto('/alerts');
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    await eventually(async () => expect(await page.getByTestId('password-state').innerText()).toBe('not set'));
    await page.getByRole('textbox', { name: 'Host', exact: true }).fill('127.0.0.1');
    await page.getByRole('textbox', { name: 'Port', exact: true }).fill('99999');
    await page.getByLabel('User name').fill('ferry-alerts');
    await page.getByLabel('Password', { exact: true }).fill(SMTP_CANARY);
    await page.getByRole('textbox', { name: 'From', exact: true }).fill('dbferry@example.com');
    await page.getByRole('textbox', { name: 'Recipients', exact: true }).fill('ops@example.com\ndba@example.com');
    await page.getByRole('checkbox', { name: 'Send alert mail' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('port must be a whole number from 1 to 65535').waitFor();
    expect(await page.getByRole('textbox', { name: 'Port', exact: true }).getAttribute('aria-invalid')).toBe('true');

    await page.getByRole('textbox', { name: 'Port', exact: true }).fill(String(sink.port));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    await eventually(async () => expect(await page.getByTestId('password-state').innerText()).toBe('set'));
    // Reloaded from the API: the password field is empty, the value nowhere in the page.
    await page.reload();
    await eventually(async () => expect(await page.getByRole('textbox', { name: 'Host', exact: true }).inputValue()).toBe('127.0.0.1'));
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    expect(await page.content()).not.toContain(SMTP_CANARY);

    await page.getByRole('button', { name: 'Send test mail' }).click();
    const result = page.locator('.alerts-test');
    await result.waitFor();
    expect(await result.innerText()).toMatch(/^Sent: accepted for ops@example\.com, dba@example\.com/);
    expect(sink.mails).toHaveLength(1);
    expect(readableMail(sink.mails[0].raw).headers).toContain('ops@example.com');
    expect(sink.logins.at(-1)).toEqual({ username: 'ferry-alerts', password: SMTP_CANARY });
    await screenshot(page, 'alerts');
    expect(admin.problems).toEqual([]);
  }, 60_000);

  it('lets an admin add a viewer, change a role and reset a password, and delete a user after confirming; the viewer sees no edit controls and no Bull Board link', async () => {
    // The admin's Bull Board link opens the board in a new tab, signed in by the console's login.
    const boardLink = nav(page).getByRole('link', { name: /Queues \(Bull Board\)/ });
    expect(await boardLink.getAttribute('href')).toBe('/queues');
    const [board] = await Promise.all([page.waitForEvent('popup'), boardLink.click()]);
    await board.waitForLoadState();
    expect(new URL(board.url()).pathname).toMatch(/^\/queues\/?$/);
    await board.close();
    await page.goto('/users');
    await page.getByRole('row', { name: /admin/ }).first().waitFor();
    const addUser = async (username: string, role: string) => {
      await page.getByLabel('User name').fill(username);
      await page.getByLabel('Initial password').fill('temporary-password-1');
      await page.locator('select[name="role"]').selectOption(role);
      await page.getByRole('button', { name: 'Add user' }).click();
      await page.getByRole('row', { name: new RegExp(username) }).waitFor();
    };
    // The form's own check, before any request.
    await page.getByLabel('User name').fill('has space');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('username must be 1-64 letters, digits or _.@-').waitFor();
    await addUser('vera', 'viewer');
    await addUser('temp-ops', 'operator');
    // The API's refusal with its message: the name is taken.
    await page.getByLabel('User name').fill('vera');
    await page.getByLabel('Initial password').fill('temporary-password-1');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('alert').getByText('409: username "vera" is taken').waitFor();

    const temp = page.getByRole('row', { name: /temp-ops/ });
    const userOf = async (username: string) =>
      (await call<{ items: { username: string; role: string; mustChangePassword: boolean }[] }>('GET', '/api/users')).items.find((u) => u.username === username);
    // A role change asks first.
    await temp.getByLabel('Role of temp-ops').selectOption('viewer');
    await page.getByRole('dialog', { name: 'Make temp-ops a viewer?' }).getByRole('button', { name: 'Change role' }).click();
    await page.getByRole('status').getByText('temp-ops is now a viewer.').waitFor();
    expect((await userOf('temp-ops'))?.role).toBe('viewer');
    // A password reset: its own form, checked before sending.
    await temp.getByRole('button', { name: 'Reset password' }).click();
    const reset = page.getByRole('form', { name: 'Reset the password of temp-ops' });
    await reset.getByLabel('New password').fill('short');
    await reset.getByRole('button', { name: 'Reset password' }).click();
    await reset.getByText('password must be at least 12 characters').waitFor();
    await reset.getByLabel('New password').fill('another-temporary-2');
    await reset.getByRole('button', { name: 'Reset password' }).click();
    await page.getByRole('status').getByText('Password of temp-ops reset; they must change it at next login.').waitFor();
    expect(await reset.count()).toBe(0);

    await temp.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete user temp-ops?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await temp.count()).toBe(1);
    await temp.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('status').getByText('Deleted temp-ops.').waitFor();
    await eventually(async () => expect(await page.getByRole('row', { name: /temp-ops/ }).count()).toBe(0));
    const users = await call<{ items: { username: string }[] }>('GET', '/api/users');
    expect(users.items.map((u) => u.username).sort()).toEqual(['admin', 'vera']);
    await screenshot(page, 'users');

    // The viewer: made to choose a password first, then a console without edit controls.
    const { page: viewer, context, problems } = await h.newPage();
    viewer.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    await viewer.goto('/login');
    await login(viewer, 'vera', 'temporary-password-1');
    await viewer.waitForURL(/\/password/);
    await viewer.getByLabel('Current password').fill('temporary-password-1');
    await viewer.getByLabel('New password', { exact: true }).fill('quiet-harbour-lamp-9');
    await viewer.getByLabel('Repeat the new password').fill('quiet-harbour-lamp-9');
    await viewer.getByRole('button', { name: 'Change password' }).click();
    await viewer
      .getByRole('img', { name: /^Runs per status/ })
      .waitFor()
      .catch(async (error: Error) => {
        throw new Error(`${error.message}\nat ${viewer.url()}: ${(await viewer.locator('body').innerText()).slice(0, 600)}\n${problems.join('\n')}`);
      });
    const links = await nav(viewer).getByRole('link').allInnerTexts();
    expect(links).toEqual(expect.arrayContaining(['Dashboard', 'Runs']));
    for (const hidden of ['Users', 'Alerts']) expect(links).not.toContain(hidden);
    expect(links.some((l) => l.includes('Bull Board'))).toBe(false);
    for (const path of ['/users', '/alerts']) {
      await viewer.goto(path);
      await viewer.getByRole('heading', { name: 'Not allowed' }).waitFor();
      expect(await viewer.getByRole('button', { name: /Add user|Save|Delete|Reset password|Send test mail/ }).count()).toBe(0);
      expect(await viewer.locator('main').locator('input, select, textarea').count()).toBe(0);
    }
    await context.close();
    expect(problems).toEqual([]);
    expect(admin.problems).toEqual([]);
  }, 90_000);
});
