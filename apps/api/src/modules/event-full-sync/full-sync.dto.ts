import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

const EXAMPLE_RUN = '5b0d5a3e-8a1f-4c1e-9a59-3b8f3c6f0d11';
const EXAMPLE_SOURCE = '0f6f2c1a-2b7e-4c55-9d0a-6b1c8e7f4a21';

export class StartFullSyncDto {
  @ApiPropertyOptional({ example: false, default: false, description: 'also delete target rows whose key the snapshot no longer has (unless an event reached them after the snapshot started)' })
  @IsOptional()
  @IsBoolean()
  deleteMissing?: boolean;
}

export class FullSyncRunTriggeredView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_RUN, description: 'follow it at GET /api/event-full-syncs/:id' }) runId!: string;
}

export class FullSyncRunLogView {
  @ApiProperty({ example: '42' }) id!: string;
  @ApiProperty({ format: 'date-time', example: '2026-01-31T12:00:00.000Z' }) at!: string;
  @ApiProperty({ enum: ['info', 'warn', 'error'], example: 'info' }) level!: string;
  @ApiProperty({ example: 'snapshot pulled: 3 page(s); waiting for the drain to apply it' }) message!: string;
}

export class FullSyncRunView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_RUN }) id!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_SOURCE }) sourceId!: string;
  @ApiProperty({ example: 'catalogue' }) source!: string;
  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'failed'], example: 'succeeded' }) status!: string;
  @ApiProperty({ enum: ['manual', 'schedule'], example: 'manual' }) trigger!: string;
  @ApiProperty({ example: true }) deleteMissing!: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: '2026-01-31T12:00:00.000Z', description: 'the instant snapshot rows without a version are ordered at' }) snapshotAt!: string | null;
  @ApiProperty({ example: 3, description: 'snapshot pages read' }) pages!: number;
  @ApiProperty({ example: 250, description: 'snapshot entities stored in the inbox' }) entities!: number;
  @ApiProperty({ example: 240, description: 'snapshot entities applied to their targets' }) applied!: number;
  @ApiProperty({ example: 10, description: 'snapshot entities older than what the target holds (an event newer than the snapshot, or a tombstone)' }) skipped!: number;
  @ApiProperty({ example: 0 }) failed!: number;
  @ApiProperty({ example: 1, description: 'target rows deleted as missing from the snapshot' }) deleted!: number;
  @ApiProperty({ nullable: true, type: String, example: null }) error!: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-01-31T12:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: '2026-01-31T12:00:00.000Z' }) startedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: '2026-01-31T12:00:05.000Z' }) finishedAt!: string | null;
}

export class FullSyncRunDetailView extends FullSyncRunView {
  @ApiProperty({ type: [FullSyncRunLogView], description: 'the run log, oldest first (at most 500 lines)' }) logs!: FullSyncRunLogView[];
}
