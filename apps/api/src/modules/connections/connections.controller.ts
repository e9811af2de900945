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
} from '@nestjs/swagger';
import { type AuthUser, CurrentUser, RequireRole } from '../../common/auth.decorators';
import { ApiIdParam, ApiPageResponse } from '../../common/openapi';
import { PageQuery } from '../../common/pagination.dto';
import {
  ConnectionStatusView,
  ConnectionTestView,
  ConnectionView,
  CreateConnectionDto,
  SchemaView,
  StatusQuery,
  TableDetailView,
  TableParams,
  TablesQuery,
  TableSummaryView,
  UpdateConnectionDto,
} from './connection.dto';
import { ConnectionsService } from './connections.service';

@ApiTags('connections')
@ApiBearerAuth()
@Controller('api/connections')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Get()
  @ApiPageResponse(ConnectionView, 'connections by name, without secrets')
  list(@Query() page: PageQuery) {
    return this.connections.list(page.limit, page.offset);
  }

  /** Declared before `:id` so "status" is never taken for an id. */
  @Get('status')
  @ApiPageResponse(ConnectionStatusView, 'every connection probed: reachable, latency, how many tables and rows, and its tables with row estimates')
  status(@Query() query: StatusQuery) {
    return this.connections.status(query.withTables !== 'false');
  }

  @Post()
  @RequireRole('admin')
  @ApiCreatedResponse({ type: ConnectionView })
  @ApiBadRequestResponse({ description: 'a field is invalid or the host is refused by the egress policy' })
  @ApiConflictResponse({ description: 'name taken' })
  create(@Body() body: CreateConnectionDto, @CurrentUser() actor: AuthUser) {
    return this.connections.create(body, actor);
  }

  @Get(':id')
  @ApiIdParam('connection')
  @ApiOkResponse({ type: ConnectionView })
  get(@Param('id', UuidParamPipe) id: string) {
    return this.connections.get(id);
  }

  @Patch(':id')
  @RequireRole('admin')
  @ApiIdParam('connection')
  @ApiOkResponse({ type: ConnectionView })
  @ApiConflictResponse({ description: 'name taken, or readOnly set while jobs target the connection (they are named)' })
  update(@Param('id', UuidParamPipe) id: string, @Body() body: UpdateConnectionDto, @CurrentUser() actor: AuthUser) {
    return this.connections.update(id, body, actor);
  }

  @Delete(':id')
  @RequireRole('admin')
  @HttpCode(204)
  @ApiIdParam('connection')
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiConflictResponse({ description: 'jobs use the connection (they are named)' })
  remove(@Param('id', UuidParamPipe) id: string, @CurrentUser() actor: AuthUser) {
    return this.connections.remove(id, actor);
  }

  @Post(':id/test')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiIdParam('connection')
  @ApiOkResponse({ type: ConnectionTestView })
  test(@Param('id', UuidParamPipe) id: string, @CurrentUser() actor: AuthUser) {
    return this.connections.test(id, actor);
  }

  @Get(':id/tables/:schema/:table')
  @ApiOkResponse({ type: TableDetailView })
  describeTable(@Param() params: TableParams) {
    return this.connections.describeTable(params.id, params.schema, params.table);
  }

  @Get(':id/tables')
  @ApiIdParam('connection')
  @ApiPageResponse(
    TableSummaryView,
    'the tables of the connection (of one schema with ?schema=, else of its default ones), each with a row estimate; searched with ?search= and paged with ?limit=&offset= (every one without a limit)',
  )
  tables(@Param('id', UuidParamPipe) id: string, @Query() query: TablesQuery) {
    return this.connections.tables(id, query);
  }

  @Get(':id/schemas')
  @ApiIdParam('connection')
  @ApiPageResponse(SchemaView, "the schemas the connection can see (MySQL/MariaDB: databases), system ones left out, by name")
  schemas(@Param('id', UuidParamPipe) id: string) {
    return this.connections.schemas(id);
  }
}
