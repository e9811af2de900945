import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const SYNC_MODES = ['full', 'incremental'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];
export const JOB_WRITE_MODES = ['insert', 'upsert', 'replace'] as const;
export type JobWriteMode = (typeof JOB_WRITE_MODES)[number];

/** A column transform as stored: @dbferry/engine's ColumnTransform. */
export interface JobColumnTransform {
  column: string;
  rename?: string;
  exclude?: boolean;
  /** A constant (`value`) or an expression the source evaluates (`expr`, in its SQL). */
  set?: { value?: string | number | boolean | null; expr?: string; type?: 'bool' | 'int32' | 'int64' | 'float64' | 'decimal' | 'text' | 'date' | 'timestamp' | 'timestamptz' | 'json' | 'uuid' };
  mask?: 'hash' | 'last4' | 'null' | { keepLast: number };
}

/** One table selection of a job; `source` is "schema.table" or a pattern "schema.*". */
export interface JobTableSpec {
  source: string;
  target?: string;
  /** Validated at save time (parsed, one boolean expression over the table's columns). */
  where?: string;
  keyColumns?: string[];
  incrementalColumn?: string;
  columns?: string[];
  /** Target type per column name, verbatim (checked against a safe pattern at save time), for created tables and added columns. */
  types?: Record<string, string>;
  /** Column transforms (rename, exclude, set, mask), checked at save time; see docs/transforms.md. */
  transforms?: JobColumnTransform[];
}

@Entity({ name: 'sync_job' })
export class SyncJobEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'source_id', type: 'uuid' }) sourceId!: string;
  @Column({ name: 'target_id', type: 'uuid' }) targetId!: string;
  @Column({ type: 'jsonb' }) tables!: JobTableSpec[];
  @Column({ type: 'text' }) mode!: SyncMode;
  @Column({ name: 'write_mode', type: 'text' }) writeMode!: JobWriteMode;
  @Column({ name: 'create_tables', type: 'boolean', default: true }) createTables!: boolean;
  @Column({ name: 'evolve_schema', type: 'boolean', default: true }) evolveSchema!: boolean;
  @Column({ name: 'delete_missing', type: 'boolean', default: false }) deleteMissing!: boolean;
  @Column({ type: 'text', nullable: true }) schedule!: string | null;
  @Column({ name: 'schedule_tz', type: 'text', nullable: true }) scheduleTz!: string | null;
  @Column({ type: 'boolean', default: true }) enabled!: boolean;
  @Column({ name: 'batch_size', type: 'integer', default: 5000 }) batchSize!: number;
  @Column({ name: 'chunk_rows', type: 'integer', default: 200000 }) chunkRows!: number;
  @Column({ name: 'max_rejects', type: 'integer', default: 0 }) maxRejects!: number;
  @Column({ name: 'lookback_seconds', type: 'integer', default: 0 }) lookbackSeconds!: number;
  /** U+0000 in text for a PostgreSQL target: stripped (with a warning) or the row rejected. */
  @Column({ type: 'text', default: 'strip' }) nul!: 'strip' | 'reject';
  /** Every run that copied successfully ends with a diff of the tables it wrote (drift on the run). */
  @Column({ type: 'boolean', default: false }) verify!: boolean;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy!: string | null;
  /** The job's hash salt for masked columns, sealed (JobSalts); made by its first run that hashes. Never selected unless asked for. */
  @Column({ name: 'transform_salt_key_id', type: 'text', nullable: true, select: false }) transformSaltKeyId!: string | null;
  @Column({ name: 'transform_salt_ciphertext', type: 'bytea', nullable: true, select: false }) transformSaltCiphertext!: Buffer | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
