import { join } from 'node:path';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { Database } from 'sqlite3';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { type ConsoleHarness, type ConsolePage, eventually, saveConnection, screenshot, startConsole } from './harness';

const DDL = {
  postgres: 'CREATE TABLE customers (id integer PRIMARY KEY, email varchar(100) NOT NULL, score numeric(10,2), note text)',
  mysql: 'CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, score DECIMAL(10,2), note TEXT, extra INT DEFAULT 7)',
  sqlite: 'CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, score DECIMAL_TEXT(10,2), note TEXT)',
};

function sqliteRun(path: string, sql: string): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const db = new Database(path, (error) => {
      if (error) return reject(error);
      db.all(sql, (err, rows) => db.close(() => (err ? reject(err) : resolve(rows as Record<string, unknown>[]))));
    });
  });
}

/**
 * The replica-group pages in Chromium against the real API, worker, PostgreSQL, MariaDB and
 * SQLite: a group made in the form, a row written to two members with the third owed a pending
 * task, the task executed from the page and the row then the same on all three; faults created
 * and removed by an admin; a viewer sees no control that changes anything.
 */
describe('console: replica groups (e2e)', () => {
  let h: ConsoleHarness;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let litePath: string;
  let groupId: string;
  const opened: ConsolePage[] = [];
  const open = async (role: 'admin' | 'operator' | 'viewer', path: string) => {
    const p = await h.signedInPage(role, path);
    opened.push(p);
    return p;
  };

  beforeAll(async () => {
    [pg, maria] = await Promise.all([createPostgresDatabase('dbferry_console_grp'), createMysqlDatabase('dbferry_console_grp')]);
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query(DDL.postgres);
    await client.end();
    const m = await createConnection(maria.url);
    await m.query(DDL.mysql);
    await m.end();
    h = await startConsole({ env: { FAULTS_ENABLED: 'true' } });
    litePath = join(h.env.SQLITE_ROOT, 'console-groups.db');
    await sqliteRun(litePath, DDL.sqlite);
    await h.token('operator');
    await h.token('viewer');
    await saveConnection(h, 'grp-pg', 'postgres', pg);
    await saveConnection(h, 'grp-maria', 'mysql', maria);
    await h.call('POST', '/api/connections', { name: 'grp-lite', dialect: 'sqlite', database: 'console-groups.db' }, await h.token('admin'));
  }, 240_000);

  afterAll(async () => {
    for (const p of opened) await p.context.close().catch(() => undefined);
    await h?.close();
    await pg?.drop();
    await maria?.drop();
  }, 60_000);

  it('creates a group on PostgreSQL, MariaDB and SQLite in the form, with the membership differences shown', async () => {
    const { page, problems } = await open('operator', '/groups');
    await page.getByRole('link', { name: 'New group' }).click();
    await page.getByLabel('Name').fill('customers');
    const members = [
      ['grp-pg (postgres)', 'public.customers'],
      ['grp-maria (mysql)', 'customers'],
      ['grp-lite (sqlite)', 'customers'],
    ];
    await page.getByRole('button', { name: 'Add member' }).click();
    for (const [i, [connection, table]] of members.entries()) {
      await page.getByLabel(`Connection of member ${i + 1}`).selectOption({ label: connection });
      await page.getByLabel(`Table of member ${i + 1}`).fill(table);
    }
    await page.getByLabel(/apply sync tasks by themselves/).uncheck();
    await screenshot(page, 'group-form');
    await Promise.all([page.waitForURL(/\/groups\/[0-9a-f-]{36}/), page.getByRole('button', { name: 'Create group' }).click()]);
    groupId = new URL(page.url()).pathname.split('/').pop() as string;
    // MariaDB's extra column (with a default) is a difference that does not stop the group.
    await eventually(async () => expect(await page.getByTestId('group-differences').innerText()).toContain('extra'));
    expect(problems).toEqual([]);
  }, 120_000);

  it('writes a row to two members: the third has a pending task; executing it makes the three equal', async () => {
    const { page, problems } = await open('operator', `/groups/${groupId}`);
    await page.getByRole('button', { name: 'New row' }).click();
    await page.locator('#field-id').fill('42');
    await page.locator('#field-email').fill('ada@example.com');
    await page.locator('#field-score').fill('10.50');
    await page.locator('#field-note').fill('first');
    await page.getByRole('checkbox', { name: 'grp-lite' }).uncheck();
    await page.getByRole('button', { name: 'Write', exact: true }).click();
    const answer = page.getByTestId('write-answer');
    await answer.waitFor();
    expect(await page.getByTestId('answer-written').innerText()).toBe('written: grp-pg, grp-maria');
    expect(await page.getByTestId('answer-pending').innerText()).toMatch(/^pending: 1 task\(s\)/);
    expect(await page.getByTestId('answer-failed').innerText()).toBe('failed: none');

    // The arbiter: SQLite lacks the row, PostgreSQL and MariaDB are the majority.
    const arbiter = page.getByTestId('row-arbiter');
    await eventually(async () => expect(await arbiter.locator('.badge').innerText()).toBe('inconsistent'));
    expect(await page.getByTestId('majority').innerText()).toBe('grp-pg, grp-maria');
    await eventually(async () => expect(await page.locator('tr[data-member="grp-lite"] [data-testid="debt-pending"]').innerText()).toBe('1'));
    const task = page.getByRole('region', { name: 'Open sync tasks' }).locator('tbody tr').filter({ hasText: 'grp-lite' });
    await eventually(async () => expect(await task.count()).toBe(1));
    expect(await task.innerText()).toContain('pending');
    await screenshot(page, 'group');

    await task.getByRole('button', { name: /^Execute task/ }).click();
    await eventually(async () => {
      await page.getByRole('button', { name: 'Open' }).click();
      expect(await arbiter.locator('.badge').innerText()).toBe('consistent');
    }, 60_000);
    expect(await page.getByTestId('differing').innerText()).toBe('none');
    await eventually(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      expect(await page.locator('tr[data-member="grp-lite"] [data-testid="debt-pending"]').innerText()).toBe('0');
    });
    // The member itself holds the row (read outside dbferry).
    expect(await sqliteRun(litePath, 'SELECT id, email, note FROM customers')).toEqual([{ id: 42, email: 'ada@example.com', note: 'first' }]);

    const tasks = await open('operator', `/sync-tasks?groupId=${groupId}&status=done`);
    await eventually(async () => expect(await tasks.page.locator('tbody tr').filter({ hasText: 'grp-lite' }).count()).toBe(1));
    await screenshot(tasks.page, 'sync-tasks');
    await page.goto('/groups');
    await eventually(async () => expect(await page.getByTestId('member-debt').count()).toBe(3));
    await screenshot(page, 'groups');
    expect(problems).toEqual([]);
  }, 180_000);

  it('lets an admin inject a fault when the API has them on, list it and remove it', async () => {
    const { page, problems } = await open('admin', '/groups');
    // The API has fault injection on, so an admin's navigation offers Faults.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Faults' }).click();
    await page.waitForURL(/\/faults$/);
    await page.getByLabel('Connection').selectOption({ label: 'grp-maria (mysql)' });
    await page.getByLabel('Operation').selectOption('write');
    await page.getByLabel('Seconds').fill('600');
    await page.getByRole('button', { name: 'Inject fault' }).click();
    const fault = page.getByTestId('fault');
    await eventually(async () => expect(await fault.count()).toBe(1));
    expect(await fault.innerText()).toContain('grp-maria');
    await screenshot(page, 'faults');
    await fault.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await eventually(async () => expect(await fault.count()).toBe(0));
    const listed = await h.call<{ items: unknown[] }>('GET', '/api/faults', undefined, await h.token('admin'));
    expect(listed.items).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);

  it('shows a viewer the group, its debt and its tasks with no control that changes anything', async () => {
    const { page, problems } = await open('viewer', `/groups/${groupId}?key=42`);
    await eventually(async () => expect(await page.getByTestId('row-arbiter').locator('.badge').innerText()).toBe('consistent'));
    for (const name of ['Write', 'Delete', 'Execute all', 'Delete group', 'New row']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
    expect(await page.locator('#field-email').count()).toBe(0);
    await page.goto('/groups');
    await page.getByRole('link', { name: 'customers' }).waitFor();
    expect(await page.getByRole('link', { name: 'New group' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Faults' }).count()).toBe(0);
    await page.goto('/sync-tasks');
    await page.locator('tbody tr').first().waitFor();
    expect(await page.getByRole('button', { name: /^Execute/ }).count()).toBe(0);
    expect(problems).toEqual([]);
  }, 60_000);
});
