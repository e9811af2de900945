import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser, RequireRole } from '../../common/auth.decorators';
import { UuidParamPipe } from '../../common/input-guard';
import { ApiPageResponse } from '../../common/openapi';
import { PageQuery } from '../../common/pagination.dto';
import { CreateEventSourceDto, EventSourceView, EXAMPLE_SOURCE_ID, UpdateEventSourceDto } from './events.dto';
import { EventsService } from './events.service';

const SourceIdParam = () => ApiParam({ name: 'id', format: 'uuid', description: "the event source's id", example: EXAMPLE_SOURCE_ID });

/**
 * Event sources (issue 14): an upstream system that pushes signed CREATED/UPDATED/DELETED events,
 * with its mappings from entity type to a target table. The signing secret is write-only (sealed);
 * sources are changed by admins, read by viewers.
 */
@ApiTags('events')
@ApiBearerAuth()
@ApiForbiddenResponse({ description: 'sources are changed by admins only' })
@Controller('api/event-sources')
export class EventSourcesController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiPageResponse(EventSourceView, 'every event source, by name')
  list(@Query() query: PageQuery) {
    return this.events.list(query.limit, query.offset);
  }

  @Post()
  @RequireRole('admin')
  @ApiOperation({ summary: 'an event source: its signing secret (sealed) and its mappings, each checked against its table (or the table created)' })
  @ApiCreatedResponse({ type: EventSourceView })
  @ApiBadRequestResponse({ description: 'a field is invalid (named: name, mappings[i].connectionId, mappings[i].table, mappings[i].keyColumn, mappings[i].fields.<column>…)' })
  create(@Body() dto: CreateEventSourceDto, @CurrentUser() actor: AuthUser) {
    return this.events.create(dto, actor);
  }

  @Get(':id')
  @SourceIdParam()
  @ApiOkResponse({ type: EventSourceView })
  @ApiNotFoundResponse()
  get(@Param('id', UuidParamPipe) id: string) {
    return this.events.get(id);
  }

  @Patch(':id')
  @RequireRole('admin')
  @SourceIdParam()
  @ApiOperation({ summary: 'rotate the secret (the current one stays accepted as the previous until cleared), change mappings or the full sync' })
  @ApiOkResponse({ type: EventSourceView })
  @ApiBadRequestResponse({ description: 'a field is invalid (named)' })
  @ApiNotFoundResponse()
  update(@Param('id', UuidParamPipe) id: string, @Body() dto: UpdateEventSourceDto, @CurrentUser() actor: AuthUser) {
    return this.events.update(id, dto, actor);
  }

  @Delete(':id')
  @RequireRole('admin')
  @HttpCode(204)
  @SourceIdParam()
  @ApiNoContentResponse({ description: 'the source and its inbox are gone; the target tables are left as they are' })
  @ApiNotFoundResponse()
  async remove(@Param('id', UuidParamPipe) id: string, @CurrentUser() actor: AuthUser) {
    await this.events.remove(id, actor);
  }
}
