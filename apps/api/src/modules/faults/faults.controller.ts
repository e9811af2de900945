import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser, RequireRole } from '../../common/auth.decorators';
import { UuidParamPipe } from '../../common/input-guard';
import { ApiPageResponse } from '../../common/openapi';
import { CreateFaultDto, EXAMPLE_FAULT_ID, FaultView } from './faults.dto';
import { FaultsService } from './faults.service';

const ApiFaultId = () => ApiParam({ name: 'id', format: 'uuid', description: "the fault's id", example: EXAMPLE_FAULT_ID });

/** Fault injection (issue 13 item 5): admins only, and mounted only when FAULTS_ENABLED=true (404 otherwise). */
@ApiTags('faults')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('api/faults')
export class FaultsController {
  constructor(private readonly faults: FaultsService) {}

  @Post()
  @ApiCreatedResponse({ type: FaultView, description: 'the fault, active at once in the API and every worker' })
  @ApiBadRequestResponse({ description: 'a bad field, neither count nor seconds, or an unknown connectionId (named in details)' })
  create(@Body() body: CreateFaultDto, @CurrentUser() actor: AuthUser) {
    return this.faults.create(body, actor);
  }

  @Get()
  @ApiPageResponse(FaultView, 'active faults, oldest first')
  list() {
    return this.faults.list();
  }

  @Get(':id')
  @ApiFaultId()
  @ApiOkResponse({ type: FaultView })
  @ApiNotFoundResponse({ description: 'removed, used up or expired' })
  get(@Param('id', UuidParamPipe) id: string) {
    return this.faults.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiFaultId()
  @ApiNoContentResponse({ description: 'removed: no process injects it any more' })
  @ApiNotFoundResponse({ description: 'removed, used up or expired already' })
  remove(@Param('id', UuidParamPipe) id: string, @CurrentUser() actor: AuthUser) {
    return this.faults.remove(id, actor);
  }
}
