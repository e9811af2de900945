import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import type { Page } from 'playwright-core';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { type ConsoleHarness, type ConsolePage, screenshot, startConsole, eventually } from './harness';

const expectText = async (page: Page, text: string | RegExp) =>
  eventually(async () => {
    const body = await page.locator('main').innerText();
    if (typeof text === 'string' ? !body.includes(text) : !text.test(body)) throw new Error(`page does not show ${text}:\n${body.slice(0, 1500)}`);
  });

/**
 * The connections pages in Chromium against the real API (serving the built console), a live
 * PostgreSQL and MariaDB: create both through the form and test them, the list with reachability,
 * browse a table to its columns, the API's field errors, delete with confirm, and a viewer's view.
 */
describe('console: connections (e2e)', () => {
  let harness: ConsoleHarness;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let admin: ConsolePage;
  let page: Page;
  const ids: Record<string, string> = {};
  /** A MariaDB user with a password, so the form's write-only password is exercised for real. */
  const mariaUser = `dbf_console_${Date.now().toString(36)}`;
  const mariaPassword = 'maria-console-Pw-8c2f1e';

  beforeAll(async () => {
    pg = await createPostgresDatabase('dbferry_console_conn');
    maria = await createMysqlDatabase('dbferry_console_conn');
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query(`CREATE TABLE orders (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id int NOT NULL,
        amount numeric(12,2) NOT NULL DEFAULT 0,
        placed_at timestamptz(3) DEFAULT now(),
        note text);
      CREATE INDEX orders_customer_idx ON orders (customer_id, placed_at);
      INSERT INTO orders (customer_id, amount) SELECT g % 50, g FROM generate_series(1, 1200) g;
      CREATE TABLE order_lines (order_id bigint, line int, PRIMARY KEY (order_id, line));
      CREATE TABLE customers (id int PRIMARY KEY, name text);
      ANALYZE;`);
    await client.end();
    const mysql = await createConnection({ uri: maria.url });
    await mysql.query('CREATE TABLE stock (sku varchar(32) NOT NULL PRIMARY KEY, qty int unsigned NOT NULL DEFAULT 0) ENGINE=InnoDB');
    for (const host of ['%', 'localhost']) {
      await mysql.query(`CREATE USER '${mariaUser}'@'${host}' IDENTIFIED BY '${mariaPassword}'`);
      await mysql.query(`GRANT ALL ON \`${maria.name}\`.* TO '${mariaUser}'@'${host}'`);
    }
    await mysql.end();
    harness = await startConsole({ worker: false });
    admin = await harness.signedInPage('admin', '/connections');
    page = admin.page;
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
    const mysql = await createConnection({ uri: maria.url });
    for (const host of ['%', 'localhost']) await mysql.query(`DROP USER IF EXISTS '${mariaUser}'@'${host}'`);
    await mysql.end();
    await pg?.drop();
    await maria?.drop();
  });

  afterEach(() => {
    expect(admin.problems).toEqual([]);
  });

  /** Fills the new-connection form for a test database (host, port and user from its URL; no password) and saves it. */
  async function createThroughForm(name: string, dialectLabel: string, db: EphemeralDatabase, login?: { username: string; password: string }, shot?: string): Promise<string> {
    const url = new URL(db.url);
    await page.goto('/connections');
    await page.getByRole('link', { name: 'New connection' }).click();
    await page.getByLabel(/^Name/).fill(name);
    await page.getByLabel(/^Dialect/).selectOption({ label: dialectLabel });
    await page.getByLabel(/^Host/).fill(url.hostname);
    await page.getByLabel(/^Port/).fill(url.port);
    await page.getByLabel(/^Database/).fill(db.name);
    await page.getByLabel(/^Username/).fill(login?.username ?? decodeURIComponent(url.username));
    if (login) await page.getByLabel('Password', { exact: true }).fill(login.password);
    if (shot) await screenshot(page, shot);
    await Promise.all([page.waitForURL(/\/connections\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Create connection' }).click()]);
    return new URL(page.url()).pathname.split('/').pop() as string;
  }

  async function testConnection(): Promise<string> {
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByTestId('test-result');
    await result.waitFor();
    return result.innerText();
  }

  it('creates a PostgreSQL connection through the form and tests it', async () => {
    ids['pg'] = await createThroughForm('pg-sales', 'PostgreSQL', pg, undefined, 'connection-form');
    await page.getByRole('heading', { name: 'pg-sales' }).waitFor();
    const result = await testConnection();
    expect(result).toMatch(/^ok answered in \d+ ms, server version \S+/);
    await screenshot(page, 'connection');
  });

  it('creates a MariaDB connection through the form and tests it', async () => {
    ids['maria'] = await createThroughForm('maria-stock', 'MySQL / MariaDB', maria, { username: mariaUser, password: mariaPassword });
    expect(await testConnection()).toMatch(/^ok answered in \d+ ms, server version \S+/);
    await expectText(page, 'stored (never shown)');
    // Write-only: the password is in no page and in no answer the browser got.
    expect(await page.content()).not.toContain(mariaPassword);
    const token = await harness.token();
    const answers = await Promise.all(
      [`/api/connections/${ids['maria']}`, '/api/connections', '/api/connections/status'].map(async (path) => JSON.stringify(await harness.call('GET', path, undefined, token))),
    );
    for (const answer of answers) expect(answer).not.toContain(mariaPassword);
  });

  it('lists the connections with reachability, latency, tables and rows filled in beside the list', async () => {
    await harness.call('POST', '/api/connections', { name: 'pg-closed', dialect: 'postgres', host: '127.0.0.1', port: 1, database: 'x', username: 'u' }, await harness.token());
    await page.goto('/connections');
    const row = (name: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
    await eventually(async () => {
      const text = await row('pg-sales').innerText();
      if (!/reachable\s+\d+ ms\s+3\s+1,200/.test(text)) throw new Error(`pg-sales row: ${text}`);
    });
    const mariaRow = await row('maria-stock').innerText();
    expect(mariaRow).toContain(`MySQL / MariaDB\t127.0.0.1:${new URL(maria.url).port}/${maria.name}\tno\treachable`);
    expect(await row('pg-closed').innerText()).toContain('unreachable');
    await expectText(page, /pg-closed: connection refused/);
    await screenshot(page, 'connections');
    // A narrow window: the page does not scroll sideways (the table scrolls inside its box).
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('browses a table: schemas, tables paged and searched on the server, then columns, key and indexes', async () => {
    await page.goto(`/connections/${ids['pg']}`);
    await page.getByRole('navigation', { name: 'Schemas' }).getByRole('link', { name: 'public' }).click();
    await expectText(page, '1–3 of 3');
    await page.getByLabel('Search tables').fill('ORDER');
    await expectText(page, '1–2 of 2');
    expect(new URL(page.url()).searchParams.get('q')).toBe('ORDER');
    const names = await page.getByRole('table', { name: 'Tables in public' }).getByRole('link').allInnerTexts();
    expect(names).toEqual(['order_lines', 'orders']);
    await screenshot(page, 'connection-tables');
    await page.getByRole('link', { name: 'orders', exact: true }).click();
    await page.getByRole('heading', { name: 'public.orders' }).waitFor();
    const columns = page.getByRole('table', { name: 'Columns of public.orders' });
    await columns.waitFor();
    const cells = async (column: string) => (await columns.getByRole('row').filter({ hasText: column }).first().getByRole('cell').allInnerTexts()).map((c) => c.trim());
    expect(await cells('amount')).toEqual(['amount', 'numeric(12,2)', 'decimal(12,2)', 'no', '0', '']);
    expect(await cells('placed_at')).toEqual(['placed_at', 'timestamp(3) with time zone', 'timestamptz(3)', 'yes', 'now()', '']);
    expect(await cells('id')).toEqual(['id', 'bigint', 'int64', 'no', 'generated', 'PK 1']);
    const indexes = await page.getByRole('table', { name: 'Indexes of public.orders' }).getByRole('row').allInnerTexts();
    expect(indexes.join('\n')).toMatch(/orders_customer_idx\s+customer_id, placed_at\s+no/);
    await expectText(page, /Rows \(estimate\)\s+1,200/);
    await screenshot(page, 'connection-table');
  });

  it("shows the API's message at the field it names: a URL with a bad port", async () => {
    await page.goto('/connections/new');
    await page.getByLabel(/^Name/).fill('bad-port');
    await page.getByLabel('a URL').check();
    await page.getByLabel(/^URL/).fill('postgres://postgres@127.0.0.1:70000/sales');
    await page.getByRole('button', { name: 'Create connection' }).click();
    const message = 'url: invalid connection settings: port: must be a number from 1 to 65535';
    await page.getByRole('alert').filter({ hasText: `400: ${message}` }).waitFor();
    const field = page.getByLabel(/^URL/);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    const described = await Promise.all(((await field.getAttribute('aria-describedby')) ?? '').split(' ').map((id) => page.locator(`[id="${id}"]`).innerText()));
    expect(described).toContain(message);
    await screenshot(page, 'connection-form-error');
    // The form's own check stops a port out of range before anything is sent.
    await page.getByLabel('separate fields').check();
    await page.getByLabel(/^Host/).fill('127.0.0.1');
    await page.getByLabel(/^Port/).fill('70000');
    await page.getByLabel(/^Database/).fill('sales');
    await page.getByRole('button', { name: 'Create connection' }).click();
    expect(await page.getByLabel(/^Port/).getAttribute('aria-invalid')).toBe('true');
    await expectText(page, 'A port is a whole number from 1 to 65535.');
    expect(new URL(page.url()).pathname).toBe('/connections/new');
  });

  it('edits with a write-only password, and deletes after a confirm that shows the jobs in the way', async () => {
    const token = await harness.token();
    await harness.call(
      'POST',
      '/api/jobs',
      { name: 'orders-to-stock', sourceId: ids['pg'], targetId: ids['maria'], tables: [{ source: 'public.orders' }], mode: 'full', writeMode: 'insert', createTables: true, enabled: false },
      token,
    );
    await page.goto(`/connections/${ids['maria']}/edit`);
    await expectText(page, 'A password is stored; leave empty to keep it.');
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    // Moving it elsewhere without the password is refused before it is sent, as the API would.
    await page.getByLabel(/^Port/).fill('3307');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expectText(page, 'Enter the password again: port changed');
    await page.getByLabel(/^Port/).fill(new URL(maria.url).port);
    await page.getByRole('checkbox', { name: /Read-only/ }).check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    // The API refuses read-only while a job writes to it, naming the job and the field.
    await page.getByRole('alert').filter({ hasText: 'readOnly: the connection is the target of job "orders-to-stock"' }).first().waitFor();
    await page.getByRole('checkbox', { name: /Read-only/ }).uncheck();
    await page.getByLabel(/^Name/).fill('maria-stock-2');
    await Promise.all([page.waitForURL(`**/connections/${ids['maria']}`), page.getByRole('button', { name: 'Save changes' }).click()]);
    await page.getByRole('heading', { name: 'maria-stock-2' }).waitFor();
    await expectText(page, 'stored (never shown)');

    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete connection maria-stock-2?' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('alert').filter({ hasText: '409: the connection is used by job "orders-to-stock"' }).waitFor();
    await screenshot(page, 'connection-delete-conflict');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    const closed = (await harness.call<{ items: Array<{ id: string; name: string }> }>('GET', '/api/connections', undefined, token)).items.find((c) => c.name === 'pg-closed');
    await page.goto(`/connections/${closed?.id}`);
    await page.getByRole('button', { name: 'Delete' }).click();
    await Promise.all([page.waitForURL('**/connections'), page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click()]);
    expect((await harness.call<{ items: Array<{ name: string }> }>('GET', '/api/connections', undefined, token)).items.map((c) => c.name)).not.toContain('pg-closed');
    // Its page answered 502 for its schemas and tables (the database is down, and the page said so); nothing else failed.
    const others = admin.problems.filter((p) => !p.startsWith(`502 GET ${harness.origin}/api/connections/${closed?.id}/`));
    expect(others).toEqual([]);
    admin.problems.length = 0;
  });

  it('shows a viewer the connections and the browser without any edit control', async () => {
    const viewer = await harness.signedInPage('viewer', `/connections/${ids['pg']}`);
    try {
      await viewer.page.getByRole('heading', { name: 'pg-sales' }).waitFor();
      await viewer.page.getByRole('navigation', { name: 'Schemas' }).waitFor();
      for (const name of ['Test connection', 'Delete']) expect(await viewer.page.getByRole('button', { name }).count()).toBe(0);
      expect(await viewer.page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
      await viewer.page.goto('/connections');
      await viewer.page.getByRole('link', { name: 'pg-sales' }).waitFor();
      expect(await viewer.page.getByRole('link', { name: 'New connection' }).count()).toBe(0);
      expect(viewer.problems).toEqual([]);
    } finally {
      await viewer.context.close();
    }
  });
});
