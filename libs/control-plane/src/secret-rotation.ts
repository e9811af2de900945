import { DataSource } from 'typeorm';
import type { SecretBox } from '@dbferry/crypto';
import { alertSettingsSecretAad } from './entities/alert-settings.entity';
import { connectionSecretAad } from './entities/connection.entity';
import { eventSourceHeadersAad, eventSourcePreviousSecretAad, eventSourceSecretAad } from './events/event.repository';
import { jobSaltAad } from './job-salts';

/** A table column pair that holds sealed secrets, and how its associated data is formed. */
interface SealedColumn {
  table: string;
  keyIdColumn: string;
  ciphertextColumn: string;
  aad: (id: string) => string;
}

/** Every sealed secret in the store; a feature that seals a new column adds it here. */
export const SEALED_COLUMNS: SealedColumn[] = [
  { table: 'connection', keyIdColumn: 'secret_key_id', ciphertextColumn: 'secret_ciphertext', aad: connectionSecretAad },
  { table: 'alert_settings', keyIdColumn: 'secret_key_id', ciphertextColumn: 'secret_ciphertext', aad: alertSettingsSecretAad },
  { table: 'event_source', keyIdColumn: 'secret_key_id', ciphertextColumn: 'secret_ciphertext', aad: eventSourceSecretAad },
  { table: 'event_source', keyIdColumn: 'previous_key_id', ciphertextColumn: 'previous_ciphertext', aad: eventSourcePreviousSecretAad },
  { table: 'event_source', keyIdColumn: 'headers_key_id', ciphertextColumn: 'headers_ciphertext', aad: eventSourceHeadersAad },
  // A job's hash salt (masked columns): re-sealed, never made anew, so the job's hashes stay the same.
  { table: 'sync_job', keyIdColumn: 'transform_salt_key_id', ciphertextColumn: 'transform_salt_ciphertext', aad: jobSaltAad },
];

export interface RotationReport {
  resealed: number;
  current: number;
}

/**
 * Re-seals every secret not sealed under the current key, one transaction per table with
 * rows locked, so a rotation interrupted half-way leaves each row readable by the keyring.
 */
export async function rotateSecrets(dataSource: DataSource, box: SecretBox): Promise<RotationReport> {
  const report: RotationReport = { resealed: 0, current: 0 };
  for (const column of SEALED_COLUMNS) {
    await dataSource.transaction(async (tx) => {
      const rows: { id: string; key_id: string; ciphertext: Buffer }[] = await tx.query(
        `SELECT id, ${column.keyIdColumn} AS key_id, ${column.ciphertextColumn} AS ciphertext
           FROM ${column.table} WHERE ${column.ciphertextColumn} IS NOT NULL FOR UPDATE`,
      );
      for (const row of rows) {
        const sealed = { keyId: row.key_id, ciphertext: row.ciphertext };
        if (!box.needsRotation(sealed)) {
          report.current++;
          continue;
        }
        const resealed = box.seal(box.open(sealed, column.aad(row.id)), column.aad(row.id));
        await tx.query(
          `UPDATE ${column.table} SET ${column.keyIdColumn} = $1, ${column.ciphertextColumn} = $2 WHERE id = $3`,
          [resealed.keyId, resealed.ciphertext, row.id],
        );
        report.resealed++;
      }
    });
  }
  await rotateFrozenSalts(dataSource, box, report);
  return report;
}

/**
 * The copies of job salts that run snapshots froze (run_table.snapshot → transform.salt, sealed,
 * its ciphertext in base64): re-sealed too, so a run planned before the rotation (resumed or
 * still copying) opens its salt once the old key has left the keyring.
 */
async function rotateFrozenSalts(dataSource: DataSource, box: SecretBox, report: RotationReport): Promise<void> {
  await dataSource.transaction(async (tx) => {
    const rows: { id: string; job_id: string; salt: { keyId?: unknown; ciphertext?: unknown } }[] = await tx.query(
      `SELECT t.id, r.job_id, t.snapshot -> 'transform' -> 'salt' AS salt
         FROM run_table t JOIN run r ON r.id = t.run_id
        WHERE jsonb_typeof(t.snapshot -> 'transform' -> 'salt') = 'object' FOR UPDATE OF t`,
    );
    for (const row of rows) {
      if (typeof row.salt.keyId !== 'string' || typeof row.salt.ciphertext !== 'string') continue;
      const sealed = { keyId: row.salt.keyId, ciphertext: Buffer.from(row.salt.ciphertext, 'base64') };
      if (!box.needsRotation(sealed)) {
        report.current++;
        continue;
      }
      const resealed = box.reseal(sealed, jobSaltAad(row.job_id));
      const frozen = { keyId: resealed.keyId, ciphertext: resealed.ciphertext.toString('base64') };
      await tx.query(`UPDATE run_table SET snapshot = jsonb_set(snapshot, '{transform,salt}', $1::jsonb) WHERE id = $2`, [JSON.stringify(frozen), row.id]);
      report.resealed++;
    }
  });
}
