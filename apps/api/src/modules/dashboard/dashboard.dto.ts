import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { DASHBOARD_RANGES, type DashboardRange, RUN_STATUSES } from '@dbferry/control-plane';
import { DIALECT_NAMES, type DialectName } from '@dbferry/dialects-core';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../../common/openapi';

const RANGES = Object.keys(DASHBOARD_RANGES) as DashboardRange[];

export class DashboardQuery {
  @ApiPropertyOptional({ enum: RANGES, example: '24h', default: '24h', description: '24h: runs per hour of the last 24 hours; 14d: per day of the last 14 days (UTC)' })
  @IsOptional()
  @IsIn(RANGES, { message: `range must be one of ${RANGES.join(', ')}` })
  range: DashboardRange = '24h';
}

export class RunStatusCountsView {
  @ApiProperty({ example: 0 }) queued!: number;
  @ApiProperty({ example: 1 }) running!: number;
  @ApiProperty({ example: 412 }) succeeded!: number;
  @ApiProperty({ example: 7 }) failed!: number;
  @ApiProperty({ example: 2 }) cancelled!: number;
}

export class DashboardCountsView {
  @ApiProperty({ example: 4 }) connections!: number;
  @ApiProperty({ example: 6 }) jobs!: number;
  @ApiProperty({ example: 5, description: 'jobs whose schedule is on' }) enabledJobs!: number;
  @ApiProperty({ type: RunStatusCountsView, description: 'every run the store keeps, by status' }) runs!: RunStatusCountsView;
}

export class RunBucketView extends RunStatusCountsView {
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-23T09:00:00.000Z', description: "the bucket's start (UTC); runs are counted by when they were queued, with their status now" })
  at!: Date;
}

export class RecentRunRateView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.run }) runId!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.job }) jobId!: string;
  @ApiProperty({ example: 'orders nightly' }) jobName!: string;
  @ApiProperty({ enum: RUN_STATUSES, example: 'succeeded' }) status!: string;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) startedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-23T09:30:15.000Z' }) finishedAt!: Date | null;
  @ApiProperty({ example: 120000, description: 'a JSON number while exact, else a decimal string' }) rowsWritten!: number | string;
  @ApiProperty({ nullable: true, type: Number, example: 8000, description: 'rows written per second from start to end (or to now while running)' })
  rowsPerSecond!: number | null;
}

export class QueueDepthView {
  @ApiProperty({ example: 'sync' }) name!: string;
  @ApiProperty({ example: 3 }) waiting!: number;
  @ApiProperty({ example: 0, description: 'waiting with a priority' }) prioritized!: number;
  @ApiProperty({ example: 1, description: 'parents (finish-run) waiting for their children' }) waitingChildren!: number;
  @ApiProperty({ example: 2 }) active!: number;
  @ApiProperty({ example: 0, description: 'waiting out a retry backoff or a delay' }) delayed!: number;
  @ApiProperty({ example: 0, description: 'failed for good and still kept by BullMQ' }) failed!: number;
}

export class FailingJobView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.job }) jobId!: string;
  @ApiProperty({ example: 'orders nightly' }) jobName!: string;
  @ApiProperty({ example: true }) enabled!: boolean;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.run, description: 'its latest settled run, which failed' }) runId!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-23T09:30:15.000Z' }) finishedAt!: Date | null;
  @ApiProperty({ nullable: true, type: String, example: 'table public.orders: connection refused: 10.0.0.5:5432' }) error!: string | null;
}

export class ConnectionDownView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection }) id!: string;
  @ApiProperty({ example: 'sales-replica' }) name!: string;
  @ApiProperty({ enum: DIALECT_NAMES, example: 'mysql' }) dialect!: DialectName;
  @ApiProperty({ example: 3001, description: 'how long the probe took before it gave up' }) latencyMs!: number;
  @ApiProperty({ nullable: true, type: String, example: 'connection refused: 10.0.0.5:3306' }) error!: string | null;
}

export class GroupDebtEntryView {
  @ApiProperty({ format: 'uuid', example: '8d3f1b2a-6c4e-4f7a-9b1d-2e3c4a5b6d7e' }) groupId!: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection }) connectionId!: string;
  @ApiProperty({ example: 3, description: 'writes the member still owes' }) pending!: number;
  @ApiProperty({ example: 0, description: 'sync tasks given up on' }) failed!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: EXAMPLE_TIME }) oldestPendingAt!: Date | null;
}

export class DashboardView {
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) generatedAt!: Date;
  @ApiProperty({ enum: RANGES, example: '24h' }) range!: DashboardRange;
  @ApiProperty({ enum: ['hour', 'day'], example: 'hour', description: 'the width of each runsOverTime bucket' }) bucket!: 'hour' | 'day';
  @ApiProperty({ type: DashboardCountsView }) counts!: DashboardCountsView;
  @ApiProperty({ type: [RunBucketView], description: 'one bucket per hour (24h) or day (14d), oldest first, zeros included' }) runsOverTime!: RunBucketView[];
  @ApiProperty({ type: [RecentRunRateView], description: 'the latest runs that started (at most 30), oldest first' }) recentRuns!: RecentRunRateView[];
  @ApiProperty({ type: [QueueDepthView], description: 'every queue; empty when Redis did not answer (see queuesError)' }) queues!: QueueDepthView[];
  @ApiProperty({ nullable: true, type: String, example: null, description: 'why queue depths are missing' }) queuesError!: string | null;
  @ApiProperty({ type: [FailingJobView], description: 'jobs whose latest settled run failed (at most 50), most recent first' }) failingJobs!: FailingJobView[];
  @ApiProperty({ type: [ConnectionDownView], description: 'connections the last reachability check could not reach' }) connectionsDown!: ConnectionDownView[];
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-11-23T09:29:45.000Z',
    description: 'when connectionsDown was checked (checks are cached for 30 s and refreshed in the background); null while the first check still runs',
  })
  connectionsCheckedAt!: Date | null;
  @ApiProperty({ type: [GroupDebtEntryView], description: 'consistency debt: per replica-group member, the sync tasks it still owes (issue 13)' }) groupDebt!: GroupDebtEntryView[];
}
