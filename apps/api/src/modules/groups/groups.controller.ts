import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../../common/auth.decorators';
import { UuidParamPipe } from '../../common/input-guard';
import { ApiPageResponse } from '../../common/openapi';
import { ArbiterView } from '../arbitration/arbiter.dto';
import { AdoptView, CreateGroupDto, DeleteRowQuery, EXAMPLE_GROUP_ID, GroupDebtView, GroupListQuery, GroupRowDto, GroupView, GroupWriteView, UpdateGroupDto } from './groups.dto';
import { GroupsService } from './groups.service';

const GroupIdParam = () => ApiParam({ name: 'id', format: 'uuid', description: "the group's id", example: EXAMPLE_GROUP_ID });
const KeyParam = () =>
  ApiParam({ name: 'key', description: "the row's key: the one key column's value, or a JSON object naming each key column (URL-encoded)", example: '42' });

/**
 * Replica groups (issue 13): one record written to several databases at once; the members not
 * written now are owed the write as sync tasks. Reads are for viewers, writes for operators.
 */
@ApiTags('groups')
@ApiBearerAuth()
@ApiForbiddenResponse({ description: 'viewers may only read' })
@Controller('api/groups')
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Get()
  @ApiPageResponse(GroupView, 'every group, by name')
  list(@Query() query: GroupListQuery) {
    return this.groups.list(query.limit, query.offset);
  }

  @Post()
  @ApiOperation({ summary: "a group of member tables on any dialect, each checked against the first member's schema" })
  @ApiCreatedResponse({ type: GroupView, description: 'the group, with the schema differences between members that do not stop it' })
  @ApiBadRequestResponse({ description: 'a field is invalid (named): an unknown connection, a missing table, a member whose key or columns cannot take the group (members[i]), a key column not on the first member' })
  create(@Body() dto: CreateGroupDto, @CurrentUser() actor: AuthUser) {
    return this.groups.create(dto, actor);
  }

  @Get(':id')
  @GroupIdParam()
  @ApiOkResponse({ type: GroupView })
  @ApiNotFoundResponse()
  get(@Param('id', UuidParamPipe) id: string) {
    return this.groups.get(id);
  }

  @Patch(':id')
  @GroupIdParam()
  @ApiOkResponse({ type: GroupView })
  @ApiNotFoundResponse()
  update(@Param('id', UuidParamPipe) id: string, @Body() dto: UpdateGroupDto, @CurrentUser() actor: AuthUser) {
    return this.groups.update(id, dto, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @GroupIdParam()
  @ApiNoContentResponse({ description: 'the group, its writes and its tasks are gone; the member tables are left as they are' })
  @ApiNotFoundResponse()
  async remove(@Param('id', UuidParamPipe) id: string, @CurrentUser() actor: AuthUser) {
    await this.groups.remove(id, actor);
  }

  @Post(':id/adopt-diff')
  @HttpCode(202)
  @GroupIdParam()
  @ApiOperation({ summary: 'adopting existing tables: a diff of the members (GET /api/diffs/:diffId) whose counts are the starting debt' })
  @ApiAcceptedResponse({ type: AdoptView })
  @ApiNotFoundResponse()
  adopt(@Param('id', UuidParamPipe) id: string, @CurrentUser() actor: AuthUser) {
    return this.groups.adopt(id, actor);
  }

  @Get(':id/debt')
  @GroupIdParam()
  @ApiOkResponse({ type: GroupDebtView, description: 'per member, the writes it still owes and the age of the oldest' })
  @ApiNotFoundResponse()
  debt(@Param('id', UuidParamPipe) id: string) {
    return this.groups.debt(id);
  }

  @Post(':id/rows')
  @HttpCode(200)
  @GroupIdParam()
  @ApiOperation({ summary: 'writes a row (an upsert by key) to the members in writeTo now, each in its own transaction; the others get a sync task' })
  @ApiOkResponse({ type: GroupWriteView })
  @ApiBadRequestResponse({ description: 'a field is invalid (named): row.<column> not in the group or not of its type, a missing key column, writeTo[i] not a member' })
  @ApiNotFoundResponse()
  write(@Param('id', UuidParamPipe) id: string, @Body() dto: GroupRowDto, @CurrentUser() actor: AuthUser) {
    return this.groups.upsert(id, dto.row, dto.writeTo, actor);
  }

  @Put(':id/rows/:key')
  @GroupIdParam()
  @KeyParam()
  @ApiOkResponse({ type: GroupWriteView })
  @ApiBadRequestResponse({ description: 'a field is invalid (named): key, row.<column>, writeTo[i]' })
  @ApiNotFoundResponse()
  put(@Param('id', UuidParamPipe) id: string, @Param('key') key: string, @Body() dto: GroupRowDto, @CurrentUser() actor: AuthUser) {
    return this.groups.upsert(id, dto.row, dto.writeTo, actor, key);
  }

  @Delete(':id/rows/:key')
  @GroupIdParam()
  @KeyParam()
  @ApiOkResponse({ type: GroupWriteView, description: 'the delete is a write too: a later, older task never brings the row back' })
  @ApiBadRequestResponse({ description: 'a field is invalid (named): key, writeTo' })
  @ApiNotFoundResponse()
  deleteRow(@Param('id', UuidParamPipe) id: string, @Param('key') key: string, @Query() query: DeleteRowQuery, @CurrentUser() actor: AuthUser) {
    return this.groups.delete(id, key, query.writeTo, actor);
  }

  @Get(':id/rows/:key')
  @GroupIdParam()
  @KeyParam()
  @ApiOperation({ summary: "the arbiter's view of one row across the members: each member's row, compared exactly, and the majority" })
  @ApiOkResponse({ type: ArbiterView })
  @ApiBadRequestResponse({ description: 'the key is malformed or does not fit a key column' })
  @ApiNotFoundResponse()
  row(@Param('id', UuidParamPipe) id: string, @Param('key') key: string) {
    return this.groups.arbiter(id, key);
  }
}
