import type { Page } from 'playwright-core';
import { type ConsoleHarness, type ConsolePage, login, startConsole } from './harness';

/** Every page an admin's navigation leads to (each was asking GET /api/faults when the navigation was drawn). */
const PAGES = ['/dashboard', '/connections', '/jobs', '/runs', '/diffs', '/arbiter', '/repairs', '/groups', '/sync-tasks', '/event-sources', '/events', '/alerts', '/users'];

/**
 * What the browser met that a user would see as noise: answers of 400 or more, requests that
 * failed (but those the console aborted itself on leaving a page), console errors (Chromium logs
 * every 404 as one); and every request to /api/faults.
 */
function watchNoise(page: Page, origin: string): { noise: string[]; faultRequests: string[] } {
  const noise: string[] = [];
  const faultRequests: string[] = [];
  page.on('request', (req) => {
    if (new URL(req.url()).pathname.startsWith('/api/faults')) faultRequests.push(`${req.method()} ${req.url()}`);
  });
  page.on('response', (res) => {
    if (res.url().startsWith(origin) && res.status() >= 400) noise.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  page.on('requestfailed', (req) => {
    const reason = req.failure()?.errorText ?? '';
    if (!/ERR_ABORTED/.test(reason)) noise.push(`failed ${req.method()} ${req.url()}: ${reason}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') noise.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => noise.push(`script error: ${error.message}`));
  return { noise, faultRequests };
}

/** Opens each page and lets it finish loading, so what it asks is asked and answered. */
async function visitAll(page: Page): Promise<void> {
  for (const path of PAGES) {
    await page.goto(path);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.waitForLoadState('networkidle');
  }
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

/** The API (no worker) and Chromium for the tests of the enclosing describe, with FAULTS_ENABLED as given. */
function consoleWithFaults(enabled: boolean): () => ConsoleHarness {
  let h: ConsoleHarness | undefined;
  beforeAll(async () => {
    h = await startConsole({ worker: false, env: { FAULTS_ENABLED: String(enabled) } });
  }, 180_000);
  afterAll(async () => h?.close());
  return () => h as ConsoleHarness;
}

describe('console: fault injection off (e2e)', () => {
  const harness = consoleWithFaults(false);

  it('an admin going through every page never asks /api/faults, and meets no failed request or console error', async () => {
    const h = harness();
    await h.token('admin');
    const opened: ConsolePage = await h.newPage();
    const { page } = opened;
    const { noise, faultRequests } = watchNoise(page, h.origin);
    const { username, password } = h.credentials('admin');
    await page.goto('/login?next=%2Fdashboard');
    await login(page, username, password);
    await visitAll(page);
    expect(await nav(page).getByRole('link', { name: 'Faults' }).count()).toBe(0);
    // Opened by its URL, the page says how to turn faults on, without asking the API.
    await page.goto('/faults');
    await page.getByTestId('faults-off').waitFor();
    await page.waitForLoadState('networkidle');
    // A reload (the session restored from sessionStorage, /api/auth/me asked again) asks nothing more.
    await page.reload();
    await page.getByTestId('faults-off').waitFor();
    await page.waitForLoadState('networkidle');
    expect(faultRequests).toEqual([]);
    expect(noise).toEqual([]);
    expect(opened.problems).toEqual([]);
    await opened.context.close();
  }, 120_000);
});

describe('console: fault injection on (e2e)', () => {
  const harness = consoleWithFaults(true);

  it('offers an admin the Faults page from the sign-in on, and lists faults with no noise', async () => {
    const h = harness();
    const { page, context } = await h.signedInPage('admin', '/dashboard');
    const { noise, faultRequests } = watchNoise(page, h.origin);
    await nav(page).getByRole('link', { name: 'Faults' }).click();
    await page.waitForURL(/\/faults$/);
    await page.getByRole('table', { name: 'Active faults' }).getByText('No active fault.').waitFor();
    await page.waitForLoadState('networkidle');
    expect(faultRequests).toEqual([`GET ${h.origin}/api/faults`]);
    expect(noise).toEqual([]);
    await context.close();
  }, 60_000);

  it('never shows an operator or a viewer the Faults entry, nor asks /api/faults for them', async () => {
    const h = harness();
    for (const role of ['operator', 'viewer'] as const) {
      await h.token(role);
      const opened = await h.newPage();
      const { noise, faultRequests } = watchNoise(opened.page, h.origin);
      const { username, password } = h.credentials(role);
      await opened.page.goto('/login?next=%2Fgroups');
      await login(opened.page, username, password);
      await opened.page.waitForLoadState('networkidle');
      await nav(opened.page).getByRole('link', { name: 'Groups' }).waitFor();
      expect(await nav(opened.page).getByRole('link', { name: 'Faults' }).count()).toBe(0);
      expect(faultRequests).toEqual([]);
      expect(noise).toEqual([]);
      await opened.context.close();
    }
  }, 60_000);
});
