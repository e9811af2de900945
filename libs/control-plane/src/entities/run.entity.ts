import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const ACTIVE_RUN_STATUSES: RunStatus[] = ['queued', 'running'];
export type RunTrigger = 'manual' | 'schedule' | 'recovery';

/** bigint counters stay strings: they may pass 2^53 on a long-lived job. */
@Entity({ name: 'run' })
export class RunEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'job_id', type: 'uuid' }) jobId!: string;
  @Column({ type: 'text', default: 'queued' }) status!: RunStatus;
  @Column({ type: 'text' }) trigger!: RunTrigger;
  @Column({ name: 'requested_by', type: 'uuid', nullable: true }) requestedBy!: string | null;
  @Column({ name: 'queued_at', type: 'timestamptz', default: () => 'now()' }) queuedAt!: Date;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  @Column({ name: 'rows_read', type: 'bigint', default: 0 }) rowsRead!: string;
  @Column({ name: 'rows_written', type: 'bigint', default: 0 }) rowsWritten!: string;
  @Column({ type: 'bigint', default: 0 }) rejects!: string;
  @Column({ name: 'rows_deleted', type: 'bigint', default: 0 }) rowsDeleted!: string;
  @Column({ name: 'cancel_requested', type: 'boolean', default: false }) cancelRequested!: boolean;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  /** Rows the closing verify found differing across the tables (missing + extra + different); null when not verified. */
  @Column({ type: 'bigint', nullable: true }) drift!: string | null;
  /** Why the closing verify could not finish (some or all tables unverified). */
  @Column({ name: 'verify_error', type: 'text', nullable: true }) verifyError!: string | null;
  /** The closing verify stored as a finished diff (trigger 'run'): its differing keys are paged there. */
  @Column({ name: 'diff_id', type: 'uuid', nullable: true }) diffId!: string | null;
}

export const RUN_TABLE_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunTableStatus = (typeof RUN_TABLE_STATUSES)[number];

@Entity({ name: 'run_table' })
export class RunTableEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'run_id', type: 'uuid' }) runId!: string;
  @Column({ type: 'integer' }) ordinal!: number;
  @Column({ name: 'spec_index', type: 'integer' }) specIndex!: number;
  @Column({ name: 'source_schema', type: 'text' }) sourceSchema!: string;
  @Column({ name: 'source_name', type: 'text' }) sourceName!: string;
  @Column({ name: 'target_schema', type: 'text' }) targetSchema!: string;
  @Column({ name: 'target_name', type: 'text' }) targetName!: string;
  @Column({ name: 'source_table', type: 'text' }) sourceTable!: string;
  @Column({ name: 'target_table', type: 'text' }) targetTable!: string;
  @Column({ type: 'text', default: 'pending' }) status!: RunTableStatus;
  @Column({ name: 'key_columns', type: 'text', array: true, default: '{}' }) keyColumns!: string[];
  @Column({ type: 'boolean', default: true }) resumable!: boolean;
  @Column({ name: 'rows_read', type: 'bigint', default: 0 }) rowsRead!: string;
  @Column({ name: 'rows_written', type: 'bigint', default: 0 }) rowsWritten!: string;
  @Column({ name: 'chunks_total', type: 'integer', default: 0 }) chunksTotal!: number;
  @Column({ name: 'chunks_done', type: 'integer', default: 0 }) chunksDone!: number;
  @Column({ type: 'text', array: true, default: '{}' }) ddl!: string[];
  @Column({ type: 'jsonb', default: [] }) losses!: { column: string; kind: string; description: string }[];
  @Column({ type: 'jsonb', default: [] }) warnings!: string[];
  @Column({ name: 'incremental_column', type: 'text', nullable: true }) incrementalColumn!: string | null;
  /** The incremental read's inclusive lower bound, in the lossless JSON encoding (key-codec). */
  @Column({ name: 'since_value', type: 'jsonb', nullable: true }) sinceValue!: unknown | null;
  /** The plan snapshot the run's chunks and finish-run execute (TableSnapshot of @dbferry/engine); null for a table that failed to plan. */
  @Column({ type: 'jsonb', nullable: true }) snapshot!: unknown | null;
  @Column({ name: 'rows_deleted', type: 'bigint', default: 0 }) rowsDeleted!: string;
  /** Rows the target refused, left out of the table (see run_reject). */
  @Column({ type: 'bigint', default: 0 }) rejects!: string;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  /** What the run's closing verify found in this table; null when it was not verified. */
  @Column({ type: 'jsonb', nullable: true }) drift!: TableDrift | null;
  /** Why this table's verify could not finish. */
  @Column({ name: 'verify_error', type: 'text', nullable: true }) verifyError!: string | null;
}

/** A verified table's drift: target rows missing, extra and different against the source, and a few keys of each (lossless JSON). */
export interface TableDrift {
  missing: number;
  extra: number;
  different: number;
  total: number;
  samples: { kind: 'missing' | 'extra' | 'different'; key: unknown[]; columns?: string[] }[];
}

export type ChunkStatus = 'pending' | 'running' | 'done' | 'failed';

@Entity({ name: 'run_chunk' })
export class RunChunkEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'run_table_id', type: 'uuid' }) runTableId!: string;
  @Column({ type: 'integer' }) ordinal!: number;
  @Column({ name: 'lower_key', type: 'jsonb', nullable: true }) lowerKey!: unknown[] | null;
  @Column({ name: 'upper_key', type: 'jsonb', nullable: true }) upperKey!: unknown[] | null;
  @Column({ type: 'text', default: 'pending' }) status!: ChunkStatus;
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  @Column({ name: 'lease_token', type: 'uuid', nullable: true }) leaseToken!: string | null;
  @Column({ name: 'leased_until', type: 'timestamptz', nullable: true }) leasedUntil!: Date | null;
  @Column({ name: 'rows_read', type: 'bigint', default: 0 }) rowsRead!: string;
  @Column({ name: 'rows_written', type: 'bigint', default: 0 }) rowsWritten!: string;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  /** `{value, key}` in the lossless JSON encoding: the largest incremental row this chunk committed. */
  @Column({ type: 'jsonb', nullable: true }) watermark!: unknown | null;
  @Column({ name: 'rows_deleted', type: 'bigint', default: 0 }) rowsDeleted!: string;
  @Column({ type: 'integer', default: 0 }) rejects!: number;
  /** Value-level losses of this chunk's committed write, per (column, kind): replaced when the chunk is stored again. */
  @Column({ type: 'jsonb', default: [] }) warnings!: { column: string; kind: string; count: number }[];
  @Column({ type: 'text', nullable: true }) error!: string | null;
}

/** Least to most severe. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

@Entity({ name: 'run_log' })
export class RunLogEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Column({ name: 'run_id', type: 'uuid' }) runId!: string;
  @Column({ type: 'timestamptz', default: () => 'now()' }) at!: Date;
  @Column({ type: 'text' }) level!: LogLevel;
  @Column({ name: 'table_name', type: 'text', nullable: true }) tableName!: string | null;
  @Column({ type: 'text' }) message!: string;
  /** For a line about an error: its class, code and stack (ErrorDetail of @dbferry/dialects-core). */
  @Column({ type: 'jsonb', nullable: true }) detail!: { class: string; code?: string; stack?: string } | null;
}

/** A source row the target refused: its key in the lossless JSON of @dbferry/engine's key codec. */
@Entity({ name: 'run_reject' })
export class RunRejectEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Column({ name: 'run_id', type: 'uuid' }) runId!: string;
  @Column({ name: 'run_table_id', type: 'uuid' }) runTableId!: string;
  @Column({ name: 'run_chunk_id', type: 'uuid', nullable: true }) runChunkId!: string | null;
  @Column({ type: 'jsonb' }) key!: unknown[];
  @Column({ name: 'column_name', type: 'text', nullable: true }) columnName!: string | null;
  @Column({ type: 'text' }) error!: string;
  @Column({ type: 'timestamptz', default: () => 'now()' }) at!: Date;
}
