import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  buildMessage,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { EVENT_STATUSES, type EventStatus } from '@dbferry/control-plane';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../../common/openapi';
import { PageQuery } from '../../common/pagination.dto';

export const EXAMPLE_SOURCE_ID = '6a1f0c2e-4b3d-4e5f-8a9b-0c1d2e3f4a5b';
/** A source's name is a path segment of its ingress URL. */
export const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
export const MAX_MAPPINGS = 100;

/** A JSON object whose every value is a string (column → payload path, column → kind): @IsObject lets nested objects through. */
const StringValues = () =>
  ValidateBy({
    name: 'stringValues',
    validator: {
      validate: (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string' && v.length <= 500),
      defaultMessage: buildMessage((each) => `${each}$property must map each column to a string of at most 500 characters`),
    },
  });

export class EventMappingDto {
  @ApiProperty({ example: 'model', maxLength: 100, description: "the events' entityType this mapping takes" })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  entityType!: string;

  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection })
  @IsUUID()
  connectionId!: string;

  @ApiProperty({ example: 'public.models', maxLength: 300, description: "schema.table on that connection, or a bare name in its default schema" })
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  table!: string;

  @ApiProperty({ example: 'id', maxLength: 128, description: "the table's key column: the event's entityId is written there" })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  keyColumn!: string;

  @ApiPropertyOptional({ example: 'version', maxLength: 128, description: "a column the event's version (else its timestamp in epoch ms) is written to" })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  versionColumn?: string;

  @ApiPropertyOptional({
    example: { name: 'payload.name', provider: 'payload.provider.name' },
    description: 'column → payload path (payload.a.b); default: every other column from payload.<column>. Each value is checked against the column type at ingress.',
  })
  @IsOptional()
  @IsObject()
  @StringValues()
  fields?: Record<string, string>;

  @ApiPropertyOptional({
    example: { id: 'string', version: 'int64', name: 'string', context_window: 'int32' },
    description: 'with createTables: the table to create, column → neutral kind (bool, int32, int64, decimal, float64, string, text, uuid, json, timestamptz, date); the key column is its primary key',
  })
  @IsOptional()
  @IsObject()
  @StringValues()
  columns?: Record<string, string>;
}

export class FullSyncDto {
  @ApiProperty({ example: 'https://catalogue.example.com/api/snapshot', maxLength: 2000 })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({ example: '0 3 * * *', maxLength: 100, description: 'a cron schedule for the full sync' })
  @IsOptional()
  @IsString()
  @Matches(/^\S+( \S+){4,5}$/, { message: 'schedule must be a cron expression of 5 or 6 fields' })
  @MaxLength(100)
  schedule?: string;

  @ApiPropertyOptional({ example: false, default: false, description: 'scheduled runs delete target rows the finished snapshot no longer has' })
  @IsOptional()
  @IsBoolean()
  deleteMissing?: boolean;

  @ApiPropertyOptional({ example: { Authorization: '<bearer-token>' }, writeOnly: true, description: 'request headers (sealed, write-only)' })
  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;
}

export class CreateEventSourceDto {
  @ApiProperty({ example: 'catalogue', maxLength: 100, description: 'letters, digits, _ . - (it is the ingress path: POST /api/events/:name)' })
  @IsString()
  @Matches(SOURCE_NAME, { message: 'name must be 1 to 100 letters, digits, _ . or - (starting with a letter or digit)' })
  name!: string;

  @ApiProperty({ example: '<signing-secret>', minLength: 16, maxLength: 512, writeOnly: true, description: 'the HMAC-SHA256 signing secret (sealed, never returned)' })
  @IsString()
  @MinLength(16)
  @MaxLength(512)
  secret!: string;

  @ApiPropertyOptional({ example: '<previous-signing-secret>', minLength: 16, maxLength: 512, writeOnly: true, description: 'a previous secret still accepted (rotation)' })
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(512)
  previousSecret?: string;

  @ApiProperty({ type: [EventMappingDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_MAPPINGS)
  @ValidateNested({ each: true })
  @Type(() => EventMappingDto)
  mappings!: EventMappingDto[];

  @ApiPropertyOptional({ type: FullSyncDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => FullSyncDto)
  fullSync?: FullSyncDto;

  @ApiPropertyOptional({ example: false, description: "create each mapping's table from its columns when it does not exist" })
  @IsOptional()
  @IsBoolean()
  createTables?: boolean;
}

export class UpdateEventSourceDto {
  @ApiPropertyOptional({ example: '<new-signing-secret>', minLength: 16, maxLength: 512, writeOnly: true, description: 'a new secret: the current one stays accepted as the previous one until clearPrevious' })
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(512)
  secret?: string;

  @ApiPropertyOptional({ example: '<previous-signing-secret>', minLength: 16, maxLength: 512, writeOnly: true })
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(512)
  previousSecret?: string;

  @ApiPropertyOptional({ example: true, description: 'stop accepting the previous secret' })
  @IsOptional()
  @IsBoolean()
  clearPrevious?: boolean;

  @ApiPropertyOptional({ type: [EventMappingDto] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_MAPPINGS)
  @ValidateNested({ each: true })
  @Type(() => EventMappingDto)
  mappings?: EventMappingDto[];

  @ApiPropertyOptional({ type: FullSyncDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => FullSyncDto)
  fullSync?: FullSyncDto | null;

  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @IsBoolean()
  createTables?: boolean;
}

export class EventColumnView {
  @ApiProperty({ example: 'name' }) name!: string;
  @ApiProperty({ example: 'string', description: 'the neutral kind' }) kind!: string;
  @ApiProperty({ example: true }) nullable!: boolean;
}

export class EventMappingView {
  @ApiProperty({ example: 'model' }) entityType!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection }) connectionId!: string;
  @ApiProperty({ example: 'public.models' }) table!: string;
  @ApiProperty({ example: 'id' }) keyColumn!: string;
  @ApiProperty({ type: String, nullable: true, example: 'version' }) versionColumn!: string | null;
  @ApiProperty({ example: { name: 'payload.name' }, description: 'column → payload path' }) fields!: Record<string, string>;
  @ApiProperty({ type: [EventColumnView] }) columns!: EventColumnView[];
}

export class FullSyncView {
  @ApiProperty({ example: 'https://catalogue.example.com/api/snapshot' }) url!: string;
  @ApiProperty({ type: String, nullable: true, example: '0 3 * * *' }) schedule!: string | null;
  @ApiProperty({ example: false, description: 'scheduled runs delete rows the snapshot no longer has' }) deleteMissing!: boolean;
  @ApiProperty({ example: true, description: 'headers are stored (sealed; never returned)' }) hasHeaders!: boolean;
}

export class EventSourceView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_SOURCE_ID }) id!: string;
  @ApiProperty({ example: 'catalogue' }) name!: string;
  @ApiProperty({ example: '/api/events/catalogue', description: 'where the source delivers its signed events' }) ingressPath!: string;
  @ApiProperty({ type: [EventMappingView] }) mappings!: EventMappingView[];
  @ApiProperty({ type: FullSyncView, nullable: true }) fullSync!: FullSyncView | null;
  @ApiProperty({ example: false, description: 'a previous secret is still accepted' }) hasPreviousSecret!: boolean;
  @ApiProperty({ example: EXAMPLE_TIME }) createdAt!: string;
  @ApiProperty({ example: EXAMPLE_TIME }) updatedAt!: string;
}

export class EventListQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'catalogue', maxLength: 100, description: "the source's name or id" })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  source?: string;

  @ApiPropertyOptional({ enum: EVENT_STATUSES, example: 'failed' })
  @IsOptional()
  @IsIn(EVENT_STATUSES)
  status?: EventStatus;

  @ApiPropertyOptional({ example: 'model', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  entityType?: string;

  @ApiPropertyOptional({ example: 'gpt-x', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  entityId?: string;
}

export class InboxEventView {
  @ApiProperty({ example: '1042', description: "the inbox row's id" }) id!: string;
  @ApiProperty({ example: 'catalogue' }) source!: string;
  @ApiProperty({ example: 'evt-7f3a' }) eventId!: string;
  @ApiProperty({ enum: ['CREATED', 'UPDATED', 'DELETED'], example: 'UPDATED' }) eventType!: string;
  @ApiProperty({ example: 'model' }) entityType!: string;
  @ApiProperty({ example: 'gpt-x' }) entityId!: string;
  @ApiProperty({ type: String, nullable: true, example: '3' }) version!: string | null;
  @ApiProperty({ example: EXAMPLE_TIME }) timestamp!: string;
  @ApiProperty({ type: Object, nullable: true, example: { name: 'GPT X' } }) payload!: Record<string, unknown> | null;
  @ApiProperty({ enum: EVENT_STATUSES, example: 'applied' }) status!: string;
  @ApiProperty({ example: 1 }) attempts!: number;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'the last failed attempt' }) error!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'why a skipped event was not applied' }) reason!: string | null;
  @ApiProperty({ example: EXAMPLE_TIME }) nextAttemptAt!: string;
  @ApiProperty({ example: EXAMPLE_TIME }) receivedAt!: string;
  @ApiProperty({ type: String, nullable: true, example: EXAMPLE_TIME }) settledAt!: string | null;
}

export class RedriveDto {
  @ApiPropertyOptional({ example: ['1042'], description: 'inbox ids (GET /api/events)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @ArrayUnique()
  @Matches(/^\d{1,18}$/, { each: true, message: 'each id must be an inbox id (digits)' })
  ids?: string[];

  @ApiPropertyOptional({ example: 'catalogue', maxLength: 100, description: "the source's name or id" })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  source?: string;

  @ApiPropertyOptional({ enum: ['failed', 'skipped', 'applied'], example: 'failed', description: 'which events to re-apply (default failed)' })
  @IsOptional()
  @IsIn(['failed', 'skipped', 'applied'])
  status?: EventStatus;
}

export class RedriveView {
  @ApiProperty({ example: 3 }) requeued!: number;
}

export class AcceptedView {
  @ApiProperty({ example: 100, description: 'events stored in the inbox by this delivery' }) accepted!: number;
  @ApiProperty({ example: 0, description: 'events whose (source, eventId) was there already' }) duplicates!: number;
}
