import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { FAULT_OPERATIONS, type FaultOperation } from '@dbferry/dialects-core';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../../common/openapi';

export const MAX_FAULT_COUNT = 1_000_000;
/** A day: a fault is a rehearsal, not a configuration. */
export const MAX_FAULT_SECONDS = 86_400;
export const EXAMPLE_FAULT_ID = '2a4e6c8b-1d3f-4a5b-8c7d-9e0f1a2b3c4d';

export class CreateFaultDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection, description: 'the connection to fail, in the API and every worker' })
  @IsUUID('all', { message: 'connectionId must be a UUID' })
  connectionId!: string;

  @ApiProperty({
    enum: FAULT_OPERATIONS,
    example: 'write',
    description: 'connect: opening a session fails; read: reads, introspection and checksums fail; write: writes and statements fail',
  })
  @IsIn(FAULT_OPERATIONS)
  operation!: FaultOperation;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_FAULT_COUNT, example: 2, description: 'fail this many operations, then end (count or seconds is required; with both, whichever ends first)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_FAULT_COUNT)
  count?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_FAULT_SECONDS, example: 30, description: 'fail every such operation for this many seconds, then end' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_FAULT_SECONDS)
  seconds?: number;
}

export class FaultView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_FAULT_ID }) id!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection }) connectionId!: string;
  @ApiProperty({ enum: FAULT_OPERATIONS, example: 'write' }) operation!: FaultOperation;
  @ApiProperty({ type: Number, nullable: true, example: 2, description: 'operations to fail in all; null for a timed fault' }) count!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 1, description: 'operations still to fail; null for a timed fault' }) remaining!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 30, description: 'how long it lasts; null for a counted fault' }) seconds!: number | null;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) createdAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time', example: EXAMPLE_TIME, description: 'when a timed fault ends by itself' }) expiresAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', example: EXAMPLE_ID.user, description: 'the admin who made it' }) createdBy!: string | null;
}
