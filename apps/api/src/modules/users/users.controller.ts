import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser, RequireRole } from '../../common/auth.decorators';
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
  @ApiOkResponse({ type: UserDetailView })
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateUserDto, @CurrentUser() actor: AuthUser) {
    return this.users.update(id, body, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() actor: AuthUser) {
    return this.users.remove(id, actor);
  }
}
