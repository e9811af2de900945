import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../../common/auth.decorators';
import { UuidParamPipe } from '../../common/input-guard';
import { ApiPageResponse } from '../../common/openapi';
import { EXAMPLE_TASK_ID, ExecutedView, ExecuteTasksDto, SyncTaskListQuery, SyncTaskView } from './groups.dto';
import { GroupsService } from './groups.service';

/** Sync tasks (issue 13): one per write a member does not hold yet. Viewers may list them; operators execute them. */
@ApiTags('groups')
@ApiBearerAuth()
@ApiForbiddenResponse({ description: 'viewers may only list' })
@Controller('api/sync-tasks')
export class SyncTasksController {
  constructor(private readonly groups: GroupsService) {}

  @Get()
  @ApiPageResponse(SyncTaskView, 'newest first')
  list(@Query() query: SyncTaskListQuery) {
    return this.groups.tasks({ status: query.status, groupId: query.groupId, connectionId: query.connectionId }, query.limit, query.offset);
  }

  @Post('execute')
  @HttpCode(202)
  @ApiOperation({ summary: 'hands every pending task (of one group) to the worker fleet now' })
  @ApiAcceptedResponse({ type: ExecutedView })
  executeAll(@Body() dto: ExecuteTasksDto, @CurrentUser() actor: AuthUser) {
    return this.groups.executeAll(dto.groupId, actor);
  }

  @Post(':id/execute')
  @HttpCode(202)
  @ApiParam({ name: 'id', format: 'uuid', description: "the task's id", example: EXAMPLE_TASK_ID })
  @ApiOperation({ summary: "runs one task now: the member gets the key's newest write (or nothing, when it holds it already); a failed task is tried again" })
  @ApiAcceptedResponse({ type: ExecutedView })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'the task is done or skipped' })
  execute(@Param('id', UuidParamPipe) id: string, @CurrentUser() actor: AuthUser) {
    return this.groups.executeTask(id, actor);
  }
}
