import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const DIFF_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type DiffStatus = (typeof DIFF_STATUSES)[number];
export const ACTIVE_DIFF_STATUSES: DiffStatus[] = ['queued', 'running'];
export type DiffTrigger = 'manual' | 'repair' | 'run';

/** One entry of a diff request: a table (or pattern "schema.*") on the reference, and how to compare it. */
export interface DiffTableSpec {
  reference: string;
  /** The table's name on another connection, when it differs: {connId: "schema.table"}. */
  others?: Record<string, string>;
  keyColumns?: string[];
  columns?: string[];
  /** A filter in the reference's SQL, applied on every side (validated at plan time). */
  where?: string;
}

export interface DiffOptions {
  bisectionFactor?: number;
  bisectionThreshold?: number;
}

@Entity({ name: 'diff' })
export class DiffEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text', default: 'queued' }) status!: DiffStatus;
  @Column({ type: 'text', default: 'manual' }) trigger!: DiffTrigger;
  @Column({ name: 'reference_id', type: 'uuid' }) referenceId!: string;
  @Column({ name: 'other_ids', type: 'uuid', array: true }) otherIds!: string[];
  @Column({ type: 'jsonb' }) request!: DiffTableSpec[];
  @Column({ type: 'jsonb', default: {} }) options!: DiffOptions;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt!: Date;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  @Column({ name: 'cancel_requested', type: 'boolean', default: false }) cancelRequested!: boolean;
  @Column({ type: 'text', nullable: true }) error!: string | null;
}

export const DIFF_TABLE_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type DiffTableStatus = (typeof DIFF_TABLE_STATUSES)[number];
export const DIFF_ROW_KINDS = ['missing', 'extra', 'different'] as const;
/** `missing`: a row the other connection lacks; `extra`: a row only the other has; `different`: same key, other values. */
export type DiffRowKind = (typeof DIFF_ROW_KINDS)[number];

export interface DiffColumnNoteRecord {
  connectionId: string;
  column: string;
  note: string;
}

/** A few differing rows kept with each side's values, for a reader of the diff who needs no second call. */
export interface DiffSample {
  /** The key in the lossless JSON of @dbferry/engine's key codec. */
  key: unknown[];
  kind: DiffRowKind;
  connectionId: string;
  columns: string[];
  /** Each side's row (column → value as JSON), null where the row does not exist. */
  values: Record<string, Record<string, unknown> | null>;
}

@Entity({ name: 'diff_table' })
export class DiffTableEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'diff_id', type: 'uuid' }) diffId!: string;
  @Column({ type: 'integer' }) position!: number;
  @Column({ name: 'spec_index', type: 'integer' }) specIndex!: number;
  /** "schema.table" on the reference. */
  @Column({ name: 'reference_table', type: 'text' }) referenceTable!: string;
  /** {connId: "schema.table"} on the others. */
  @Column({ name: 'other_tables', type: 'jsonb' }) otherTables!: Record<string, string>;
  @Column({ type: 'text', default: 'pending' }) status!: DiffTableStatus;
  /** The DiffSnapshot of @dbferry/engine; null for a table that failed to plan. */
  @Column({ type: 'jsonb', nullable: true }) snapshot!: unknown | null;
  @Column({ name: 'rows_compared', type: 'bigint', default: 0 }) rowsCompared!: string;
  @Column({ name: 'segments_total', type: 'integer', default: 0 }) segmentsTotal!: number;
  @Column({ name: 'segments_done', type: 'integer', default: 0 }) segmentsDone!: number;
  @Column({ type: 'jsonb', default: {} }) missing!: Record<string, number>;
  @Column({ type: 'jsonb', default: {} }) extra!: Record<string, number>;
  @Column({ type: 'jsonb', default: {} }) different!: Record<string, number>;
  @Column({ type: 'jsonb', default: {} }) columns!: Record<string, string[]>;
  @Column({ type: 'jsonb', default: [] }) notes!: DiffColumnNoteRecord[];
  @Column({ type: 'jsonb', default: [] }) samples!: DiffSample[];
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  @Column({ type: 'text', nullable: true }) error!: string | null;
}

export const DIFF_SEGMENT_STATUSES = ['pending', 'running', 'done', 'split', 'failed', 'cancelled'] as const;
export type DiffSegmentStatus = (typeof DIFF_SEGMENT_STATUSES)[number];

/** One diff-segment job: a key range of one table. A split segment's children are inserted with its 'split' mark. */
@Entity({ name: 'diff_segment' })
export class DiffSegmentEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'diff_table_id', type: 'uuid' }) diffTableId!: string;
  @Column({ name: 'parent_id', type: 'uuid', nullable: true }) parentId!: string | null;
  @Column({ type: 'integer' }) ordinal!: number;
  /** The DiffSegment of @dbferry/engine. */
  @Column({ type: 'jsonb' }) segment!: unknown;
  @Column({ type: 'integer', default: 0 }) depth!: number;
  @Column({ type: 'text', default: 'pending' }) status!: DiffSegmentStatus;
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  @Column({ name: 'rows_compared', type: 'bigint', default: 0 }) rowsCompared!: string;
  @Column({ type: 'integer', default: 0 }) missing!: number;
  @Column({ type: 'integer', default: 0 }) extra!: number;
  @Column({ type: 'integer', default: 0 }) different!: number;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  @Column({ type: 'text', nullable: true }) error!: string | null;
}

/** One differing key of one table on one other connection. Unique per (table, connection, key). */
@Entity({ name: 'diff_row' })
export class DiffRowEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Column({ name: 'diff_table_id', type: 'uuid' }) diffTableId!: string;
  @Column({ name: 'connection_id', type: 'uuid' }) connectionId!: string;
  @Column({ type: 'text' }) kind!: DiffRowKind;
  /** EncodedValue[] of @dbferry/engine's key codec. */
  @Column({ type: 'jsonb' }) key!: unknown[];
  @Column({ type: 'text', array: true, default: '{}' }) columns!: string[];
  @Column({ name: 'segment_id', type: 'uuid', nullable: true }) segmentId!: string | null;
}
