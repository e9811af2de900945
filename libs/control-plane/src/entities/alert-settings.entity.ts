import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The only row's id: alert settings are one per installation. */
export const ALERT_SETTINGS_ID = 1;

@Entity({ name: 'alert_settings' })
export class AlertSettingsEntity {
  @PrimaryColumn({ type: 'smallint' })
  id!: number;

  @Column({ name: 'smtp_host', type: 'text' })
  smtpHost!: string;

  @Column({ name: 'smtp_port', type: 'integer' })
  smtpPort!: number;

  @Column({ name: 'smtp_secure', type: 'boolean', default: false })
  smtpSecure!: boolean;

  @Column({ name: 'smtp_username', type: 'text', nullable: true })
  smtpUsername!: string | null;

  @Column({ name: 'smtp_from', type: 'text' })
  smtpFrom!: string;

  /** Sealed SMTP password (see @dbferry/crypto); never selected unless asked for. */
  @Column({ name: 'secret_key_id', type: 'text', nullable: true, select: false })
  secretKeyId!: string | null;

  @Column({ name: 'secret_ciphertext', type: 'bytea', nullable: true, select: false })
  secretCiphertext!: Buffer | null;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  recipients!: string[];

  @Column({ name: 'dedupe_window_seconds', type: 'integer', default: 3600 })
  dedupeWindowSeconds!: number;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'uuid', nullable: true })
  updatedBy!: string | null;
}

/** The associated data the SMTP password is sealed with: it binds the ciphertext to its row. */
export const alertSettingsSecretAad = (id: string | number) => `alert-settings:${id}:smtp-password`;
