import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { SYNC_TASK_STATUSES, type SyncTaskStatus } from '@dbferry/control-plane';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../../common/openapi';
import { PageQuery } from '../../common/pagination.dto';

export const EXAMPLE_GROUP_ID = '8d3f1b2a-6c4e-4f7a-9b1d-2e3c4a5b6d7e';
export const EXAMPLE_TASK_ID = '3b6e9a1c-2d4f-4a8b-9c0e-1f2a3b4c5d6e';
const SECOND_MEMBER = '0f8fad5b-d9cb-469f-a165-70867728950e';
/** Members one group may have (each write opens a session on each member named). */
export const MAX_GROUP_MEMBERS = 16;

export class GroupMemberDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection })
  @IsUUID()
  connectionId!: string;

  @ApiProperty({ example: 'public.customers', maxLength: 300, description: "schema.table on that connection, or a bare name in its default schema (public, the MariaDB database, main)" })
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  table!: string;
}

export class CreateGroupDto {
  @ApiProperty({ example: 'customers', maxLength: 100 })
  @IsString()
  @Matches(/\S/, { message: 'name must not be blank' })
  @MaxLength(100)
  name!: string;

  @ApiProperty({ example: ['id'], description: 'the key columns, named as on the first member; every member must hold them with a compatible type' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(16)
  @ArrayUnique()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(128, { each: true })
  keyColumns!: string[];

  @ApiProperty({ type: [GroupMemberDto], description: `2 to ${MAX_GROUP_MEMBERS} members, one table per connection; the first member's columns are the group's` })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(MAX_GROUP_MEMBERS)
  @ValidateNested({ each: true })
  @Type(() => GroupMemberDto)
  members!: GroupMemberDto[];

  @ApiPropertyOptional({ example: true, description: 'true (default): the worker fleet applies sync tasks by itself, with backoff; false: they wait for POST /api/sync-tasks/execute' })
  @IsOptional()
  @IsBoolean()
  autoExecute?: boolean;

  @ApiPropertyOptional({ example: 900, minimum: 10, maximum: 604800, description: "an alert mail when a member's oldest pending task is older than this many seconds (default 900)" })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(604_800)
  debtAlertSeconds?: number;

  @ApiPropertyOptional({ example: false, description: 'adopting existing tables: start a diff of the members (GET /api/diffs/:adoptDiffId) whose counts are the starting debt' })
  @IsOptional()
  @IsBoolean()
  adopt?: boolean;
}

export class UpdateGroupDto {
  @ApiPropertyOptional({ example: 'customers', maxLength: 100 })
  @IsOptional()
  @IsString()
  @Matches(/\S/, { message: 'name must not be blank' })
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @IsBoolean()
  autoExecute?: boolean;

  @ApiPropertyOptional({ example: 900, minimum: 10, maximum: 604800 })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(604_800)
  debtAlertSeconds?: number;
}

export class GroupListQuery extends PageQuery {}

export class AdoptView {
  @ApiProperty({ format: 'uuid', example: '1d7e5c3a-9b2f-4e61-8a0d-5c4b3a2f1e0d', description: 'the diff of the members (GET /api/diffs/:id): its counts are the starting debt' }) diffId!: string;
}

export class GroupColumnView {
  @ApiProperty({ example: 'email' }) name!: string;
  @ApiProperty({ example: 'string', description: "the neutral kind on the first member" }) kind!: string;
  @ApiProperty({ example: true }) nullable!: boolean;
}

export class GroupMemberView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection }) connectionId!: string;
  @ApiProperty({ example: 'public.customers' }) table!: string;
}

export class GroupDifferenceView {
  @ApiProperty({ format: 'uuid', example: SECOND_MEMBER }) connectionId!: string;
  @ApiProperty({ example: 'email' }) column!: string;
  @ApiProperty({ example: 'text here, string on the first member' }) note!: string;
}

export class GroupView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_GROUP_ID }) id!: string;
  @ApiProperty({ example: 'customers' }) name!: string;
  @ApiProperty({ example: ['id'] }) keyColumns!: string[];
  @ApiProperty({ type: [GroupColumnView], description: 'the columns a row may carry, keys first' }) columns!: GroupColumnView[];
  @ApiProperty({ type: [GroupMemberView] }) members!: GroupMemberView[];
  @ApiProperty({ type: [GroupDifferenceView], description: 'schema differences between members that do not stop the group' }) differences!: GroupDifferenceView[];
  @ApiProperty({ example: true }) autoExecute!: boolean;
  @ApiProperty({ example: 900 }) debtAlertSeconds!: number;
  @ApiProperty({ format: 'uuid', nullable: true, example: null, description: 'the diff started when the members were adopted' }) adoptDiffId!: string | null;
  @ApiProperty({ example: EXAMPLE_TIME }) createdAt!: Date;
  @ApiProperty({ example: EXAMPLE_TIME }) updatedAt!: Date;
}

export class GroupRowDto {
  @ApiProperty({ type: 'object', additionalProperties: true, example: { id: 42, email: 'ada@example.com' }, description: "column → value (the group's columns; 64-bit integers and decimals may be strings, bytes base64)" })
  @IsObject()
  row!: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], format: 'uuid', example: [EXAMPLE_ID.connection], description: 'the members written now (default: all); the others get a pending sync task' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_GROUP_MEMBERS)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  writeTo?: string[];
}

/** `a,b` (or the parameter repeated) as a list. */
const commaList = ({ value }: { value: unknown }): unknown => {
  const parts = Array.isArray(value) ? value : [value];
  if (!parts.every((p) => typeof p === 'string')) return value;
  return (parts as string[]).join(',').split(',').map((p) => p.trim());
};

export class DeleteRowQuery {
  @ApiPropertyOptional({ type: String, example: EXAMPLE_ID.connection, description: 'the members to delete from now, comma-separated (default: all); the others get a pending sync task' })
  @IsOptional()
  @Transform(commaList)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_GROUP_MEMBERS)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  writeTo?: string[];
}

export class WriteFailureView {
  @ApiProperty({ format: 'uuid', example: SECOND_MEMBER }) connectionId!: string;
  @ApiProperty({ example: 'connect ECONNREFUSED 10.0.0.7:3306' }) error!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_TASK_ID, description: 'the sync task that owes this member the write' }) taskId!: string;
}

export class GroupWriteView {
  @ApiProperty({ type: 'object', additionalProperties: true, example: { id: 42 }, description: 'the key written' }) key!: Record<string, unknown>;
  @ApiProperty({ example: '1042', description: "the write's version (a store-wide sequence: larger is newer)" }) version!: string;
  @ApiProperty({ type: [String], example: [EXAMPLE_ID.connection], description: 'members that hold the write (or a newer one) now' }) written!: string[];
  @ApiProperty({ type: [String], example: [EXAMPLE_TASK_ID], description: 'sync tasks of the members not in writeTo' }) pending!: string[];
  @ApiProperty({ type: [WriteFailureView], description: 'members of writeTo whose write failed, each with its sync task' }) failed!: WriteFailureView[];
}

export class MemberDebtView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection }) connectionId!: string;
  @ApiProperty({ example: 3, description: 'writes the member still owes (pending or being applied)' }) pending!: number;
  @ApiProperty({ example: 0, description: 'tasks that failed for good' }) failed!: number;
  @ApiProperty({ nullable: true, example: EXAMPLE_TIME }) oldestPendingAt!: Date | null;
}

export class GroupDebtView {
  @ApiProperty({ type: [MemberDebtView] }) members!: MemberDebtView[];
}

export class SyncTaskListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SYNC_TASK_STATUSES, example: 'pending' })
  @IsOptional()
  @IsIn(SYNC_TASK_STATUSES)
  status?: SyncTaskStatus;

  @ApiPropertyOptional({ format: 'uuid', example: EXAMPLE_GROUP_ID })
  @IsOptional()
  @IsUUID()
  groupId?: string;

  @ApiPropertyOptional({ format: 'uuid', example: EXAMPLE_ID.connection, description: 'one member' })
  @IsOptional()
  @IsUUID()
  connectionId?: string;
}

export class ExecuteTasksDto {
  @ApiPropertyOptional({ format: 'uuid', example: EXAMPLE_GROUP_ID, description: "only this group's pending tasks (default: every group's)" })
  @IsOptional()
  @IsUUID()
  groupId?: string;
}

export class ExecutedView {
  @ApiProperty({ type: [String], example: [EXAMPLE_TASK_ID], description: 'the tasks handed to the worker fleet' }) queued!: string[];
}

export class SyncTaskView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_TASK_ID }) id!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_GROUP_ID }) groupId!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection }) connectionId!: string;
  @ApiProperty({ example: '1042' }) version!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { id: 42 } }) key!: Record<string, unknown>;
  @ApiProperty({ enum: ['upsert', 'delete'], example: 'upsert' }) op!: string;
  @ApiProperty({ enum: SYNC_TASK_STATUSES, example: 'pending', description: 'skipped: a newer write of the key reached the member first' }) status!: string;
  @ApiProperty({ example: 1 }) attempts!: number;
  @ApiProperty({ nullable: true, example: null }) error!: string | null;
  @ApiProperty({ nullable: true, example: null, description: 'for a skipped task, the version that superseded it' }) skippedFor!: string | null;
  @ApiProperty({ example: EXAMPLE_TIME }) createdAt!: Date;
  @ApiProperty({ example: EXAMPLE_TIME }) updatedAt!: Date;
  @ApiProperty({ nullable: true, example: null }) finishedAt!: Date | null;
}
