import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../../common/auth.decorators';
import { UuidParamPipe } from '../../common/input-guard';
import { ApiPageResponse } from '../../common/openapi';
import { PageQuery } from '../../common/pagination.dto';
import { FullSyncRunDetailView, FullSyncRunTriggeredView, FullSyncRunView, StartFullSyncDto } from './full-sync.dto';
import { FullSyncService } from './full-sync.service';

/** Full syncs of event sources (issue 14 item 4): pull the upstream snapshot and reconcile the targets. */
@ApiTags('events')
@ApiBearerAuth()
@Controller('api')
export class FullSyncController {
  constructor(private readonly service: FullSyncService) {}

  @Post('event-sources/:id/full-sync')
  @HttpCode(202)
  @ApiParam({ name: 'id', format: 'uuid', description: "the event source's id", example: '6b1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b' })
  @ApiOperation({ summary: "pull the source's upstream snapshot (fullSync.url, paged by `next`) and upsert every entity through the event apply path; deleteMissing also deletes target rows it no longer has" })
  @ApiAcceptedResponse({ type: FullSyncRunTriggeredView, description: 'the full sync is queued' })
  @ApiBadRequestResponse({ description: 'the source has no fullSync.url, or deleteMissing is not a boolean' })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'a full sync of this source is queued or running' })
  @ApiServiceUnavailableResponse({ description: 'Redis is unavailable: nothing was started' })
  start(@Param('id', UuidParamPipe) id: string, @Body() dto: StartFullSyncDto, @CurrentUser() actor: AuthUser) {
    return this.service.start(id, dto.deleteMissing ?? false, actor);
  }

  @Get('event-sources/:id/full-syncs')
  @ApiParam({ name: 'id', format: 'uuid', description: "the event source's id", example: '6b1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b' })
  @ApiPageResponse(FullSyncRunView, "the source's full syncs, newest first")
  @ApiNotFoundResponse()
  listOfSource(@Param('id', UuidParamPipe) id: string, @Query() query: PageQuery) {
    return this.service.list(id, query.limit, query.offset);
  }

  @Get('event-full-syncs')
  @ApiPageResponse(FullSyncRunView, 'every full sync, newest first')
  list(@Query() query: PageQuery) {
    return this.service.list(undefined, query.limit, query.offset);
  }

  @Get('event-full-syncs/:id')
  @ApiParam({ name: 'id', format: 'uuid', description: "the full sync's run id", example: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b' })
  @ApiOkResponse({ type: FullSyncRunDetailView, description: 'status, progress and log' })
  @ApiNotFoundResponse()
  get(@Param('id', UuidParamPipe) id: string) {
    return this.service.get(id);
  }
}
