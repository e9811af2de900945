import { Controller, Get, HttpCode, MessageEvent, Param, Post, Query, Sse } from '@nestjs/common';
import { UuidParamPipe } from '../../common/input-guard';
import type { Observable } from 'rxjs';
import { ApiAcceptedResponse, ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../../common/auth.decorators';
import { ApiIdParam, ApiPageResponse, EXAMPLE_ID } from '../../common/openapi';
import { PageQuery } from '../../common/pagination.dto';
import { RunListItemView, RunListQuery, RunLogPage, RunLogQuery, RunRejectPage, RunTriggeredView, RunView } from './run.dto';
import { RunsService } from './runs.service';
import { StoreChanges } from '../store-changes/store-changes';

@ApiTags('runs')
@ApiBearerAuth()
@Controller('api')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly changes: StoreChanges,
  ) {}

  @Post('jobs/:id/run')
  @HttpCode(202)
  @ApiIdParam('job')
  @ApiAcceptedResponse({ type: RunTriggeredView, description: 'the run is queued' })
  @ApiConflictResponse({ description: 'the job already has a queued or running run' })
  trigger(@Param('id', UuidParamPipe) id: string, @CurrentUser() actor: AuthUser) {
    return this.runs.trigger(id, actor);
  }

  @Get('runs')
  @ApiPageResponse(RunListItemView, 'every run, newest first (by queue time)')
  list(@Query() query: RunListQuery) {
    return this.runs.list(query);
  }

  @Get('runs/:id')
  @ApiIdParam('run')
  @ApiOkResponse({ type: RunView, description: 'status, counters and per-table progress' })
  get(@Param('id', UuidParamPipe) id: string) {
    return this.runs.get(id);
  }

  /**
   * Server-Sent Events: the run (as GET /api/runs/:id) each time it changes, heard at the
   * commit (and re-read every STREAM_POLL_MS for live table progress), ending with the event
   * that carries the final status.
   */
  @Sse('runs/:id/stream')
  @ApiIdParam('run')
  @ApiOkResponse({
    description: 'text/event-stream of run snapshots until the run ends',
    content: {
      'text/event-stream': {
        schema: {
          type: 'string',
          description: 'events of type "run" whose data is the run as GET /api/runs/:id answers it',
          example: `event: run\ndata: {"id":"${EXAMPLE_ID.run}","status":"running","rowsWritten":40000,…}\n\n`,
        },
      },
    },
  })
  async stream(@Param('id', UuidParamPipe) id: string): Promise<Observable<MessageEvent>> {
    await this.runs.get(id); // 404 before the stream opens
    return this.changes.follow('dbferry_run', id, 'run', () => this.runs.get(id));
  }

  @Get('runs/:id/logs')
  @ApiIdParam('run')
  @ApiOkResponse({ type: RunLogPage })
  logs(@Param('id', UuidParamPipe) id: string, @Query() query: RunLogQuery) {
    return this.runs.logsOf(id, query);
  }

  /** Rows the target refused (a value too long, a NOT NULL or check violation…), paged, oldest first. */
  @Get('runs/:id/rejects')
  @ApiIdParam('run')
  @ApiOkResponse({ type: RunRejectPage })
  rejects(@Param('id', UuidParamPipe) id: string, @Query() page: PageQuery) {
    return this.runs.rejectsOf(id, page.limit, page.offset);
  }

  @Post('runs/:id/cancel')
  @HttpCode(202)
  @ApiIdParam('run')
  @ApiAcceptedResponse({ type: RunView, description: 'the run, cancelled at once whatever its state (a chunk mid-write finishes its transaction)' })
  @ApiConflictResponse({ description: 'the run has already ended' })
  cancel(@Param('id', UuidParamPipe) id: string, @CurrentUser() actor: AuthUser) {
    return this.runs.cancel(id, actor);
  }
}
