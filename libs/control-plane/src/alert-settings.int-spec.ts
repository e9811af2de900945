import { randomBytes } from 'node:crypto';
import { parseKeyring, SecretBox } from '@dbferry/crypto';
import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { DataSource } from 'typeorm';
import { AlertSettingsSecrets } from './alert-settings';
import { createControlDataSource } from './data-source';
import { ALERT_SETTINGS_ID, AlertSettingsEntity } from './entities/alert-settings.entity';
import { migrateUnderLock } from './migrator';
import { rotateSecrets } from './secret-rotation';

const key = () => randomBytes(32).toString('base64');

describe('alert settings in the control store', () => {
  let db: EphemeralDatabase;
  let source: DataSource;
  const oldKey = `old:${key()}`;
  const newKey = `new:${key()}`;

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_alerts');
    source = createControlDataSource({ url: db.url, applicationName: 'alert-settings-test' });
    await source.initialize();
    await migrateUnderLock(source);
  });
  afterAll(async () => {
    await source.destroy();
    await db.drop();
  });

  const save = async (secrets: AlertSettingsSecrets, password: string) => {
    const sealed = secrets.seal(password);
    await source.getRepository(AlertSettingsEntity).upsert(
      {
        id: ALERT_SETTINGS_ID,
        smtpHost: 'smtp.example.com',
        smtpPort: 587,
        smtpFrom: 'alerts@example.com',
        recipients: ['ops@example.com'],
        secretKeyId: sealed.keyId,
        secretCiphertext: sealed.ciphertext,
      },
      ['id'],
    );
  };

  it('stores the password sealed and opens it again', async () => {
    const secrets = new AlertSettingsSecrets(source, new SecretBox(parseKeyring(oldKey)));
    expect(await secrets.load()).toBeNull();
    await save(secrets, 'smtp-secret-1');
    const raw = await source.query(`SELECT to_jsonb(s)::text AS row, secret_ciphertext FROM alert_settings s`);
    expect(raw[0].row).not.toContain('smtp-secret-1');
    expect((raw[0].secret_ciphertext as Buffer).includes(Buffer.from('smtp-secret-1'))).toBe(false);
    expect(await secrets.load()).toMatchObject({
      host: 'smtp.example.com',
      port: 587,
      secure: false,
      password: 'smtp-secret-1',
      recipients: ['ops@example.com'],
      dedupeWindowSeconds: 3600,
      enabled: true,
    });
  });

  it('holds a single row', async () => {
    await expect(
      source.query(`INSERT INTO alert_settings (id, smtp_host, smtp_port, smtp_from) VALUES (2, 'h', 25, 'a@example.com')`),
    ).rejects.toThrow(/check constraint/);
  });

  it('is re-sealed by secret rotation', async () => {
    const rotating = new SecretBox(parseKeyring(`${newKey},${oldKey}`));
    expect(await rotateSecrets(source, rotating)).toEqual({ resealed: 1, current: 0 });
    expect(await source.query('SELECT secret_key_id FROM alert_settings')).toEqual([{ secret_key_id: 'new' }]);
    const after = new AlertSettingsSecrets(source, new SecretBox(parseKeyring(newKey)));
    expect((await after.load())?.password).toBe('smtp-secret-1');
  });

  it('refuses a ciphertext sealed for another record', async () => {
    const box = new SecretBox(parseKeyring(newKey));
    const foreign = box.seal('connection-password', 'connection:00000000-0000-0000-0000-000000000001:password');
    await source.query(`UPDATE alert_settings SET secret_key_id = $1, secret_ciphertext = $2`, [foreign.keyId, foreign.ciphertext]);
    await expect(new AlertSettingsSecrets(source, box).load()).rejects.toThrow();
  });
});
