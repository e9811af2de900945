import { randomBytes, randomUUID } from 'node:crypto';
import { parseKeyring, SecretBox } from '@dbferry/crypto';
import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { DataSource } from 'typeorm';
import { ConnectionSecrets } from './connection-secrets';
import { createControlDataSource } from './data-source';
import { ConnectionEntity } from './entities/connection.entity';
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

  it('refuses a ciphertext moved onto another row', async () => {
    const secrets = new ConnectionSecrets(source, new SecretBox(parseKeyring(newKey)));
    const a = await insert(secrets, 'secret-a');
    const b = await insert(secrets, 'secret-b');
    await source.query(`UPDATE connection SET secret_ciphertext = (SELECT secret_ciphertext FROM connection WHERE id = $1) WHERE id = $2`, [a, b]);
    await expect(secrets.load(b)).rejects.toThrow();
    expect((await secrets.load(a))?.password).toBe('secret-a');
  });
});
