import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const COUNT = 'a JSON number while exact, else a decimal string';
/** A key value in the lossless JSON encoding of @dbferry/engine's key codec. */
const KEY_EXAMPLE = [{ $int: '9223372036854775807' }, 'eu', { $bytes: 'AP8=' }];

export class RunTableView {
  @ApiProperty({ example: 'public.orders' }) source!: string;
  @ApiProperty({ example: 'shop.orders' }) target!: string;
  @ApiProperty({ enum: ['pending', 'running', 'succeeded', 'failed', 'cancelled'] }) status!: string;
  @ApiProperty({ description: COUNT }) rowsRead!: number | string;
  @ApiProperty({ description: COUNT }) rowsWritten!: number | string;
  @ApiProperty({ description: `rows the target refused, left out (see GET /api/runs/:id/rejects); ${COUNT}` }) rejects!: number | string;
  @ApiProperty({ description: `target rows removed because their keys vanished from the source (deleteMissing); ${COUNT}` }) rowsDeleted!: number | string;
  @ApiProperty({ nullable: true, type: Number, description: "this table's rows written per second of the run so far" }) rowsPerSecond!: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'incremental runs: the column the watermark is taken on' }) incrementalColumn!: string | null;
  @ApiProperty() chunksDone!: number;
  @ApiProperty() chunksTotal!: number;
  @ApiProperty({ description: 'false for a table without a usable key: copied whole, cannot resume part-way' }) resumable!: boolean;
  @ApiProperty({ type: [String] }) keyColumns!: string[];
  @ApiProperty({ type: [String], description: 'DDL the run executed on the target' }) ddl!: string[];
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: '{column, kind, description} of each lossy type mapping' }) losses!: object[];
  @ApiProperty({ type: [String] }) warnings!: string[];
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
}

export class RunView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) jobId!: string;
  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] }) status!: string;
  @ApiProperty({ enum: ['manual', 'schedule', 'recovery'] }) trigger!: string;
  @ApiProperty({ type: String, format: 'date-time' }) queuedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: Date | null;
  @ApiProperty({ description: COUNT }) rowsRead!: number | string;
  @ApiProperty({ description: COUNT }) rowsWritten!: number | string;
  @ApiProperty({ description: `rows the target refused across all tables; above the job's maxRejects the run fails; ${COUNT}` })
  rejects!: number | string;
  @ApiProperty({ description: `target rows removed by deleteMissing; ${COUNT}` }) rowsDeleted!: number | string;
  @ApiProperty({ nullable: true, type: Number, description: 'rows written per second from the start to the end (or to now while running); null before it starts' })
  rowsPerSecond!: number | null;
  @ApiProperty() cancelRequested!: boolean;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ type: [RunTableView] }) tables!: RunTableView[];
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
  @ApiPropertyOptional({ nullable: true, type: String, description: 'the column the database blamed, when it said' }) column!: string | null;
  @ApiProperty({ example: "value rejected by the database: Data too long for column 'note' at row 1" }) error!: string;
  @ApiProperty({ type: String, format: 'date-time' }) at!: Date;
}

export class RunRejectPage {
  @ApiProperty({ type: [RunRejectView] }) items!: RunRejectView[];
  @ApiProperty() total!: number;
}
