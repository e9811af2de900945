import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import { LOG_LEVELS, RUN_STATUSES, RUN_TABLE_STATUSES } from '@dbferry/control-plane';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../../common/openapi';
import { PageQuery } from '../../common/pagination.dto';

const COUNT = 'a JSON number while exact, else a decimal string';
/** A bigint counter: typed as number or decimal string, so the generated client says so. */
const COUNTER = { oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^[0-9]+$' }] };
const TRIGGERS = ['manual', 'schedule', 'recovery'];
/** A key value in the lossless JSON encoding of @dbferry/engine's key codec. */
const KEY_EXAMPLE = [{ $int: '9223372036854775807' }, 'eu', { $bytes: 'AP8=' }];

export class RunTableLossView {
  @ApiProperty({ example: 'amount' }) column!: string;
  @ApiProperty({ example: 'decimal-precision-reduced' }) kind!: string;
  @ApiProperty({ example: "decimal(70,10) exceeds MySQL's 65/30; stored as decimal(65,10)." }) description!: string;
}

export class RunDriftSampleView {
  @ApiProperty({ enum: ['missing', 'extra', 'different'], example: 'different', description: 'missing: the target lacks the source row; extra: only the target has it; different: both have it, values differ' })
  kind!: string;
  @ApiProperty({ type: 'array', items: {}, example: [42], description: 'the key, one value per key column, lossless JSON (as rejects)' }) key!: unknown[];
  @ApiPropertyOptional({ type: [String], example: ['amount'], description: 'for `different`: the columns that differ' }) columns?: string[];
}

export class RunTableDriftView {
  @ApiProperty({ example: 2, description: 'source rows the target lacks' }) missing!: number;
  @ApiProperty({ example: 1, description: 'target rows the source (under the table’s filter) does not have' }) extra!: number;
  @ApiProperty({ example: 3, description: 'rows on both sides whose copied columns differ' }) different!: number;
  @ApiProperty({ type: [RunDriftSampleView], description: 'up to 10 keys of each kind' }) samples!: RunDriftSampleView[];
}

export class RunTableView {
  @ApiProperty({ example: 'public.orders' }) source!: string;
  @ApiProperty({ example: 'shop.orders' }) target!: string;
  @ApiProperty({ enum: RUN_TABLE_STATUSES, example: 'succeeded' }) status!: string;
  @ApiProperty({ ...COUNTER, example: 120000, description: COUNT }) rowsRead!: number | string;
  @ApiProperty({ ...COUNTER, example: 119998, description: COUNT }) rowsWritten!: number | string;
  @ApiProperty({ ...COUNTER, example: 2, description: `rows the target refused, left out (see GET /api/runs/:id/rejects); ${COUNT}` }) rejects!: number | string;
  @ApiProperty({ ...COUNTER, example: 0, description: `target rows removed because their keys vanished from the source (deleteMissing); ${COUNT}` })
  rowsDeleted!: number | string;
  @ApiProperty({ nullable: true, type: Number, example: 8500, description: "this table's rows written per second of the run so far" }) rowsPerSecond!: number | null;
  @ApiProperty({ nullable: true, type: String, example: null, description: 'incremental runs: the column the watermark is taken on' })
  incrementalColumn!: string | null;
  @ApiProperty({ example: 12 }) chunksDone!: number;
  @ApiProperty({ example: 12 }) chunksTotal!: number;
  @ApiProperty({ example: true, description: 'false for a table without a usable key: copied whole, cannot resume part-way' }) resumable!: boolean;
  @ApiProperty({ type: [String], example: ['id'] }) keyColumns!: string[];
  @ApiProperty({ type: [String], example: ['CREATE TABLE "shop"."orders" ("id" bigint NOT NULL, "amount" numeric(12,2), PRIMARY KEY ("id"))'], description: 'DDL the run executed on the target' })
  ddl!: string[];
  @ApiProperty({ type: [RunTableLossView], description: 'each lossy type mapping the plan chose for this table' })
  losses!: RunTableLossView[];
  @ApiProperty({
    type: [String],
    example: ["orders.shipped_at: 3 zero dates ('0000-00-00') became NULL"],
    description: 'value-level losses of the rows written so far, one sentence per column and kind',
  })
  warnings!: string[];
  @ApiProperty({ nullable: true, type: String, example: null }) error!: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 0,
    description: 'verified sync: rows of this table the closing diff found differing (missing + extra + different), 0 when clean; null when not verified (the job’s verify off, the copy failed, or verifyError)',
  })
  drift!: number | null;
  @ApiProperty({ type: RunTableDriftView, nullable: true, description: 'the drift by kind, with sample keys; null when not verified' })
  driftDetail!: RunTableDriftView | null;
  @ApiProperty({ nullable: true, type: String, example: null, description: 'why this table could not be verified' }) verifyError!: string | null;
}

/** A run without its tables, as GET /api/jobs/:id/runs lists it. */
export class RunSummaryView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.run }) id!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.job }) jobId!: string;
  @ApiProperty({ enum: RUN_STATUSES, example: 'succeeded' }) status!: string;
  @ApiProperty({ enum: TRIGGERS, example: 'manual' }) trigger!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', example: EXAMPLE_ID.user, description: 'who triggered it; null for schedules and recovery' })
  requestedBy!: string | null;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) queuedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-23T09:30:01.000Z' }) startedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-23T09:30:15.000Z' }) finishedAt!: Date | null;
  @ApiProperty({ ...COUNTER, example: 120000, description: COUNT }) rowsRead!: number | string;
  @ApiProperty({ ...COUNTER, example: 119998, description: COUNT }) rowsWritten!: number | string;
  @ApiProperty({ ...COUNTER, example: 2, description: `rows the target refused across all tables; above the job's maxRejects the run fails; ${COUNT}` })
  rejects!: number | string;
  @ApiProperty({ ...COUNTER, example: 0, description: `target rows removed by deleteMissing; ${COUNT}` }) rowsDeleted!: number | string;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 8571,
    description: 'rows written per second from the start to the end (or to now while running); null before it starts',
  })
  rowsPerSecond!: number | null;
  @ApiProperty({ example: false, description: 'POST /api/runs/:id/cancel was called' }) cancelRequested!: boolean;
  @ApiProperty({ nullable: true, type: String, example: null, description: 'why the run failed' }) error!: string | null;
  @ApiProperty({
    ...COUNTER,
    nullable: true,
    example: 0,
    description: `verified sync: rows the run's closing diff found differing across its tables, 0 when clean; null when the run was not verified (the job's verify off, or the copy did not succeed); ${COUNT}`,
  })
  drift!: number | string | null;
  @ApiProperty({ nullable: true, type: String, example: null, description: 'why the closing verify could not finish (a verify that errors is never a silent pass)' })
  verifyError!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    example: null,
    description: "the closing verify stored as a diff: every differing key is paged at GET /api/diffs/:id/rows; null when the run was not verified",
  })
  diffId!: string | null;
}

/** A run as GET /api/runs lists it: the summary and its job's name. */
export class RunListItemView extends RunSummaryView {
  @ApiProperty({ example: 'orders to the warehouse' }) jobName!: string;
}

export class RunView extends RunSummaryView {
  @ApiProperty({ type: [RunTableView] }) tables!: RunTableView[];
}

/** GET /api/runs: every filter is optional and they combine (AND). */
export class RunListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: RUN_STATUSES, example: 'failed', description: 'only runs in this status' })
  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: (typeof RUN_STATUSES)[number];

  @ApiPropertyOptional({ format: 'uuid', example: EXAMPLE_ID.job, description: "only this job's runs" })
  @IsOptional()
  @IsUUID()
  jobId?: string;

  @ApiPropertyOptional({ format: 'date-time', example: EXAMPLE_TIME, description: 'only runs queued at or after this time (ISO-8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;
}

/** GET /api/runs/:id/logs: a level is a floor, so `warn` gives warnings and errors. */
export class RunLogQuery extends PageQuery {
  @ApiPropertyOptional({ enum: LOG_LEVELS, example: 'warn', description: 'only lines at this level or above (debug < info < warn < error)' })
  @IsOptional()
  @IsIn(LOG_LEVELS)
  level?: (typeof LOG_LEVELS)[number];
}

export class RunTriggeredView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.run, description: 'follow it at GET /api/runs/:id' }) runId!: string;
}

export class RunLogErrorView {
  @ApiProperty({ example: 'PlanError', description: 'the error class' }) class!: string;
  @ApiPropertyOptional({ example: 'permission-denied', description: 'its code, when it has one' }) code?: string;
  @ApiPropertyOptional({ example: 'PlanError: column "note" is not in the source table public.orders\n    at planTable (libs/engine/src/plan/plan-tables.ts:88:11)', description: 'its stack trace' }) stack?: string;
}

export class RunLogView {
  @ApiProperty({ description: 'position in the run (ascending)', example: '42' }) id!: string;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) at!: Date;
  @ApiProperty({ enum: LOG_LEVELS, example: 'info' }) level!: string;
  @ApiProperty({ nullable: true, type: String, example: 'public.orders', description: 'the source table the line is about, if any' }) table!: string | null;
  @ApiProperty({ example: 'ran on the target: CREATE TABLE "shop"."orders" (…)' }) message!: string;
  @ApiPropertyOptional({
    type: RunLogErrorView,
    description: 'on a line about an error: its class, code and stack (passwords of connection strings scrubbed)',
  })
  error?: RunLogErrorView;
}

export class RunLogPage {
  @ApiProperty({ type: [RunLogView], description: 'oldest first' }) items!: RunLogView[];
  @ApiProperty({ example: 1 }) total!: number;
}

export class RunRejectView {
  @ApiProperty({ description: 'position in the run (ascending)', example: '17' }) id!: string;
  @ApiProperty({ example: 'public.orders' }) source!: string;
  @ApiProperty({ example: 'shop.orders' }) target!: string;
  @ApiProperty({
    type: 'array',
    items: {},
    example: KEY_EXAMPLE,
    description: 'one value per key column, lossless JSON: {"$int": "…"} for 64-bit integers, {"$bytes": "<base64>"} for binary',
  })
  key!: unknown[];
  @ApiPropertyOptional({ nullable: true, type: String, example: 'note', description: 'the column the database blamed, when it said' }) column!: string | null;
  @ApiProperty({ example: "value rejected by the database: Data too long for column 'note' at row 1" }) error!: string;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) at!: Date;
}

export class RunRejectPage {
  @ApiProperty({ type: [RunRejectView] }) items!: RunRejectView[];
  @ApiProperty({ example: 2 }) total!: number;
}
