import { randomBytes } from 'node:crypto';
import type { SecretBox } from '@dbferry/crypto';
import { DataSource } from 'typeorm';
import { SyncJobEntity } from './entities/sync-job.entity';

/** A job's hash salt as a run snapshot freezes it: still sealed, its ciphertext in base64 (JSON). */
export interface FrozenSalt {
  keyId: string;
  ciphertext: string;
}

/** What a job's salt is bound to: a sealed salt copied to another job does not open. */
export const jobSaltAad = (jobId: string) => `sync_job:${jobId}:transform_salt`;

/**
 * The per-job salt of hashed (masked) columns: 32 random bytes, sealed with the secrets key,
 * made once per job (the first run that hashes) and kept for its life, so one value hashes
 * alike in every run of a job and differently in any other job. Plaintext only in memory.
 */
export class JobSalts {
  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
  ) {}

  /** The job's sealed salt, made now when it has none (two planners racing keep the first one stored); null for a job that is gone. */
  async sealed(jobId: string): Promise<FrozenSalt | null> {
    const sealed = this.box.seal(randomBytes(32).toString('base64'), jobSaltAad(jobId));
    await this.dataSource.query(
      `UPDATE sync_job SET transform_salt_key_id = $2, transform_salt_ciphertext = $3 WHERE id = $1 AND transform_salt_ciphertext IS NULL`,
      [jobId, sealed.keyId, sealed.ciphertext],
    );
    const row = await this.dataSource
      .getRepository(SyncJobEntity)
      .createQueryBuilder('j')
      .select(['j.id', 'j.transformSaltKeyId', 'j.transformSaltCiphertext'])
      .where('j.id = :jobId', { jobId })
      .getOne();
    if (!row?.transformSaltKeyId || !row.transformSaltCiphertext) return null;
    return { keyId: row.transformSaltKeyId, ciphertext: row.transformSaltCiphertext.toString('base64') };
  }

  /** The salt's bytes, opened from a snapshot's frozen copy. */
  open(jobId: string, frozen: FrozenSalt): Buffer {
    const text = this.box.open({ keyId: frozen.keyId, ciphertext: Buffer.from(frozen.ciphertext, 'base64') }, jobSaltAad(jobId));
    return Buffer.from(text, 'base64');
  }
}
