import { createHmac } from 'node:crypto';
import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { parseKeyring, SecretBox } from '@dbferry/crypto';
import { jobSaltAad } from '@dbferry/control-plane';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase, spawnWorker, WorkerProcess } from '@dbferry/testing';
import { ApiHarness, runJobToEnd, saveConnection, startApi } from './harness';

const ROWS = 40;
const HEX64 = /^[0-9a-f]{64}$/;

/** The transforms under test: a renamed key, two hashed columns (text and int), keep-last, null, an exclude and a new constant. */
const TRANSFORMS = [
  { column: 'id', rename: 'person_id' },
  { column: 'email', rename: 'email_hash', mask: 'hash' },
  { column: 'card', mask: 'hash' },
  { column: 'phone', mask: 'last4' },
  { column: 'iban', mask: { keepLast: 2 } },
  { column: 'notes', mask: 'null' },
  { column: 'secret', exclude: true },
  { column: 'region', set: { value: 'eu-west' } },
  { column: 'score', rename: 'points' },
];

interface TargetRow {
  person_id: number;
  email_hash: string;
  card: string | null;
  phone: string;
  iban: string;
  notes: string | null;
  region: string;
  points: string;
}

describe('column transforms (e2e)', () => {
  let api: ApiHarness;
  let admin: string;
  let operator: string;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let worker: WorkerProcess | undefined;
  let sourceId: string;
  let targetId: string;
  const auth = () => ({ Authorization: `Bearer ${operator}` });
  const body = (target: string, transforms: unknown[] = TRANSFORMS, extra: Record<string, unknown> = {}) => ({
    name: `transforms ${target} ${Math.random().toString(36).slice(2, 8)}`,
    sourceId,
    targetId,
    mode: 'full',
    writeMode: 'upsert',
    tables: [{ source: 'public.people', target: `${maria.name}.${target}`, transforms, ...extra }],
  });

  const targetRows = async (table: string): Promise<TargetRow[]> => {
    const db = await createConnection({ uri: maria.url, supportBigNumbers: true, bigNumberStrings: true });
    try {
      const [rows] = await db.query(`SELECT * FROM \`${table}\` ORDER BY person_id`);
      return rows as TargetRow[];
    } finally {
      await db.end();
    }
  };
  const targetTypes = async (table: string): Promise<Record<string, string>> => {
    const db = await createConnection({ uri: maria.url });
    try {
      const [rows] = await db.query('SELECT column_name AS c, column_type AS t FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position', [maria.name, table]);
      // MariaDB shows an integer's display width (int(11)), which is no part of its type.
      return Object.fromEntries((rows as { c: string; t: string }[]).map((r) => [r.c, r.t.replace(/^(tinyint|smallint|mediumint|int|bigint)\(\d+\)/, '$1')]));
    } finally {
      await db.end();
    }
  };
  /** The job's salt, opened with the test's secrets key: the hashes must be HMAC-SHA256 under it. */
  const saltOf = async (jobId: string): Promise<Buffer> => {
    const client = new Client({ connectionString: api.db.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT transform_salt_key_id AS k, transform_salt_ciphertext AS c FROM sync_job WHERE id = $1', [jobId]);
      expect(rows[0].k).toBeTruthy();
      const box = new SecretBox(parseKeyring(api.env['SECRETS_KEY']));
      return Buffer.from(box.open({ keyId: rows[0].k as string, ciphertext: rows[0].c as Buffer }, jobSaltAad(jobId)), 'base64');
    } finally {
      await client.end();
    }
  };
  const hmac = (salt: Buffer, text: string) => createHmac('sha256', salt).update(text, 'utf8').digest('hex');

  beforeAll(async () => {
    api = await startApi();
    admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    pg = await createPostgresDatabase('dbferry_tf_src');
    maria = await createMysqlDatabase('dbferry_tf_dst');
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query(`
      CREATE TABLE people (
        id int PRIMARY KEY, email varchar(120) NOT NULL, card bigint, phone text NOT NULL, iban varchar(34) NOT NULL,
        notes text, secret text, score numeric(10,2) NOT NULL)`);
    await client.query(`
      INSERT INTO people
      SELECT g, 'person' || g || '@example.com', CASE WHEN g % 10 = 0 THEN NULL ELSE 4000000000000000 + g END, '+44 20 7946 ' || lpad(g::text, 4, '0'),
             'GB29NWBK601613319268' || lpad(g::text, 2, '0'), 'note ' || g, 'do not copy ' || g, g * 1.5
        FROM generate_series(1, ${ROWS}) g`);
    await client.query(`CREATE TABLE events (id int PRIMARY KEY, label text NOT NULL, email text NOT NULL, changed_at timestamp(6) NOT NULL)`);
    await client.query(`INSERT INTO events SELECT g, 'label ' || g, 'e' || g || '@example.com', timestamp '2026-01-01 00:00:00' + g * interval '1 minute' FROM generate_series(1, ${ROWS}) g`);
    await client.end();
    worker = await spawnWorker({ WORKER_CONCURRENCY: '2', LOG_LEVEL: 'warn' });
    await worker.ready();
    sourceId = await saveConnection(api, admin, 'tf-pg', 'postgres', pg);
    targetId = await saveConnection(api, admin, 'tf-maria', 'mysql', maria);
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api.close();
    await pg.drop();
    await maria.drop();
  }, 60_000);

  it('previews the transformed columns with their target types, and lands them as previewed', async () => {
    const preview = (await request(api.http).post('/api/jobs/preview').set(auth()).send(body('people_a')).expect(200)).body.tables[0];
    const mapping = Object.fromEntries((preview.mapping as { column: string; targetType: string; transform?: string }[]).map((m) => [m.column, m]));
    expect(Object.keys(mapping)).toEqual(['person_id', 'email_hash', 'card', 'phone', 'iban', 'notes', 'points', 'region']);
    expect(mapping['person_id']).toMatchObject({ sourceColumn: 'id', transform: 'renamed from id' });
    expect(mapping['email_hash']).toMatchObject({ sourceColumn: 'email', targetType: 'varchar(64)', transform: expect.stringContaining('HMAC-SHA256') });
    expect(mapping['card']).toMatchObject({ sourceType: 'bigint', targetType: 'varchar(64)' });
    expect(mapping['iban']).toMatchObject({ targetType: 'varchar(34)' });
    expect(mapping['points']).toMatchObject({ sourceColumn: 'score', targetType: 'decimal(10,2)' });
    expect(mapping['region'].transform).toContain('new column');
    expect(preview.targetKeyColumns).toEqual(['person_id']);
    expect(preview.ddl.join('\n')).not.toContain('secret');

    const job = (await request(api.http).post('/api/jobs').set(auth()).send(body('people_a')).expect(201)).body;
    const run = await runJobToEnd(api, operator, job.id, { context: () => worker?.output() ?? '' });
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: ROWS, rowsWritten: ROWS });

    // The created table is typed as previewed.
    const types = await targetTypes('people_a');
    expect(Object.keys(types)).toEqual(Object.keys(mapping));
    for (const [column, m] of Object.entries(mapping)) expect(`${column} ${types[column]}`).toBe(`${column} ${m.targetType}`);

    const salt = await saltOf(job.id);
    const rows = await targetRows('people_a');
    expect(rows).toHaveLength(ROWS);
    for (const row of rows) {
      const g = Number(row.person_id);
      expect(row.email_hash).toBe(hmac(salt, `person${g}@example.com`));
      if (g % 10 === 0) expect(row.card).toBeNull();
      else expect(row.card).toBe(hmac(salt, String(4000000000000000 + g)));
      expect(row.phone).toBe(`${'*'.repeat(12)}${String(g).padStart(4, '0')}`);
      expect(row.iban).toBe(`${'*'.repeat(20)}${String(g).padStart(2, '0')}`);
      expect(row.notes).toBeNull();
      expect(row.region).toBe('eu-west');
      expect(row.points).toBe((g * 1.5).toFixed(2));
      expect(row).not.toHaveProperty('secret');
    }
  }, 180_000);

  it('hashes alike across runs of one job and differently in another job', async () => {
    const first = (await request(api.http).post('/api/jobs').set(auth()).send(body('people_b')).expect(201)).body;
    expect(JSON.stringify(first)).not.toMatch(/salt/i);
    expect((await runJobToEnd(api, operator, first.id)).status).toBe('succeeded');
    const once = await targetRows('people_b');
    expect((await runJobToEnd(api, operator, first.id)).status).toBe('succeeded');
    const twice = await targetRows('people_b');
    expect(twice.map((r) => r.email_hash)).toEqual(once.map((r) => r.email_hash));
    expect(once.every((r) => HEX64.test(r.email_hash))).toBe(true);

    const other = (await request(api.http).post('/api/jobs').set(auth()).send(body('people_c')).expect(201)).body;
    expect((await runJobToEnd(api, operator, other.id)).status).toBe('succeeded');
    const elsewhere = await targetRows('people_c');
    expect(elsewhere).toHaveLength(ROWS);
    elsewhere.forEach((row, i) => {
      expect(row.person_id).toEqual(once[i].person_id);
      expect(row.email_hash).not.toBe(once[i].email_hash);
    });
    expect((await saltOf(other.id)).equals(await saltOf(first.id))).toBe(false);
  }, 180_000);

  it('runs incremental and verified on renamed key and incremental columns (the masked column left out of the verify)', async () => {
    const job = (
      await request(api.http)
        .post('/api/jobs')
        .set(auth())
        .send({
          name: 'transforms incremental',
          sourceId,
          targetId,
          mode: 'incremental',
          writeMode: 'upsert',
          verify: true,
          tables: [
            {
              source: 'public.events',
              target: `${maria.name}.events_t`,
              incrementalColumn: 'changed_at',
              transforms: [
                { column: 'id', rename: 'event_id' },
                { column: 'changed_at', rename: 'changed' },
                { column: 'label', rename: 'title' },
                { column: 'email', mask: 'hash' },
              ],
            },
          ],
        })
        .expect(201)
    ).body;
    const first = await runJobToEnd(api, operator, job.id, { context: () => worker?.output() ?? '' });
    expect(first).toMatchObject({ status: 'succeeded', rowsWritten: ROWS, drift: 0, verifyError: null });

    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query(`UPDATE events SET label = 'changed ' || id, changed_at = timestamp '2026-06-01 00:00:00' + id * interval '1 second' WHERE id IN (3, 7)`);
    await client.query(`INSERT INTO events VALUES (1000, 'new one', 'new@example.com', timestamp '2026-06-02 00:00:00')`);
    await client.end();
    const second = await runJobToEnd(api, operator, job.id, { context: () => worker?.output() ?? '' });
    // Only the rows at or after the watermark (on the renamed column's source) are read again.
    expect(second).toMatchObject({ status: 'succeeded', drift: 0, verifyError: null });
    expect(second.rowsRead).toBeLessThan(ROWS);

    const db = await createConnection({ uri: maria.url });
    try {
      const [rows] = await db.query('SELECT event_id, title, email, changed FROM events_t WHERE event_id IN (3, 7, 1000, 8) ORDER BY event_id');
      const got = rows as { event_id: number; title: string; email: string }[];
      expect(got.map((r) => [r.event_id, r.title])).toEqual([
        [3, 'changed 3'],
        [7, 'changed 7'],
        [8, 'label 8'],
        [1000, 'new one'],
      ]);
      expect(got.every((r) => HEX64.test(r.email))).toBe(true);
    } finally {
      await db.end();
    }
  }, 180_000);

  it.each([
    ['a masked key column', [{ column: 'id', mask: 'hash' }], 'tables[0].transforms[0].mask', /key column/],
    ['an excluded key column', [{ column: 'email', rename: 'mail' }, { column: 'id', exclude: true }], 'tables[0].transforms[1].exclude', /key column/],
    ['an unknown mask', [{ column: 'email', mask: 'sha1' }], 'tables[0].transforms[0].mask', /hash/],
    ['a negative keepLast', [{ column: 'email', mask: { keepLast: -3 } }], 'tables[0].transforms[0].mask', /keepLast/],
    ['a column the table lacks', [{ column: 'nope', mask: 'null' }], 'tables[0].transforms[0].column', /no column nope/],
    ['two actions', [{ column: 'notes', exclude: true, mask: 'null' }], 'tables[0].transforms[0].mask', /one of/],
    ['nothing to do', [{ column: 'notes' }], 'tables[0].transforms[0].column', /nothing to do/],
    ['a constant of the wrong type', [{ column: 'region', set: { value: 'x', type: 'int64' } }], 'tables[0].transforms[0].set.value', /not a int64/],
    ['an object as a constant', [{ column: 'region', set: { value: { a: 1 } } }], 'tables[0].transforms[0].set.value', /string, number, boolean or null/],
    ['an unknown constant type', [{ column: 'region', set: { value: 'x', type: 'money' } }], 'tables[0].transforms[0].set.type', /type/],
    ['two targets of one name', [{ column: 'email', rename: 'phone' }], 'tables[0].transforms[0].rename', /two target columns/],
    ['an unknown property', [{ column: 'email', hash: true }], 'tables[0].transforms[0].hash', /should not exist/],
  ])('refuses %s with a 400 naming the field', async (_what, transforms, field, reason) => {
    const res = await request(api.http).post('/api/jobs').set(auth()).send(body('people_bad', transforms)).expect(400);
    expect(res.body.details).toContainEqual(expect.objectContaining({ field }));
    expect(res.body.message).toMatch(reason);
  });
});
