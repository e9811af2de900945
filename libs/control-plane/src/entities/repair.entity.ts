import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const REPAIR_STATUSES = ['planned', 'running', 'succeeded', 'failed'] as const;
export type RepairStatus = (typeof REPAIR_STATUSES)[number];
export type RepairPhase = 'plan' | 'apply';

/** The rule as stored: @dbferry/engine's RepairRule. */
export type RepairRuleRecord = { kind: 'source'; connectionId: string } | { kind: 'newest'; column: string } | { kind: 'majority' };

@Entity({ name: 'repair' })
export class RepairEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text', default: 'running' }) status!: RepairStatus;
  @Column({ type: 'text', default: 'plan' }) phase!: RepairPhase;
  @Column({ name: 'dry_run', type: 'boolean', default: false }) dryRun!: boolean;
  @Column({ name: 'diff_id', type: 'uuid', nullable: true }) diffId!: string | null;
  @Column({ name: 'diff_table_id', type: 'uuid', nullable: true }) diffTableId!: string | null;
  @Column({ type: 'jsonb' }) rule!: RepairRuleRecord;
  @Column({ name: 'source_id', type: 'uuid', nullable: true }) sourceId!: string | null;
  @Column({ name: 'target_ids', type: 'uuid', array: true }) targetIds!: string[];
  @Column({ name: 'delete_extra', type: 'boolean', default: false }) deleteExtra!: boolean;
  @Column({ type: 'text', nullable: true }) table!: string | null;
  /** A key-list repair's keys: EncodedValue[][] of @dbferry/engine's key codec. */
  @Column({ type: 'jsonb', nullable: true }) keys!: unknown[][] | null;
  @Column({ name: 'key_columns', type: 'text', array: true, nullable: true }) keyColumns!: string[] | null;
  /** The RepairSnapshot of @dbferry/engine; null until planned. */
  @Column({ type: 'jsonb', nullable: true }) snapshot!: unknown | null;
  @Column({ name: 'keys_planned', type: 'integer', default: 0 }) keysPlanned!: number;
  @Column({ type: 'integer', default: 0 }) applies!: number;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt!: Date;
  @Column({ name: 'planned_at', type: 'timestamptz', nullable: true }) plannedAt!: Date | null;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  @Column({ name: 'verify_diff_id', type: 'uuid', nullable: true }) verifyDiffId!: string | null;
  @Column({ name: 'verify_clean', type: 'boolean', nullable: true }) verifyClean!: boolean | null;
  @Column({ type: 'text', nullable: true }) error!: string | null;
}

/** A target's planned counts and what the latest apply changed. */
@Entity({ name: 'repair_target' })
export class RepairTargetEntity {
  @PrimaryColumn({ name: 'repair_id', type: 'uuid' }) repairId!: string;
  @PrimaryColumn({ name: 'connection_id', type: 'uuid' }) connectionId!: string;
  @Column({ type: 'integer', default: 0 }) upserts!: number;
  @Column({ type: 'integer', default: 0 }) deletes!: number;
  @Column({ type: 'integer', default: 0 }) unresolved!: number;
  @Column({ type: 'integer', default: 0 }) errors!: number;
  @Column({ type: 'integer', default: 0 }) upserted!: number;
  @Column({ type: 'integer', default: 0 }) deleted!: number;
}

export type RepairSegmentStatus = 'pending' | 'staged' | 'done';

/** One target transaction of the plan: up to a batch of actions of one kind. */
@Entity({ name: 'repair_segment' })
export class RepairSegmentEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'repair_id', type: 'uuid' }) repairId!: string;
  @Column({ name: 'connection_id', type: 'uuid' }) connectionId!: string;
  @Column({ type: 'integer' }) ordinal!: number;
  @Column({ type: 'text' }) kind!: 'upsert' | 'delete';
  /** RepairAction[] of @dbferry/engine, as planned. */
  @Column({ type: 'jsonb' }) actions!: unknown[];
  @Column({ type: 'text', default: 'pending' }) status!: RepairSegmentStatus;
  @Column({ type: 'jsonb', nullable: true }) staged!: unknown[] | null;
  @Column({ type: 'integer', default: 0 }) applied!: number;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
}
