import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { REPAIR_STATUSES } from '@dbferry/control-plane';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../../common/openapi';
import { PageQuery } from '../../common/pagination.dto';

const EXAMPLE_REPAIR_ID = '4e8d2c6a-0b1f-4a3e-9d5c-7b6a5f4e3d2c';
const EXAMPLE_DIFF_ID = '1d7e5c3a-9b2f-4e61-8a0d-5c4b3a2f1e0d';
const EXAMPLE_TARGET_ID = '2a4b6c8d-1e3f-4a5b-8c7d-9e0f1a2b3c4d';
/** Keys one key-list repair may name. */
export const MAX_REPAIR_KEYS = 100_000;

export class RepairRuleDto {
  @ApiProperty({ enum: ['newest', 'majority'], example: 'newest', description: 'newest: the row with the largest value of `column` wins; majority: the row most connections hold (a tie is left alone). For a chosen source, give sourceId instead.' })
  @IsIn(['newest', 'majority'])
  kind!: 'newest' | 'majority';

  @ApiPropertyOptional({ example: 'updated_at', description: 'for newest: a compared column (a timestamp or a version number)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  column?: string;
}

export class CreateRepairDto {
  @ApiPropertyOptional({ format: 'uuid', example: EXAMPLE_DIFF_ID, description: "a finished diff whose differing keys are repaired (or give sourceId, table and keys)" })
  @IsOptional()
  @IsUUID()
  diffId?: string;

  @ApiPropertyOptional({ example: 'public.orders', description: "the table: with a diff, which of its tables (required when it has several, as GET /api/diffs/:id names them); without, \"schema.table\" on the source" })
  @IsOptional()
  @IsString()
  @MinLength(3)
  @MaxLength(300)
  table?: string;

  @ApiPropertyOptional({ format: 'uuid', example: EXAMPLE_ID.connection, description: 'the source of truth: its rows win (or give rule)' })
  @IsOptional()
  @IsUUID()
  sourceId?: string;

  @ApiPropertyOptional({ type: RepairRuleDto, description: 'with a diff, instead of sourceId: the newest row by a column, or the majority' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RepairRuleDto)
  rule?: RepairRuleDto;

  @ApiProperty({ type: [String], format: 'uuid', example: [EXAMPLE_TARGET_ID], description: 'the connections written' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(16)
  @IsUUID('all', { each: true })
  targetIds!: string[];

  @ApiPropertyOptional({ example: false, description: 'delete a target row when the winner has none (default false: extra rows are left)' })
  @IsOptional()
  @IsBoolean()
  deleteExtra?: boolean;

  @ApiPropertyOptional({ example: true, description: 'plan only: store the plan with its counts and SQL; POST /api/repairs/:id/apply runs it as planned' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({
    type: 'array',
    items: {},
    example: [42, 43, ['eu', 7]],
    description: `without a diff: the keys to repair (at most ${MAX_REPAIR_KEYS}), each the value of a one-column key, an array of values in key order, or an object {column: value} when keyColumns is given; 64-bit integers as strings`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_REPAIR_KEYS)
  keys?: unknown[];

  @ApiPropertyOptional({ example: ['id'], description: "without a diff: the key columns (default: the source's primary key)" })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  keyColumns?: string[];
}

export class RepairCreatedView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_REPAIR_ID }) repairId!: string;
}

export class RepairListQuery extends PageQuery {}

export class SqlQuery {
  /** A malformed id is a 400 here; a missing one is the service's 400 once the repair is found (an unknown repair stays a 404). */
  @ApiProperty({ format: 'uuid', example: EXAMPLE_TARGET_ID, description: 'the target whose plan is shown (one of the repair\'s targetIds)' })
  @IsOptional()
  @ValidateIf((_, value) => value !== '')
  @IsUUID()
  connectionId?: string;
}

export class RepairTargetView {
  @ApiProperty({ example: 12, description: 'rows the plan upserts' }) upserts!: number;
  @ApiProperty({ example: 3, description: 'rows the plan deletes' }) deletes!: number;
  @ApiProperty({ example: 0, description: 'segments that failed on this target' }) errors!: number;
  @ApiProperty({ example: 0, description: 'keys the rule could not settle (a majority tie), left as they are' }) unresolved!: number;
  @ApiProperty({ example: 12, description: 'rows the latest apply upserted (0 for a row already right)' }) upserted!: number;
  @ApiProperty({ example: 3, description: 'rows the latest apply deleted' }) deleted!: number;
}

export class RepairVerifyView {
  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: EXAMPLE_DIFF_ID, description: "the re-verify's diff (GET /api/diffs/:id), once applied" }) diffId!: string | null;
  @ApiProperty({ type: Boolean, nullable: true, example: true, description: 'whether every repaired key now holds the winning row on every target' }) clean!: boolean | null;
}

export class RepairView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_REPAIR_ID }) id!: string;
  @ApiProperty({ enum: REPAIR_STATUSES, example: 'succeeded', description: 'running while it is planned or applied; planned: a dry run waiting for apply' }) status!: string;
  @ApiProperty({ example: false }) dryRun!: boolean;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: EXAMPLE_DIFF_ID }) diffId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'public.orders' }) table!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { kind: 'source', connectionId: EXAMPLE_ID.connection } }) rule!: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: EXAMPLE_ID.connection }) sourceId!: string | null;
  @ApiProperty({ type: [String], example: [EXAMPLE_TARGET_ID] }) targetIds!: string[];
  @ApiProperty({ example: false }) deleteExtra!: boolean;
  @ApiProperty({ example: 15, description: 'keys the plan decided' }) keys!: number;
  @ApiProperty({ example: 1, description: 'applies finished' }) applies!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/RepairTargetView' },
    example: { [EXAMPLE_TARGET_ID]: { upserts: 12, deletes: 3, errors: 0, unresolved: 0, upserted: 12, deleted: 3 } },
    description: 'per target connection id',
  })
  targets!: Record<string, RepairTargetView>;
  @ApiProperty({ type: RepairVerifyView }) verify!: RepairVerifyView;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: EXAMPLE_ID.user }) createdBy!: string | null;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: EXAMPLE_TIME }) plannedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: EXAMPLE_TIME }) startedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: EXAMPLE_TIME }) finishedAt!: Date | null;
  @ApiProperty({ type: String, nullable: true, example: null }) error!: string | null;
}
