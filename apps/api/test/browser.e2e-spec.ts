import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ADMIN_PASSWORD, ApiHarness, startApi } from './harness';

/** Headless Chromium from the system (`apt-get install chromium`; .ci/run installs it). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What a page did wrong in the browser: script errors, CSP refusals, failed loads from this origin. */
function watch(page: Page, origin: string) {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/.test(message.text())) problems.push(`csp: ${message.text()}`);
  });
  page.on('response', (res) => {
    if (res.url().startsWith(origin) && res.status() >= 400 && !res.url().endsWith('/favicon.ico')) problems.push(`${res.status()} ${res.url()}`);
  });
  return problems;
}

describe('Swagger UI and Bull Board in a real browser, under the CSP (e2e)', () => {
  let api: ApiHarness;
  let browser: Browser;
  let origin: string;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
    api = await startApi();
    await api.adminToken();
    await api.app.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${(api.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('renders Swagger UI with every operation, without a CSP refusal or a script error', async () => {
    const page = await browser.newPage();
    const problems = watch(page, origin);
    await page.goto(`${origin}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
    expect(await page.locator('.info .title').first().textContent()).toContain('dbferry API');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('signs in to Bull Board through the form, shows the queues, and signs out from the header menu', async () => {
    const page = await browser.newPage();
    const problems = watch(page, origin);
    await page.goto(`${origin}/queues`);
    expect(new URL(page.url()).pathname).toBe('/queues/login');
    await page.fill('#username', 'admin');
    await page.fill('#password', ADMIN_PASSWORD);
    await Promise.all([page.waitForURL(`${origin}/queues`), page.click('button[type=submit]')]);
    await page.getByText('maintenance', { exact: false }).first().waitFor({ timeout: 20_000 });
    expect(await page.locator('body').innerText()).toMatch(/sync/);
    // The board's one refusal: its web font stylesheet from fonts.googleapis.com (system font instead).
    expect(problems.filter((p) => !(p.startsWith('csp:') && p.includes('fonts.googleapis.com')))).toEqual([]);

    const buttons = page.locator('ul[class*="actions"] li button');
    await buttons.nth((await buttons.count()) - 1).click();
    await Promise.all([page.waitForURL(`${origin}/queues/login`), page.getByText('Sign out').click()]);
    await page.goto(`${origin}/queues`);
    expect(new URL(page.url()).pathname).toBe('/queues/login');
    await page.close();
  });
});
