import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { parseKeyring, SecretBox } from '@dbferry/crypto';
import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { DataSource } from 'typeorm';
import { ConnectionSecrets } from './connection-secrets';
import { createControlDataSource } from './data-source';
import { ConnectionEntity } from './entities/connection.entity';
import { SyncJobEntity } from './entities/sync-job.entity';
import { JobSalts } from './job-salts';
import { migrateUnderLock } from './migrator';
import { rotateSecrets } from './secret-rotation';

const key = () => randomBytes(32).toString('base64');

describe('secret rotation', () => {
  let db: EphemeralDatabase;
  let source: DataSource;
  const oldKey = `old:${key()}`;
  const newKey = `new:${key()}`;

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_rotate');
    source = createControlDataSource({ url: db.url, applicationName: 'rotate-test' });
    await source.initialize();
    await migrateUnderLock(source);
  });
  afterAll(async () => {
    await source.destroy();
    await db.drop();
  });

  const insert = async (secrets: ConnectionSecrets, password: string) => {
    const id = randomUUID();
    const sealed = secrets.seal(id, password);
    await source.getRepository(ConnectionEntity).insert({
      id, name: `c-${id}`, dialect: 'postgres', host: '127.0.0.1', database: 'x',
      secretKeyId: sealed.keyId, secretCiphertext: sealed.ciphertext,
    });
    return id;
  };

  it('re-seals every secret under the new key, after which the old key can go', async () => {
    const before = new ConnectionSecrets(source, new SecretBox(parseKeyring(oldKey)));
    const ids = [await insert(before, 'first-secret'), await insert(before, 'second-secret')];

    const rotating = new SecretBox(parseKeyring(`${newKey},${oldKey}`));
    expect(await rotateSecrets(source, rotating)).toEqual({ resealed: 2, current: 0 });
    expect(await rotateSecrets(source, rotating)).toEqual({ resealed: 0, current: 2 });

    const keyIds = await source.query('SELECT DISTINCT secret_key_id FROM connection');
    expect(keyIds).toEqual([{ secret_key_id: 'new' }]);
    const after = new ConnectionSecrets(source, new SecretBox(parseKeyring(newKey)));
    expect((await after.load(ids[0]))?.password).toBe('first-secret');
    expect((await after.load(ids[1]))?.password).toBe('second-secret');
    await expect(before.load(ids[0])).rejects.toThrow();
  });

  it("re-seals a job's hash salt and a run's frozen copy of it: the job hashes alike before and after, without the old key", async () => {
    const oldBox = new SecretBox(parseKeyring(oldKey));
    const secrets = new ConnectionSecrets(source, oldBox);
    const [from, to] = [await insert(secrets, 'from-secret'), await insert(secrets, 'to-secret')];
    const job = await source.getRepository(SyncJobEntity).save(
      source.getRepository(SyncJobEntity).create({ name: `hashing-${from}`, sourceId: from, targetId: to, tables: [{ source: 'public.customers', transforms: [{ column: 'email', mask: 'hash' }] }], mode: 'full', writeMode: 'upsert' }),
    );
    // As plan-run does: the job's salt made on its first hashing run, and a copy frozen into the run's table snapshot.
    const frozen = await new JobSalts(source, oldBox).sealed(job.id);
    if (!frozen) throw new Error('no salt');
    const [{ id: runId }] = (await source.query(`INSERT INTO run (job_id, trigger) VALUES ($1, 'manual') RETURNING id`, [job.id])) as { id: string }[];
    const [{ id: tableId }] = (await source.query(
      `INSERT INTO run_table (run_id, ordinal, spec_index, source_schema, source_name, target_schema, target_name, source_table, target_table, snapshot)
       VALUES ($1, 0, 0, 'public', 'customers', 'public', 'customers', 'public.customers', 'public.customers', $2) RETURNING id`,
      [runId, JSON.stringify({ v: 1, transform: { hashes: true, salt: frozen } })],
    )) as { id: string }[];
    // The masked value as the engine's hash mask writes it: HMAC-SHA256 under the salt, in hex (docs/transforms.md).
    const hash = (salt: Buffer) => createHmac('sha256', salt).update('zoë@example.com', 'utf8').digest('hex');
    const before = hash(new JobSalts(source, oldBox).open(job.id, frozen));

    const rotating = new SecretBox(parseKeyring(`${newKey},${oldKey}`));
    const report = await rotateSecrets(source, rotating);
    expect(report.resealed).toBe(4); // two passwords, the job's salt, the run's copy

    const newOnly = new JobSalts(source, new SecretBox(parseKeyring(newKey)));
    const stored = await newOnly.sealed(job.id); // the salt kept, not made anew
    expect(stored?.keyId).toBe('new');
    expect(hash(newOnly.open(job.id, stored as NonNullable<typeof stored>))).toBe(before);
    const [{ salt }] = (await source.query(`SELECT snapshot -> 'transform' -> 'salt' AS salt FROM run_table WHERE id = $1`, [tableId])) as { salt: { keyId: string; ciphertext: string } }[];
    expect(salt.keyId).toBe('new');
    expect(hash(newOnly.open(job.id, salt))).toBe(before);
    expect(() => new JobSalts(source, oldBox).open(job.id, salt)).toThrow();
    // Nothing left under the old key; a second rotation has nothing to do.
    expect((await rotateSecrets(source, rotating)).resealed).toBe(0);
  });

  it('refuses a ciphertext moved onto another row', async () => {
    const secrets = new ConnectionSecrets(source, new SecretBox(parseKeyring(newKey)));
    const a = await insert(secrets, 'secret-a');
    const b = await insert(secrets, 'secret-b');
    await source.query(`UPDATE connection SET secret_ciphertext = (SELECT secret_ciphertext FROM connection WHERE id = $1) WHERE id = $2`, [a, b]);
    await expect(secrets.load(b)).rejects.toThrow();
    expect((await secrets.load(a))?.password).toBe('secret-a');
  });
});
