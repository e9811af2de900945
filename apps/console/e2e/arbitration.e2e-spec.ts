import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { type ConsoleHarness, type ConsolePage, eventually, saveConnection, screenshot, startConsole } from './harness';

const ROWS = 500;
/** Rows changed on MariaDB after the copy: one column each (a last decimal digit, a name). */
const DIFFERENT = { 7: 'amount', 42: 'amount', 300: 'name' } as const;
/** Rows deleted on MariaDB (missing there) and one only MariaDB has (extra). */
const MISSING = [11, 12];
const EXTRA = 9001;

/**
 * The arbitration pages in Chromium against the real API, worker, PostgreSQL and MariaDB: a diff
 * made in the form with the exact counts and a differing row side by side; the arbiter on its key;
 * a dry-run repair, its SQL, apply and the clean re-verify; a viewer sees no control that changes
 * anything.
 */
describe('console: arbitration (e2e)', () => {
  let h: ConsoleHarness;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let pgId: string;
  let mariaId: string;
  let diffId: string;
  let repairId: string;
  const opened: ConsolePage[] = [];
  const open = async (role: 'operator' | 'viewer', path: string) => {
    const p = await h.signedInPage(role, path);
    opened.push(p);
    return p;
  };

  const mariaRows = async (sql: string) => {
    const c = await createConnection(maria.url);
    try {
      return ((await c.query(sql)) as unknown as [Record<string, unknown>[]])[0];
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    [pg, maria] = await Promise.all([createPostgresDatabase('dbferry_console_arb_ref'), createMysqlDatabase('dbferry_console_arb_copy')]);
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query(`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, amount numeric(12,2) NOT NULL);
      INSERT INTO items SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, ${ROWS}) g; ANALYZE items;`);
    await client.end();
    const m = await createConnection({ uri: maria.url, multipleStatements: true });
    const values = Array.from({ length: ROWS }, (_, i) => `(${i + 1}, 'item ${i + 1}', ${((i + 1) * 1.5).toFixed(2)})`).join(',');
    await m.query(`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, amount decimal(12,2) NOT NULL);
      INSERT INTO items VALUES ${values};
      UPDATE items SET amount = amount + 0.01 WHERE id IN (7, 42);
      UPDATE items SET name = 'renamed' WHERE id = 300;
      DELETE FROM items WHERE id IN (${MISSING.join(',')});
      INSERT INTO items VALUES (${EXTRA}, 'only here', 1.00);`);
    await m.end();

    h = await startConsole();
    // One after the other: the first admin token changes the initial password, which ends older sessions.
    await h.token('operator');
    await h.token('viewer');
    pgId = await saveConnection(h, 'pg-ref', 'postgres', pg);
    mariaId = await saveConnection(h, 'maria-copy', 'mysql', maria);
  }, 240_000);

  afterAll(async () => {
    for (const p of opened) await p.context.close().catch(() => undefined);
    await h?.close();
    await pg?.drop();
    await maria?.drop();
  }, 60_000);

  it('makes a diff in the form: the exact counts per connection and a differing row side by side', async () => {
    const { page, problems } = await open('operator', '/diffs');
    await page.getByRole('link', { name: 'New diff' }).click();
    await page.getByLabel('Reference connection').selectOption({ label: 'pg-ref (postgres)' });
    await page.getByLabel('maria-copy (mysql)').check();
    await page.getByLabel('Find source tables').fill('items');
    await page.getByRole('button', { name: 'Add public.items' }).click();

    // The API's refusal of a filter is shown under the filter.
    await page.getByLabel('Filter').fill('amount > > 1');
    await page.getByRole('button', { name: 'Start diff' }).click();
    const filterError = page.getByTestId('diff-table-0').locator('.field-error');
    await filterError.waitFor();
    expect(await filterError.innerText()).toMatch(/\S/);
    expect(page.url()).toMatch(/\/diffs\/new$/);
    await screenshot(page, 'diff-form-error');

    await page.getByLabel('Filter').fill('');
    await Promise.all([page.waitForURL(/\/diffs\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Start diff' }).click()]);
    diffId = page.url().split('/').pop() as string;

    const counts = page.locator('tr[data-connection="maria-copy"] td');
    await eventually(async () => expect(await page.locator('.arb-page > .toolbar .badge').innerText()).toBe('succeeded'), 90_000);
    const differing = [...new Set(Object.values(DIFFERENT))].sort().join(', ');
    await eventually(async () => expect((await counts.allInnerTexts()).slice(1)).toEqual([String(MISSING.length), '1', String(Object.keys(DIFFERENT).length), differing]));
    const stored = await h.call<{ tables: { rowsCompared: number }[] }>('GET', `/api/diffs/${diffId}`, undefined, await h.token('operator'));
    const table = page.getByRole('region', { name: 'Table public.items' });
    expect(await table.innerText()).toContain(`${stored.tables[0].rowsCompared.toLocaleString('en-US')} rows compared`);

    // The different rows, paged with both sides' values and the differing column marked.
    const rows = page.getByRole('region', { name: 'Differing rows' });
    await rows.locator('tbody tr').first().waitFor();
    await eventually(async () => expect(await rows.locator('.pager span').first().innerText()).toMatch(/of 3$/));
    const row42 = rows.locator('.table-scroll > table > tbody > tr').filter({ has: page.locator('td:first-child', { hasText: /^42$/ }) });
    await eventually(async () => expect(await row42.locator('tr.arb-differs[data-column="amount"] td').allInnerTexts()).toEqual(['63.00', '63.01']));
    await screenshot(page, 'diff');

    await rows.getByLabel('Kind').selectOption('missing');
    await eventually(async () => expect((await rows.locator('.table-scroll > table > tbody > tr > td:first-child').allInnerTexts()).sort()).toEqual(MISSING.map(String)));
    await rows.getByLabel('Kind').selectOption('extra');
    await eventually(async () => expect(await rows.locator('.table-scroll > table > tbody > tr > td:first-child').allInnerTexts()).toEqual([String(EXTRA)]));
    expect(problems).toEqual([]);
  }, 180_000);

  it('arbitrates one key: each side side by side, the differing column, no consistency', async () => {
    const { page, problems } = await open('operator', `/diffs/${diffId}`);
    const rows = page.getByRole('region', { name: 'Differing rows' });
    const row300 = rows.locator('.table-scroll > table > tbody > tr').filter({ has: page.locator('td:first-child', { hasText: /^300$/ }) });
    await Promise.all([page.waitForURL(/\/arbiter\?/), row300.getByRole('link', { name: 'Arbiter' }).click()]);
    expect(new URL(page.url()).searchParams.get('connections')).toBe(`${pgId},${mariaId}`);
    const verdict = page.getByRole('region', { name: /^Key 300/ });
    await verdict.waitFor();
    expect(await verdict.innerText()).toMatch(/inconsistent/);
    expect(await page.getByTestId('differing').innerText()).toBe('name');
    // Two connections disagreeing: a tie, which goes to the first (the reference).
    expect(await page.getByTestId('majority').innerText()).toBe('pg-ref');
    expect(await verdict.locator('tr.arb-differs[data-column="name"] td').allInnerTexts()).toEqual(['item 300', 'renamed']);
    await screenshot(page, 'arbiter');

    // A key both hold equally is consistent; a bad key is the API's message under the Key field.
    await page.locator('input[name="key"]').fill('5');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByRole('region', { name: /^Key 5 consistent/ }).waitFor();
    await page.locator('input[name="key"]').fill('not-a-number');
    await page.getByRole('button', { name: 'Compare' }).click();
    await eventually(async () => expect(await page.locator('.field-invalid .field-error').allInnerTexts()).toEqual([expect.stringMatching(/key/)]));
    expect(problems).toEqual([]);
  }, 60_000);

  it('plans a repair as a dry run, shows its SQL, applies it and shows the clean re-verify', async () => {
    const { page, problems } = await open('operator', `/diffs/${diffId}`);
    await page.getByRole('button', { name: 'Repair…' }).click();
    const form = page.getByRole('form', { name: 'Repair' });
    expect(await form.getByLabel('Winner', { exact: true }).inputValue()).toBe(pgId);
    await form.getByLabel(/deleteExtra/).check();
    expect(await form.getByLabel(/Dry run/).isChecked()).toBe(true);
    await Promise.all([page.waitForURL(/\/repairs\/[0-9a-f-]{36}$/), form.getByRole('button', { name: 'Plan repair' }).click()]);
    repairId = page.url().split('/').pop() as string;

    await eventually(async () => expect(await page.locator('.arb-page > .toolbar .badge').innerText()).toBe('planned'), 60_000);
    const target = page.locator('tr[data-target="maria-copy"] td');
    // Upserts: 3 different + 2 missing; deletes: the extra row; nothing applied yet.
    await eventually(async () => expect(await target.allInnerTexts()).toEqual(['5', '1', '0', '0', '0', '0']));
    await page.getByRole('button', { name: 'Show SQL for maria-copy' }).click();
    const sql = await page.getByLabel('SQL for maria-copy').innerText();
    expect(sql).toMatch(/ON DUPLICATE KEY UPDATE/);
    expect(sql).toMatch(/DELETE FROM/);
    expect(sql).toContain('`items`');
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download maria-copy.sql' }).click()]);
    expect(file.suggestedFilename()).toMatch(/^repair-[0-9a-f]{8}-maria-copy\.sql$/);
    await screenshot(page, 'repair');
    expect(await mariaRows(`SELECT count(*) AS n FROM items WHERE id = ${EXTRA}`)).toEqual([{ n: 1 }]);

    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Apply' }).click();
    await eventually(async () => expect(await page.locator('.arb-page > .toolbar .badge').innerText()).toBe('succeeded'), 90_000);
    await eventually(async () => expect(await page.getByTestId('reverify').innerText()).toMatch(/^clean/));
    expect(await target.allInnerTexts()).toEqual(['5', '1', '0', '5', '1', '0']);
    // The target now holds the reference's rows.
    expect(await mariaRows(`SELECT count(*) AS n FROM items WHERE id = ${EXTRA}`)).toEqual([{ n: 0 }]);
    expect(await mariaRows('SELECT id, name, CAST(amount AS char) AS amount FROM items WHERE id IN (7, 11, 300) ORDER BY id')).toEqual([
      { id: 7, name: 'item 7', amount: '10.50' },
      { id: 11, name: 'item 11', amount: '16.50' },
      { id: 300, name: 'item 300', amount: '450.00' },
    ]);
    await screenshot(page, 'repair-applied');
    expect(problems).toEqual([]);
  }, 180_000);

  it('shows a viewer the diff without New diff, Repair… or Apply', async () => {
    const { page, problems } = await open('viewer', `/diffs/${diffId}`);
    await page.locator('tr[data-connection="maria-copy"]').waitFor();
    expect(await page.getByRole('button', { name: 'Repair…' }).count()).toBe(0);
    await page.goto('/diffs');
    await page.getByRole('heading', { name: 'Diffs' }).waitFor();
    await page.locator('.data-table[aria-busy="false"] tbody tr').first().waitFor();
    expect(await page.getByRole('link', { name: 'New diff' }).count()).toBe(0);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Repairs' }).count()).toBe(0);
    await page.goto(`/repairs/${repairId}`);
    await page.getByText(/needs the operator role/).waitFor();
    expect(await page.getByRole('button', { name: /Apply/ }).count()).toBe(0);
    expect(problems).toEqual([]);
  }, 60_000);
});
