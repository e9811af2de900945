import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { UuidParamPipe } from '../../common/input-guard';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser, RequireRole } from '../../common/auth.decorators';
import { ApiIdParam, ApiPageResponse } from '../../common/openapi';
import { PageQuery } from '../../common/pagination.dto';
import { CreateUserDto, UpdateUserDto, UserDetailView } from './users.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiPageResponse(UserDetailView, 'users by name')
  list(@Query() page: PageQuery) {
    return this.users.list(page.limit, page.offset);
  }

  @Post()
  @ApiCreatedResponse({ type: UserDetailView })
  @ApiConflictResponse({ description: 'username taken' })
  create(@Body() body: CreateUserDto, @CurrentUser() actor: AuthUser) {
    return this.users.create(body, actor);
  }

  @Patch(':id')
  @ApiIdParam('user')
  @ApiOkResponse({ type: UserDetailView })
  update(@Param('id', UuidParamPipe) id: string, @Body() body: UpdateUserDto, @CurrentUser() actor: AuthUser) {
    return this.users.update(id, body, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiIdParam('user')
  @ApiNoContentResponse({ description: 'deleted' })
  remove(@Param('id', UuidParamPipe) id: string, @CurrentUser() actor: AuthUser) {
    return this.users.remove(id, actor);
  }
}
