import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { JOB_WRITE_MODES, SYNC_MODES, type JobWriteMode, type SyncMode } from '@dbferry/control-plane';

export class JobTableDto {
  @ApiProperty({ example: 'sales.orders', description: '"schema.table" or a pattern "schema.*" (quote names holding dots: "my.schema"."t")' })
  @IsString()
  @MinLength(3)
  @MaxLength(300)
  source!: string;

  @ApiPropertyOptional({ example: 'public.orders', description: 'target "schema.table" (for a pattern: "schema.*"); default: the source name' })
  @IsOptional()
  @IsString()
  @MinLength(3)
  @MaxLength(300)
  target?: string;

  @ApiPropertyOptional({ example: "status = 'paid' AND amount >= 10", description: 'one boolean expression over the table’s columns; parsed and re-rendered, never run as given' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  where?: string;

  @ApiPropertyOptional({ example: ['id'], description: 'default: the primary key' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  keyColumns?: string[];

  @ApiPropertyOptional({ example: 'updated_at', description: 'required in incremental mode' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  incrementalColumn?: string;

  @ApiPropertyOptional({ example: ['id', 'status', 'amount'], description: 'a subset of columns; default: all' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2000)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  columns?: string[];
}

class JobSettings {
  @ApiPropertyOptional({ default: true, description: 'create missing target tables with mapped types' })
  @IsOptional()
  @IsBoolean()
  createTables?: boolean;

  @ApiPropertyOptional({ default: true, description: 'add source columns missing from the target' })
  @IsOptional()
  @IsBoolean()
  evolveSchema?: boolean;

  @ApiPropertyOptional({ default: false, description: 'remove target rows whose keys vanished from the source' })
  @IsOptional()
  @IsBoolean()
  deleteMissing?: boolean;

  @ApiPropertyOptional({ example: '*/15 * * * *', nullable: true, description: 'cron (5 or 6 fields); null removes the schedule' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  schedule?: string | null;

  @ApiPropertyOptional({ example: 'Europe/Paris', description: 'IANA time zone of the schedule (default UTC)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  scheduleTz?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ default: 5000, minimum: 1, maximum: 100000, description: 'rows per write batch' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  batchSize?: number;

  @ApiPropertyOptional({ default: 200000, minimum: 100, maximum: 100000000, description: 'rows per key-range chunk (one queue job each)' })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(100_000_000)
  chunkRows?: number;

  @ApiPropertyOptional({ default: 0, description: 'rows the target may reject before the run fails (0: strict)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  maxRejects?: number;

  @ApiPropertyOptional({ default: 0, description: 'incremental: seconds re-read before the watermark, for late commits' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 86400)
  lookbackSeconds?: number;

  @ApiPropertyOptional({
    enum: ['strip', 'reject'],
    default: 'strip',
    description: 'U+0000 in text bound for PostgreSQL (which cannot hold it): strip it with a warning in the run, or reject the row (see maxRejects)',
  })
  @IsOptional()
  @IsIn(['strip', 'reject'])
  nul?: 'strip' | 'reject';
}

export class CreateJobDto extends JobSettings {
  @ApiProperty({ example: 'orders to warehouse', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  sourceId!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  targetId!: string;

  @ApiProperty({ type: [JobTableDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => JobTableDto)
  tables!: JobTableDto[];

  @ApiProperty({ enum: SYNC_MODES, example: 'full' })
  @IsIn(SYNC_MODES)
  mode!: SyncMode;

  @ApiProperty({ enum: JOB_WRITE_MODES, example: 'upsert' })
  @IsIn(JOB_WRITE_MODES)
  writeMode!: JobWriteMode;
}

export class UpdateJobDto extends JobSettings {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  sourceId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  targetId?: string;

  @ApiPropertyOptional({ type: [JobTableDto] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => JobTableDto)
  tables?: JobTableDto[];

  @ApiPropertyOptional({ enum: SYNC_MODES })
  @IsOptional()
  @IsIn(SYNC_MODES)
  mode?: SyncMode;

  @ApiPropertyOptional({ enum: JOB_WRITE_MODES })
  @IsOptional()
  @IsIn(JOB_WRITE_MODES)
  writeMode?: JobWriteMode;
}

export class JobView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) sourceId!: string;
  @ApiProperty({ format: 'uuid' }) targetId!: string;
  @ApiProperty({ type: [JobTableDto] }) tables!: JobTableDto[];
  @ApiProperty({ enum: SYNC_MODES }) mode!: SyncMode;
  @ApiProperty({ enum: JOB_WRITE_MODES }) writeMode!: JobWriteMode;
  @ApiProperty() createTables!: boolean;
  @ApiProperty() evolveSchema!: boolean;
  @ApiProperty() deleteMissing!: boolean;
  @ApiProperty({ nullable: true, type: String }) schedule!: string | null;
  @ApiProperty({ nullable: true, type: String }) scheduleTz!: string | null;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() batchSize!: number;
  @ApiProperty() chunkRows!: number;
  @ApiProperty() maxRejects!: number;
  @ApiProperty({ enum: ['strip', 'reject'] }) nul!: 'strip' | 'reject';
  @ApiProperty() lookbackSeconds!: number;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
}
