import { Body, Controller, Get, HttpCode, MessageEvent, Param, Post, Query, Sse } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiForbiddenResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Observable } from 'rxjs';
import { type AuthUser, CurrentUser } from '../../common/auth.decorators';
import { UuidParamPipe } from '../../common/input-guard';
import { ApiPageResponse } from '../../common/openapi';
import { CreateDiffDto, DiffCreatedView, DiffListItemView, DiffListQuery, DiffRowPage, DiffRowsQuery, DiffView } from './diffs.dto';
import { DiffsService } from './diffs.service';
import { StoreChanges } from '../store-changes/store-changes';

const DiffIdParam = () => ApiParam({ name: 'id', format: 'uuid', description: "the diff's id", example: '1d7e5c3a-9b2f-4e61-8a0d-5c4b3a2f1e0d' });

/** Diffs (issue 12): a reference connection compared with others, table by table, in key-range segments spread over the workers. */
@ApiTags('arbitration')
@ApiBearerAuth()
@Controller('api/diffs')
export class DiffsController {
  constructor(
    private readonly diffs: DiffsService,
    private readonly changes: StoreChanges,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiAcceptedResponse({ type: DiffCreatedView, description: 'the diff is queued' })
  @ApiBadRequestResponse({ description: 'a field is invalid or names an unknown connection (referenceId, otherIds[i]) or table' })
  @ApiForbiddenResponse({ description: 'viewers cannot start a diff' })
  create(@Body() dto: CreateDiffDto, @CurrentUser() actor: AuthUser) {
    return this.diffs.create(dto, actor);
  }

  @Get()
  @ApiPageResponse(DiffListItemView, 'every diff, newest first, with its tables and differences found')
  list(@Query() query: DiffListQuery) {
    return this.diffs.list(query);
  }

  @Get(':id')
  @DiffIdParam()
  @ApiOkResponse({ type: DiffView, description: 'status, progress and per-table results: counts by connection, differing columns, notes, samples' })
  get(@Param('id', UuidParamPipe) id: string) {
    return this.diffs.get(id);
  }

  @Get(':id/rows')
  @DiffIdParam()
  @ApiOkResponse({ type: DiffRowPage, description: "a page of a table's differing keys (in the order found) with both sides' rows" })
  rows(@Param('id', UuidParamPipe) id: string, @Query() query: DiffRowsQuery) {
    return this.diffs.rows(id, query);
  }

  /** Server-Sent Events: the diff (as GET /api/diffs/:id) each time it changes (heard at the commit, re-read every STREAM_POLL_MS), ending with its final status. */
  @Sse(':id/stream')
  @DiffIdParam()
  @ApiOkResponse({
    description: 'text/event-stream of diff snapshots until the diff ends',
    content: { 'text/event-stream': { schema: { type: 'string', description: 'events of type "diff" whose data is the diff as GET /api/diffs/:id answers it' } } },
  })
  async stream(@Param('id', UuidParamPipe) id: string): Promise<Observable<MessageEvent>> {
    await this.diffs.get(id); // 404 before the stream opens
    return this.changes.follow('dbferry_diff', id, 'diff', () => this.diffs.get(id));
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @DiffIdParam()
  @ApiAcceptedResponse({ type: DiffView, description: 'the diff, cancelled at once (a segment mid-way finishes and stores nothing that counts)' })
  @ApiConflictResponse({ description: 'the diff has already ended' })
  cancel(@Param('id', UuidParamPipe) id: string, @CurrentUser() actor: AuthUser) {
    return this.diffs.cancel(id, actor);
  }
}
