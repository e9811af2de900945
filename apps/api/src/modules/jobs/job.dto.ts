import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsTimeZone,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { CONSTANT_TYPES, type ConstantType } from '@dbferry/engine';
import { JOB_WRITE_MODES, RUN_STATUSES, SYNC_MODES, type JobWriteMode, type RunStatus, type SyncMode } from '@dbferry/control-plane';

const EXAMPLE_JOB_ID = '9b2d4f61-3c8a-4e57-b1d0-6a7f8e9c0d12';
const EXAMPLE_SOURCE_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const EXAMPLE_TARGET_ID = '2a4b6c8d-1e3f-4a5b-8c7d-9e0f1a2b3c4d';
const EXAMPLE_TIME = '2026-11-23T09:30:00.000Z';
const EXAMPLE_RUN_ID = '5b0f2c1e-8f6b-4c1e-9f1a-2d3c4b5a6e7f';
const EXAMPLE_LAST_RUN = { id: EXAMPLE_RUN_ID, status: 'succeeded', queuedAt: EXAMPLE_TIME, finishedAt: '2026-11-23T09:30:15.000Z' };
const EXAMPLE_TYPES = { amount: 'numeric(20,4)', payload: 'jsonb' };
const EXAMPLE_TABLES = [{ source: 'sales.orders', target: 'public.orders', keyColumns: ['id'], types: EXAMPLE_TYPES }, { source: 'sales.*', target: 'public.*' }];

const CONSTANT_TYPE_NAMES = [...CONSTANT_TYPES];

export class TransformConstantDto {
  @ApiPropertyOptional({ example: 'eu-west', nullable: true, oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }], description: 'the constant; a string, number, boolean or null (give value or expr)' })
  @Allow()
  value?: string | number | boolean | null;

  @ApiPropertyOptional({
    example: "first_name || ' ' || last_name",
    description: 'an expression over the table’s own columns that the source evaluates in its read, in the source’s SQL (docs/transforms.md lists what it may hold); give value or expr',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  expr?: string;

  @ApiPropertyOptional({ example: 'text', enum: CONSTANT_TYPE_NAMES, description: 'its type; default: the replaced column’s type (an expression: the type the source gives it), else inferred (true/false bool, a whole number int64, another number float64, a string text)' })
  @IsOptional()
  @IsIn(CONSTANT_TYPE_NAMES)
  type?: ConstantType;
}

export class ColumnTransformDto {
  @ApiProperty({ example: 'email', description: 'a source column; for `set`, a source column or a new target column' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  column!: string;

  @ApiPropertyOptional({ example: 'email_hash', description: 'its name on the target (alone, or with set or mask); key and incremental columns may be renamed' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  rename?: string;

  @ApiPropertyOptional({ example: true, description: 'leave the column out (not a key or incremental column)' })
  @IsOptional()
  @IsBoolean()
  exclude?: boolean;

  @ApiPropertyOptional({ type: TransformConstantDto, example: { value: 'eu-west', type: 'text' }, description: 'write this constant, or the source’s value of this expression, instead (or as a new column)' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TransformConstantDto)
  set?: TransformConstantDto;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string', enum: ['hash', 'last4', 'null'] }, { type: 'object', properties: { keepLast: { type: 'integer', minimum: 0, maximum: 1000 } } }],
    example: 'hash',
    description: 'hash: HMAC-SHA256 hex (64 characters, text) with the job’s own salt; last4 / {keepLast: N}: all but the last N characters as *; null: NULL',
  })
  @IsOptional()
  @Allow()
  mask?: 'hash' | 'last4' | 'null' | { keepLast: number };
}

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

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: EXAMPLE_TYPES,
    description:
      'target type per column, used verbatim when the run creates the table or adds the column (an existing column keeps its type); ' +
      'letters, digits, _, spaces, one (…) list of numbers or words, [] for arrays, a schema prefix (schema.type); no quotes, semicolons, comments or column clauses (DEFAULT, NOT NULL…)',
  })
  @IsOptional()
  @IsObject()
  types?: Record<string, string>;

  @ApiPropertyOptional({
    type: [ColumnTransformDto],
    example: [{ column: 'id', rename: 'customer_id' }, { column: 'email', mask: 'hash' }, { column: 'card', mask: 'last4' }, { column: 'notes', exclude: true }, { column: 'region', set: { value: 'eu' } }],
    description: 'column transforms, one entry per column (docs/transforms.md); preview shows them',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2000)
  @ValidateNested({ each: true })
  @Type(() => ColumnTransformDto)
  transforms?: ColumnTransformDto[];
}

class JobSettings {
  @ApiPropertyOptional({ default: true, example: true, description: 'create missing target tables: the source’s own types when both ends are the same database kind (PostgreSQL, MySQL/MariaDB), else mapped types' })
  @IsOptional()
  @IsBoolean()
  createTables?: boolean;

  @ApiPropertyOptional({ default: true, example: true, description: 'add source columns missing from the target' })
  @IsOptional()
  @IsBoolean()
  evolveSchema?: boolean;

  @ApiPropertyOptional({ default: false, example: false, description: 'remove target rows whose keys vanished from the source' })
  @IsOptional()
  @IsBoolean()
  deleteMissing?: boolean;

  @ApiPropertyOptional({ example: '*/15 * * * *', nullable: true, type: String, maxLength: 120, description: 'cron (5 or 6 fields); null removes the schedule' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  schedule?: string | null;

  @ApiPropertyOptional({ example: 'Europe/Paris', nullable: true, type: String, maxLength: 64, description: 'IANA time zone of the schedule (default UTC; null resets it)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  scheduleTz?: string | null;

  @ApiPropertyOptional({ default: true, example: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ default: 5000, example: 5000, minimum: 1, maximum: 100000, description: 'rows per write batch' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  batchSize?: number;

  @ApiPropertyOptional({ default: 200000, example: 200000, minimum: 100, maximum: 100000000, description: 'rows per key-range chunk (one queue job each)' })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(100_000_000)
  chunkRows?: number;

  @ApiPropertyOptional({ default: 0, example: 0, description: 'rows the target may reject before the run fails (0: strict)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  maxRejects?: number;

  @ApiPropertyOptional({ default: 0, example: 0, description: 'incremental: seconds re-read before the watermark, for late commits' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 86400)
  lookbackSeconds?: number;

  @ApiPropertyOptional({
    enum: ['strip', 'reject'],
    default: 'strip',
    example: 'strip',
    description: 'U+0000 in text bound for PostgreSQL (which cannot hold it): strip it with a warning in the run, or reject the row (see maxRejects)',
  })
  @IsOptional()
  @IsIn(['strip', 'reject'])
  nul?: 'strip' | 'reject';

  @ApiPropertyOptional({
    default: false,
    example: false,
    description:
      'verified sync: a run whose copy succeeded ends with a diff of each table it wrote (the source under the table’s filter, the whole filtered table even for an incremental run, against the whole target table, on the columns copied and the key used); ' +
      'the run shows the drift found (`drift`, 0 when clean), drift is logged and mailed as an alert but never fails the copy',
  })
  @IsOptional()
  @IsBoolean()
  verify?: boolean;
}

export class CreateJobDto extends JobSettings {
  @ApiProperty({ example: 'orders to warehouse', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({ format: 'uuid', example: EXAMPLE_SOURCE_ID })
  @IsUUID()
  sourceId!: string;

  @ApiProperty({ format: 'uuid', example: EXAMPLE_TARGET_ID })
  @IsUUID()
  targetId!: string;

  @ApiProperty({ type: [JobTableDto], example: EXAMPLE_TABLES })
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
  @ApiPropertyOptional({ maxLength: 100, example: 'orders to warehouse' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ format: 'uuid', example: EXAMPLE_SOURCE_ID })
  @IsOptional()
  @IsUUID()
  sourceId?: string;

  @ApiPropertyOptional({ format: 'uuid', example: EXAMPLE_TARGET_ID })
  @IsOptional()
  @IsUUID()
  targetId?: string;

  @ApiPropertyOptional({ type: [JobTableDto], example: EXAMPLE_TABLES })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => JobTableDto)
  tables?: JobTableDto[];

  @ApiPropertyOptional({ enum: SYNC_MODES, example: 'incremental' })
  @IsOptional()
  @IsIn(SYNC_MODES)
  mode?: SyncMode;

  @ApiPropertyOptional({ enum: JOB_WRITE_MODES, example: 'upsert' })
  @IsOptional()
  @IsIn(JOB_WRITE_MODES)
  writeMode?: JobWriteMode;
}

/** The body of POST /api/jobs/preview: a job as it would be created, its name optional. */
export class PreviewJobDto extends OmitType(CreateJobDto, ['name'] as const) {
  @ApiPropertyOptional({ example: 'orders to warehouse', maxLength: 100, description: 'not needed to preview; checked like a create when given' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;
}

export class ScheduleQuery {
  @ApiProperty({ example: '*/15 * * * *', maxLength: 120, description: 'cron (5 or 6 fields)' })
  @IsString()
  @MinLength(1)
  @MaxLength(120)
  schedule!: string;

  @ApiPropertyOptional({ example: 'Europe/Paris', maxLength: 64, description: 'IANA time zone the cron is read in (default UTC)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @IsTimeZone({ message: 'scheduleTz must be an IANA time zone' })
  scheduleTz?: string;

  @ApiPropertyOptional({ example: 3, minimum: 1, maximum: 20, default: 3, description: 'how many fire times to list' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  count = 3;
}

export class ScheduleView {
  @ApiProperty({ example: '0 2 * * *' }) schedule!: string;
  @ApiProperty({ example: 'Europe/Paris', description: 'the zone the cron was read in' }) scheduleTz!: string;
  @ApiProperty({
    type: [String],
    format: 'date-time',
    example: ['2026-11-24T01:00:00.000Z', '2026-11-25T01:00:00.000Z', '2026-11-26T01:00:00.000Z'],
    description: 'the next fire times from now, UTC',
  })
  next!: string[];
}

export class JobLastRunView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_RUN_ID, description: 'follow it at GET /api/runs/:id' }) id!: string;
  @ApiProperty({ enum: RUN_STATUSES, example: 'succeeded' }) status!: RunStatus;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) queuedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-23T09:30:15.000Z', description: 'null while queued or running' }) finishedAt!: Date | null;
}

export class JobView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_JOB_ID }) id!: string;
  @ApiProperty({ example: 'orders to warehouse' }) name!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_SOURCE_ID }) sourceId!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_TARGET_ID }) targetId!: string;
  @ApiProperty({ type: [JobTableDto], example: EXAMPLE_TABLES }) tables!: JobTableDto[];
  @ApiProperty({ enum: SYNC_MODES, example: 'full' }) mode!: SyncMode;
  @ApiProperty({ enum: JOB_WRITE_MODES, example: 'upsert' }) writeMode!: JobWriteMode;
  @ApiProperty({ example: true }) createTables!: boolean;
  @ApiProperty({ example: true }) evolveSchema!: boolean;
  @ApiProperty({ example: false }) deleteMissing!: boolean;
  @ApiProperty({ nullable: true, type: String, example: '*/15 * * * *' }) schedule!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Europe/Paris' }) scheduleTz!: string | null;
  @ApiProperty({ example: true }) enabled!: boolean;
  @ApiProperty({ example: 5000 }) batchSize!: number;
  @ApiProperty({ example: 200000 }) chunkRows!: number;
  @ApiProperty({ example: 0 }) maxRejects!: number;
  @ApiProperty({ enum: ['strip', 'reject'], example: 'strip' }) nul!: 'strip' | 'reject';
  @ApiProperty({ example: 0 }) lookbackSeconds!: number;
  @ApiProperty({ example: false, description: 'runs end with a diff of the tables they wrote (drift on the run)' }) verify!: boolean;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) updatedAt!: Date;
  @ApiProperty({ type: JobLastRunView, nullable: true, example: EXAMPLE_LAST_RUN, description: 'the newest run, whatever its status; null before the first' })
  lastRun!: JobLastRunView | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-11-23T09:45:00.000Z',
    description: 'when the schedule next fires (UTC, read in scheduleTz); null without a schedule or while disabled',
  })
  nextRunAt!: Date | null;
  @ApiPropertyOptional({
    type: [String],
    example: ['the source shop could not be reached (timed out), so its tables were not checked; a run checks them again'],
    description: 'on a create or update only: what could not be checked (the job was saved)',
  })
  warnings?: string[];
}

export class TableRefView {
  @ApiProperty({ example: 'public' }) schema!: string;
  @ApiProperty({ example: 'orders' }) name!: string;
}

export class MappingLossView {
  @ApiProperty({ example: 'decimal-precision-reduced' }) kind!: string;
  @ApiProperty({ example: "decimal(70,10) exceeds MySQL's 65/30; stored as decimal(65,10)." }) description!: string;
}

export class ColumnMappingView {
  @ApiProperty({ example: 'amount' }) column!: string;
  @ApiProperty({ example: 'numeric(12,2)', description: 'the type as the source declares it' }) sourceType!: string;
  @ApiProperty({ example: 'decimal(12,2)', description: 'the neutral type the values travel as' }) neutralType!: string;
  @ApiProperty({ example: 'numeric(20,4)', description: 'the target column’s type' }) targetType!: string;
  @ApiProperty({
    enum: ['override', 'source', 'neutral', 'existing'],
    example: 'override',
    description: 'override: the table’s types; source: the source’s own type (same database kind); neutral: mapped through the neutral model; existing: the target column as it is',
  })
  typeSource!: 'override' | 'source' | 'neutral' | 'existing';
  @ApiPropertyOptional({
    type: MappingLossView,
    example: { kind: 'decimal-precision-reduced', description: "decimal(70,10) exceeds MySQL's 65/30; stored as decimal(65,10)." },
    description: 'what the target type cannot hold',
  })
  lossy?: { kind: string; description: string };
  @ApiPropertyOptional({
    example: 'type public.hstore does not exist on the target (install its extension or create it there first); created with the neutral mapping instead',
    description: 'why a same-kind copy could not keep the source’s type',
  })
  note?: string;
  @ApiPropertyOptional({ example: 'email', description: 'the source column this target column is read from, when a transform renamed it' }) sourceColumn?: string;
  @ApiPropertyOptional({ example: 'renamed from email; masked: HMAC-SHA256 hex with the job salt', description: 'what the table’s transforms do to this column' }) transform?: string;
}

export class ValueLossView {
  @ApiProperty({ example: 'amount' }) column!: string;
  @ApiProperty({ example: 'decimal-precision-reduced' }) kind!: string;
  @ApiProperty({ example: "decimal(70,10) exceeds MySQL's 65/30; stored as decimal(65,10)." }) description!: string;
}

export class TablePlanView {
  @ApiProperty({ example: 0, description: 'the index in the job’s tables this table came from' }) specIndex!: number;
  @ApiProperty({ type: TableRefView, example: { schema: 'sales', name: 'orders' } }) source!: TableRefView;
  @ApiProperty({ type: TableRefView, example: { schema: 'public', name: 'orders' } }) target!: TableRefView;
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    example: [{ name: 'id', type: { kind: 'int64' }, nativeType: 'bigint', nullable: false }],
    description: 'the copied columns as the source describes them',
  })
  columns!: object[];
  @ApiProperty({ type: [String], example: ['id'] }) keyColumns!: string[];
  @ApiProperty({ example: true, description: 'false without a usable key: copied whole, cannot resume part-way' }) resumable!: boolean;
  @ApiPropertyOptional({ example: `"status" = 'paid'` }) where?: string;
  @ApiPropertyOptional({ example: 'updated_at' }) incrementalColumn?: string;
  @ApiProperty({ example: false }) targetExists!: boolean;
  @ApiProperty({ type: [String], example: ['CREATE TABLE "public"."orders" (\n  "id" bigint NOT NULL,\n  "amount" numeric(20,4),\n  PRIMARY KEY ("id")\n)'], description: 'what the run would execute on the target' })
  ddl!: string[];
  @ApiProperty({ type: [ColumnMappingView], example: [{ column: 'amount', sourceType: 'numeric(12,2)', neutralType: 'decimal(12,2)', targetType: 'numeric(20,4)', typeSource: 'override' }] })
  mapping!: ColumnMappingView[];
  @ApiProperty({ nullable: true, type: Number, example: 120000 }) rowEstimate!: number | null;
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object' },
    example: [{ name: 'email_hash', type: { kind: 'string', length: 64 }, nativeType: '', nullable: true }],
    description: 'with transforms: the target’s columns as transformed (names and types), in write order',
  })
  targetColumns?: object[];
  @ApiPropertyOptional({ type: [String], example: ['customer_id'], description: 'with transforms: the key columns by their target names' }) targetKeyColumns?: string[];
  @ApiProperty({
    type: [ValueLossView],
    example: [{ column: 'amount', kind: 'decimal-precision-reduced', description: "decimal(70,10) exceeds MySQL's 65/30; stored as decimal(65,10)." }],
    description: 'the columns whose target type cannot hold every source value (the lossy mappings)',
  })
  losses!: ValueLossView[];
}

export class JobPreviewView {
  @ApiProperty({ type: [TablePlanView], description: 'one entry per table (patterns expanded)' }) tables!: TablePlanView[];
}
