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

  it('a protected URL while signed out goes through the login page and back to it', async () => {
    await h.token('admin');
    const { page, problems } = await h.newPage();
    await page.goto('/runs?status=failed');
    await page.waitForURL(/\/login\?next=%2Fruns%3Fstatus%3Dfailed$/);
    await login(page, 'admin', ADMIN_PASSWORD);
    expect(page.url()).toBe(`${h.origin}/runs?status=failed`);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('a session the API no longer accepts (401) sends the user to log in, then back where they were', async () => {
    const { page, problems } = await h.signedInPage('viewer', '/connections?offset=50');
    expect(page.url()).toBe(`${h.origin}/connections?offset=50`);
    // The token expires or is revoked: the next call the page makes answers 401.
    await page.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem('dbferry.session') ?? '{}') as { token: string };
      sessionStorage.setItem('dbferry.session', JSON.stringify({ ...session, token: `${session.token}x` }));
    });
    await page.reload();
    await page.waitForURL(/\/login\?next=%2Fconnections%3Foffset%3D50$/);
    await page.getByText('Your session has ended').waitFor();
    const { username, password } = h.credentials('viewer');
    await login(page, username, password);
    expect(page.url()).toBe(`${h.origin}/connections?offset=50`);
    expect(problems).toEqual([]);
    await page.context().close();
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
