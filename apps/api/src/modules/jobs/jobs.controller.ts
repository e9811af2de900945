import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../../common/auth.decorators';
import { PageQuery } from '../../common/pagination.dto';
import { CreateJobDto, JobView, UpdateJobDto } from './job.dto';
import { JobsService } from './jobs.service';

/** Operators manage jobs (the role guard's default for writes); viewers read them. */
@ApiTags('jobs')
@ApiBearerAuth()
@Controller('api/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
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

  @Get(':id')
  @ApiOkResponse({ type: JobView })
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.jobs.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: JobView })
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateJobDto, @CurrentUser() actor: AuthUser) {
    return this.jobs.update(id, body, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiConflictResponse({ description: 'the job has an active run' })
  remove(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() actor: AuthUser) {
    return this.jobs.remove(id, actor);
  }

  @Post(':id/preview')
  @HttpCode(200)
  @ApiOkResponse({ description: 'tables, DDL and per-column type mapping; nothing is changed' })
  preview(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.jobs.preview(id);
  }

  @Get(':id/runs')
  runs(@Param('id', new ParseUUIDPipe()) id: string, @Query() page: PageQuery) {
    return this.jobs.runsOf(id, page.limit, page.offset);
  }
}
