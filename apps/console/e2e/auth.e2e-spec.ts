import { cpus, loadavg } from 'node:os';
import { ADMIN_PASSWORD, type ConsoleHarness, login, screenshot, startConsole, TEST_ADMIN_PASSWORD } from './harness';

describe('console sign-in in a real browser (e2e)', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsole({ worker: false });
  }, 180_000);
  afterAll(async () => {
    await h?.close();
  });

  it('first login of the bootstrap admin: forced password change, then the dashboard; logout', async () => {
    const { page, problems } = await h.newPage();
    await page.goto('/');
    await page.waitForURL(/\/login\?next=%2F$/);
    await page.getByRole('heading', { name: 'dbferry' }).waitFor();
    await screenshot(page, 'login');

    await login(page, 'admin', TEST_ADMIN_PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/password');
    await page.getByRole('heading', { name: 'Choose your password' }).waitFor();
    // Every other page sends back here while the change is pending.
    await page.goto('/runs');
    await page.waitForURL(/\/password\?next=%2Fruns$/);

    await page.getByLabel('Current password').fill(TEST_ADMIN_PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('too-short');
    await page.getByLabel('Repeat the new password').fill('too-short');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('At least 12 characters.', { exact: true }).last().waitFor();
    await page.getByLabel('New password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByLabel('Repeat the new password').fill(ADMIN_PASSWORD);
    await screenshot(page, 'password-change');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL((url) => url.pathname === '/runs');

    await page.goto('/');
    await page.waitForURL((url) => url.pathname === '/dashboard');
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    const menu = page.getByRole('button', { name: /admin/ });
    await menu.click();
    expect(await page.getByRole('menu').innerText()).toContain('Signed in as admin (admin)');
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    // The new password is the one that works now, and the token after logout is gone.
    await page.goto('/jobs');
    await page.waitForURL(/\/login\?next=%2Fjobs$/);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('a protected URL while signed out goes through the login page and back to it; a narrow window folds the navigation', async () => {
    await h.token('admin');
    const { page, problems } = await h.newPage();
    await page.goto('/runs?status=failed');
    await page.waitForURL(/\/login\?next=%2Fruns%3Fstatus%3Dfailed$/);
    await login(page, 'admin', ADMIN_PASSWORD);
    expect(page.url()).toBe(`${h.origin}/runs?status=failed`);

    // A narrow window: the navigation folds behind the menu button and closes after a choice.
    await page.setViewportSize({ width: 390, height: 760 });
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await nav.getByRole('link', { name: 'Jobs' }).click();
    await page.waitForURL((url) => url.pathname === '/jobs');
    await nav.waitFor({ state: 'hidden' });
    // The shell itself (top bar, folded navigation, a page of its own) fits the width.
    await page.goto('/no-such-page');
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('a session the API no longer accepts (401) sends the user to log in, then back where they were', async () => {
    const { page, problems } = await h.signedInPage('operator', '/connections?offset=50');
    expect(page.url()).toBe(`${h.origin}/connections?offset=50`);
    // Meanwhile the user changes the password elsewhere: every token issued before it is revoked,
    // so the next call this page makes answers 401.
    const { username, password } = h.credentials('operator');
    const elsewhere = await h.call<{ accessToken: string }>('POST', '/api/auth/login', { username, password });
    await h.call('POST', '/api/auth/password', { currentPassword: password, newPassword: `${password}-renewed` }, elsewhere.accessToken);
    await page.reload();
    await page.waitForURL(/\/login\?next=%2Fconnections%3Foffset%3D50$/);
    await page.getByText('Your session has ended').waitFor();
    await login(page, username, `${password}-renewed`);
    expect(page.url()).toBe(`${h.origin}/connections?offset=50`);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('loads the first page in under 1 s on loopback with under 300 kB of gzipped JavaScript', async () => {
    const loads: { ms: number; scriptBytes: number; scripts: string[]; encoding: string | null }[] = [];
    // Best of three cold loads (a fresh context each: empty cache), so one slow moment of a busy machine does not decide.
    for (let i = 0; i < 3; i++) {
      const { page, context, problems } = await h.newPage();
      const response = await page.goto('/');
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      const timing = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        const scripts = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js'));
        // The login page marks when it has rendered its form (LoginPage.tsx).
        const ready = performance.getEntriesByName('dbferry:login-ready')[0];
        return { ms: ready ? ready.startTime - nav.startTime : Infinity, scriptBytes: scripts.reduce((n, r) => n + r.encodedBodySize, 0), scripts: scripts.map((r) => new URL(r.name).pathname) };
      });
      const main = timing.scripts.find((s) => s.startsWith('/assets/index-'));
      const encoding = main ? ((await page.request.get(main, { headers: { 'Accept-Encoding': 'gzip' } })).headers()['content-encoding'] ?? null) : null;
      loads.push({ ...timing, encoding });
      expect(response?.status()).toBe(200);
      expect(problems).toEqual([]);
      await context.close();
    }
    const best = loads.reduce((a, b) => (b.ms < a.ms ? b : a));
    // 1 s on a machine with a core to spare; a machine running more than one task per core (other
    // test files, benches) stretches every step alike, so the budget grows with the load.
    const busy = Math.max(1, loadavg()[0] / cpus().length);
    const budget = 1000 * busy;
    console.log(
      `first page: ${loads.map((l) => `${Math.round(l.ms)} ms`).join(', ')} (budget ${Math.round(budget)} ms at load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores); ` +
        `JS ${(best.scriptBytes / 1024).toFixed(1)} kB gzipped in ${best.scripts.join(', ')}`,
    );
    expect(best.encoding).toBe('gzip');
    expect(best.scriptBytes).toBeGreaterThan(10_000);
    expect(best.scriptBytes).toBeLessThan(300 * 1024);
    expect(best.ms).toBeLessThan(budget);
    // The login page comes with the main bundle; the other pages are loaded when opened (so no Chart.js here).
    expect(best.scripts.filter((s) => /Page-[\w-]+\.js$/.test(s))).toEqual([]);
  });

  it("shows the API's own message when the login is refused", async () => {
    const { page, problems } = await h.newPage();
    await page.goto('/login');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'invalid username or password' });
    await alert.waitFor();
    expect(await alert.innerText()).toContain('401: invalid username or password');
    expect(new URL(page.url()).pathname).toBe('/login');
    await screenshot(page, 'login-error');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
