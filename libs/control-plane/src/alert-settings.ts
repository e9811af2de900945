import type { SealedSecret, SecretBox } from '@dbferry/crypto';
import { DataSource } from 'typeorm';
import { ALERT_SETTINGS_ID, AlertSettingsEntity, alertSettingsSecretAad } from './entities/alert-settings.entity';

/** Alert settings as the code uses them; `password` only in memory, for the send that needs it. */
export interface StoredAlertSettings {
  host: string;
  port: number;
  secure: boolean;
  username?: string;
  password?: string;
  from: string;
  recipients: string[];
  dedupeWindowSeconds: number;
  enabled: boolean;
  updatedAt: Date;
  updatedBy: string | null;
}

/** Seals and opens the SMTP password of the single alert_settings row. */
export class AlertSettingsSecrets {
  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
  ) {}

  seal(password: string): SealedSecret {
    return this.box.seal(password, alertSettingsSecretAad(ALERT_SETTINGS_ID));
  }

  /** The row, or null when nothing was saved yet (the env settings apply then). */
  async loadRow(): Promise<AlertSettingsEntity | null> {
    return this.dataSource
      .getRepository(AlertSettingsEntity)
      .createQueryBuilder('s')
      .addSelect(['s.secretKeyId', 's.secretCiphertext'])
      .where('s.id = :id', { id: ALERT_SETTINGS_ID })
      .getOne();
  }

  /** The saved settings with the password unsealed, or null when nothing was saved. */
  async load(): Promise<StoredAlertSettings | null> {
    const row = await this.loadRow();
    return row ? this.open(row) : null;
  }

  open(row: AlertSettingsEntity): StoredAlertSettings {
    const password =
      row.secretKeyId && row.secretCiphertext
        ? this.box.open({ keyId: row.secretKeyId, ciphertext: row.secretCiphertext }, alertSettingsSecretAad(row.id))
        : undefined;
    return {
      host: row.smtpHost,
      port: row.smtpPort,
      secure: row.smtpSecure,
      username: row.smtpUsername ?? undefined,
      password,
      from: row.smtpFrom,
      recipients: row.recipients,
      dedupeWindowSeconds: row.dedupeWindowSeconds,
      enabled: row.enabled,
      updatedAt: row.updatedAt,
      updatedBy: row.updatedBy,
    };
  }
}
