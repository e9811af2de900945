import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { DIFF_ROW_KINDS, DIFF_STATUSES, DIFF_TABLE_STATUSES, type DiffRowKind } from '@dbferry/control-plane';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../../common/openapi';
import { PageQuery } from '../../common/pagination.dto';

const EXAMPLE_DIFF_ID = '1d7e5c3a-9b2f-4e61-8a0d-5c4b3a2f1e0d';
const EXAMPLE_OTHER_ID = '2a4b6c8d-1e3f-4a5b-8c7d-9e0f1a2b3c4d';
const KEY_DESCRIPTION = 'the key in the lossless JSON of the key codec: [value, …] with 64-bit integers as {"$int": "…"} and bytes as {"$bytes": "<base64>"}';
const ROW_DESCRIPTION = 'each side\'s row (column → value, encoded as keys are), by connection id; null where that side has no such row';

export class DiffTableDto {
  @ApiProperty({ example: 'public.orders', description: '"schema.table" on the reference, or a pattern "schema.*"' })
  @IsString()
  @MinLength(3)
  @MaxLength(300)
  reference!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { [EXAMPLE_OTHER_ID]: 'shop.orders' },
    description: 'the table on another connection, by connection id, when it differs from the reference\'s name in that connection\'s default schema ("schema.*" for a pattern)',
  })
  @IsOptional()
  @IsObject()
  others?: Record<string, string>;

  @ApiPropertyOptional({ example: ['id'], description: 'default: the reference\'s primary key; several for a composite key' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  keyColumns?: string[];

  @ApiPropertyOptional({ example: ['id', 'status', 'amount'], description: 'the columns compared; default: every column of the reference the others have too' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2000)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  columns?: string[];

  @ApiPropertyOptional({ example: "status = 'paid'", description: 'one boolean expression over the table\'s columns, re-rendered in each side\'s SQL and applied on every side' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  where?: string;
}

export class DiffOptionsDto {
  @ApiPropertyOptional({ example: 32, minimum: 2, maximum: 1024, description: 'sub-segments an unequal segment is split into (default 32)' })
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(1024)
  bisectionFactor?: number;

  @ApiPropertyOptional({ example: 16384, minimum: 1, maximum: 10000000, description: 'rows at or under which a segment is compared row by row instead of split (default 16,384)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  bisectionThreshold?: number;
}

export class CreateDiffDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection, description: 'the reference connection: missing rows are rows it has and another lacks' })
  @IsUUID()
  referenceId!: string;

  @ApiProperty({ type: [String], format: 'uuid', example: [EXAMPLE_OTHER_ID], description: 'the connections compared with the reference' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(16)
  @IsUUID('all', { each: true })
  otherIds!: string[];

  @ApiProperty({ type: [DiffTableDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => DiffTableDto)
  tables!: DiffTableDto[];

  @ApiPropertyOptional({ type: DiffOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => DiffOptionsDto)
  options?: DiffOptionsDto;
}

export class DiffCreatedView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_DIFF_ID }) diffId!: string;
}

export class DiffListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DIFF_STATUSES, example: 'succeeded' })
  @IsOptional()
  @IsIn(DIFF_STATUSES)
  status?: (typeof DIFF_STATUSES)[number];
}

export class DiffRowsQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'public.orders', description: 'the reference table ("schema.table" as GET /api/diffs/:id names it); required when the diff has several tables' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  table?: string;

  @ApiPropertyOptional({ format: 'uuid', example: EXAMPLE_OTHER_ID, description: 'only this other connection\'s rows' })
  @IsOptional()
  @IsUUID()
  connectionId?: string;

  @ApiPropertyOptional({ enum: DIFF_ROW_KINDS, example: 'different', description: 'missing: the other lacks the row; extra: only the other has it; different: same key, other values' })
  @IsOptional()
  @IsIn(DIFF_ROW_KINDS)
  kind?: DiffRowKind;
}

export class DiffProgressView {
  @ApiProperty({ example: 40 }) segmentsDone!: number;
  @ApiProperty({ example: 45, description: 'grows while segments split' }) segmentsTotal!: number;
  @ApiProperty({ example: 1000000 }) rowsCompared!: number;
  @ApiProperty({ example: 200, description: 'differing rows stored so far' }) differences!: number;
}

export class DiffNoteView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_OTHER_ID }) connectionId!: string;
  @ApiProperty({ example: 'ratio' }) column!: string;
  @ApiProperty({ example: 'float64 against decimal: compared as float64 (15 significant digits); an exact value that rounds to the same float is equal' }) note!: string;
}

export class DiffSampleView {
  @ApiProperty({ type: 'array', items: {}, example: [{ $int: '42' }], description: KEY_DESCRIPTION }) key!: unknown[];
  @ApiProperty({ enum: DIFF_ROW_KINDS, example: 'different' }) kind!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_OTHER_ID }) connectionId!: string;
  @ApiProperty({ type: [String], example: ['amount'] }) columns!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, example: { [EXAMPLE_ID.connection]: { id: { $int: '42' }, amount: '10.50' }, [EXAMPLE_OTHER_ID]: { id: { $int: '42' }, amount: '10.51' } }, description: ROW_DESCRIPTION })
  values!: Record<string, unknown>;
}

const COUNTS = { type: 'object', additionalProperties: { type: 'integer' } } as const;

export class DiffTableView {
  @ApiProperty({ example: 'public.orders', description: 'the reference table' }) table!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { [EXAMPLE_OTHER_ID]: 'shop.orders' } }) others!: Record<string, string>;
  @ApiProperty({ enum: DIFF_TABLE_STATUSES, example: 'succeeded' }) status!: string;
  @ApiProperty({ example: 1000000, description: 'reference rows compared (at their segment checksum or row by row)' }) rowsCompared!: number;
  @ApiProperty({ ...COUNTS, example: { [EXAMPLE_OTHER_ID]: 50 }, description: 'rows the reference has and the other lacks, by connection id' }) missing!: Record<string, number>;
  @ApiProperty({ ...COUNTS, example: { [EXAMPLE_OTHER_ID]: 50 }, description: 'rows only the other has, by connection id' }) extra!: Record<string, number>;
  @ApiProperty({ ...COUNTS, example: { [EXAMPLE_OTHER_ID]: 100 }, description: 'rows on both sides whose values differ, by connection id' }) different!: Record<string, number>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } }, example: { [EXAMPLE_OTHER_ID]: ['amount', 'updated_at'] } }) columns!: Record<string, string[]>;
  @ApiProperty({ type: [DiffNoteView], description: 'columns that cannot be compared exactly, and the rule used' }) notes!: DiffNoteView[];
  @ApiProperty({ type: [DiffSampleView] }) samples!: DiffSampleView[];
  @ApiProperty({ example: 45 }) segmentsDone!: number;
  @ApiProperty({ example: 45 }) segmentsTotal!: number;
  @ApiProperty({ nullable: true, type: String, example: null }) error!: string | null;
}

export class DiffSummaryView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_DIFF_ID }) id!: string;
  @ApiProperty({ enum: DIFF_STATUSES, example: 'succeeded' }) status!: string;
  @ApiProperty({ enum: ['manual', 'repair', 'run'], example: 'manual' }) trigger!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection }) referenceId!: string;
  @ApiProperty({ type: [String], example: [EXAMPLE_OTHER_ID] }) otherIds!: string[];
  @ApiProperty({ nullable: true, type: String, format: 'uuid', example: EXAMPLE_ID.user }) createdBy!: string | null;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: EXAMPLE_TIME }) startedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-23T09:30:12.000Z' }) finishedAt!: Date | null;
  @ApiProperty({ nullable: true, type: String, example: null }) error!: string | null;
}

/** A diff as GET /api/diffs lists it. */
export class DiffListItemView extends DiffSummaryView {
  @ApiProperty({ type: [String], example: ['public.orders', 'public.customers'], description: 'its tables on the reference (as requested until it is planned)' }) tables!: string[];
  @ApiProperty({ example: 200, description: 'differing rows found so far over its tables (missing + extra + different)' }) differences!: number;
}

export class DiffView extends DiffSummaryView {
  @ApiProperty({ type: DiffProgressView }) progress!: DiffProgressView;
  @ApiProperty({ type: [DiffTableView] }) tables!: DiffTableView[];
}

export class DiffRowView {
  @ApiProperty({ type: 'array', items: {}, example: [{ $int: '42' }], description: KEY_DESCRIPTION }) key!: unknown[];
  @ApiProperty({ enum: DIFF_ROW_KINDS, example: 'different' }) kind!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_OTHER_ID }) connectionId!: string;
  @ApiProperty({ example: 'public.orders' }) table!: string;
  @ApiPropertyOptional({ type: [String], example: ['amount'], description: 'for different: the columns whose values differ' }) columns?: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, example: { [EXAMPLE_ID.connection]: { id: { $int: '42' }, amount: '10.50' }, [EXAMPLE_OTHER_ID]: null }, description: ROW_DESCRIPTION })
  values!: Record<string, unknown>;
}

export class DiffRowPage {
  @ApiProperty({ type: [DiffRowView] }) items!: DiffRowView[];
  @ApiProperty({ example: 200 }) total!: number;
  @ApiPropertyOptional({ example: 'connection 2a4b…: ECONNREFUSED', description: 'why the rows\' values could not be read now (the keys are still listed)' }) valuesError?: string;
}
