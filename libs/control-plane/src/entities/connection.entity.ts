import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { DialectName } from '@dbferry/dialects-core';

@Entity({ name: 'connection' })
export class ConnectionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  dialect!: DialectName;

  @Column({ type: 'text', nullable: true })
  host!: string | null;

  @Column({ type: 'integer', nullable: true })
  port!: number | null;

  @Column({ type: 'text' })
  database!: string;

  @Column({ type: 'text', nullable: true })
  username!: string | null;

  /** Sealed password (see @dbferry/crypto); never selected unless asked for. */
  @Column({ name: 'secret_key_id', type: 'text', nullable: true, select: false })
  secretKeyId!: string | null;

  @Column({ name: 'secret_ciphertext', type: 'bytea', nullable: true, select: false })
  secretCiphertext!: Buffer | null;

  @Column({ type: 'jsonb', default: {} })
  options!: Record<string, string | number | boolean>;

  @Column({ name: 'read_only', type: 'boolean', default: false })
  readOnly!: boolean;

  /** Chunks that may use this connection at once across the fleet; null: CONNECTION_MAX_PARALLEL_CHUNKS. */
  @Column({ name: 'max_parallel_chunks', type: 'integer', nullable: true })
  maxParallelChunks!: number | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** The associated data a connection password is sealed with: it binds the ciphertext to its row. */
export const connectionSecretAad = (id: string) => `connection:${id}:password`;
