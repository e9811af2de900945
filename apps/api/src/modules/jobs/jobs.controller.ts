import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { UuidParamPipe } from '../../common/input-guard';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../../common/auth.decorators';
import { ApiIdParam, ApiPageResponse } from '../../common/openapi';
import { PageQuery } from '../../common/pagination.dto';
import { RunSummaryView } from '../runs/run.dto';
import { CreateJobDto, JobPreviewView, JobView, PreviewJobDto, ScheduleQuery, ScheduleView, UpdateJobDto } from './job.dto';
import { JobsService } from './jobs.service';

/** Operators manage jobs (the role guard's default for writes); viewers read them. */
@ApiTags('jobs')
@ApiBearerAuth()
@Controller('api/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @ApiPageResponse(JobView)
  list(@Query() page: PageQuery) {
    return this.jobs.list(page.limit, page.offset);
  }

  @Post()
  @ApiCreatedResponse({ type: JobView })
  @ApiBadRequestResponse({ description: 'a field is invalid, e.g. tables[0].where refused by the filter rules' })
  @ApiConflictResponse({ description: 'name taken' })
  create(@Body() body: CreateJobDto, @CurrentUser() actor: AuthUser) {
    return this.jobs.create(body, actor);
  }

  /** Declared before `:id` so the path is not taken for a job id. */
  @Get('schedule-preview')
  @ApiOkResponse({ type: ScheduleView, description: 'the next fire times of a cron, for a form to show before saving' })
  @ApiBadRequestResponse({ description: 'schedule is not a cron expression, or scheduleTz not an IANA time zone' })
  schedulePreview(@Query() query: ScheduleQuery) {
    return this.jobs.schedulePreview(query.schedule, query.scheduleTz, query.count);
  }

  @Post('preview')
  @HttpCode(200)
  @ApiOkResponse({ type: JobPreviewView, description: 'a job not saved yet (the body of a create, name optional): tables, DDL, type mapping and lossy columns; nothing is stored or changed' })
  @ApiBadRequestResponse({ description: 'a field is invalid, named as a create names it (e.g. tables[0].where, schedule)' })
  @ApiUnprocessableEntityResponse({ description: 'a table cannot be planned (e.g. tables[0].source not found on the source)' })
  previewDraft(@Body() body: PreviewJobDto, @CurrentUser() actor: AuthUser) {
    return this.jobs.previewDraft(body, actor);
  }

  @Get(':id')
  @ApiIdParam('job')
  @ApiOkResponse({ type: JobView })
  get(@Param('id', UuidParamPipe) id: string) {
    return this.jobs.get(id);
  }

  @Patch(':id')
  @ApiIdParam('job')
  @ApiOkResponse({ type: JobView })
  update(@Param('id', UuidParamPipe) id: string, @Body() body: UpdateJobDto, @CurrentUser() actor: AuthUser) {
    return this.jobs.update(id, body, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiIdParam('job')
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiConflictResponse({ description: 'the job has an active run' })
  remove(@Param('id', UuidParamPipe) id: string, @CurrentUser() actor: AuthUser) {
    return this.jobs.remove(id, actor);
  }

  @Post(':id/preview')
  @HttpCode(200)
  @ApiIdParam('job')
  @ApiOkResponse({ type: JobPreviewView, description: 'tables, DDL, per-column type mapping and lossy columns; nothing is changed' })
  preview(@Param('id', UuidParamPipe) id: string) {
    return this.jobs.preview(id);
  }

  @Get(':id/runs')
  @ApiIdParam('job')
  @ApiPageResponse(RunSummaryView, "the job's runs, newest first")
  runs(@Param('id', UuidParamPipe) id: string, @Query() page: PageQuery) {
    return this.jobs.runsOf(id, page.limit, page.offset);
  }
}
