import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiExtraModels, ApiForbiddenResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser, RequireRole } from '../../common/auth.decorators';
import { UuidParamPipe } from '../../common/input-guard';
import { ApiPageResponse } from '../../common/openapi';
import { CreateRepairDto, RepairCreatedView, RepairListQuery, RepairTargetView, RepairView, SqlQuery } from './repairs.dto';
import { RepairsService } from './repairs.service';

const RepairIdParam = () => ApiParam({ name: 'id', format: 'uuid', description: "the repair's id", example: '4e8d2c6a-0b1f-4a3e-9d5c-7b6a5f4e3d2c' });

/** Repairs (issue 12, item 3): a plan per target from a diff (or a key list) and a rule, a dry run, an apply, a re-verify. Operators and admins only: the plan holds rows. */
@ApiTags('arbitration')
@ApiBearerAuth()
@ApiExtraModels(RepairTargetView)
@ApiForbiddenResponse({ description: 'viewers cannot see or run repairs' })
@RequireRole('operator')
@Controller('api/repairs')
export class RepairsController {
  constructor(private readonly repairs: RepairsService) {}

  @Post()
  @HttpCode(202)
  @ApiAcceptedResponse({ type: RepairCreatedView, description: 'the repair is being planned (and, unless dryRun, applied)' })
  @ApiBadRequestResponse({ description: 'a field is invalid: an unknown connection or diff, a target not compared, a rule the diff cannot use, a malformed key' })
  create(@Body() dto: CreateRepairDto, @CurrentUser() actor: AuthUser) {
    return this.repairs.create(dto, actor);
  }

  @Get()
  @ApiPageResponse(RepairView, 'every repair, newest first')
  list(@Query() query: RepairListQuery) {
    return this.repairs.list(query);
  }

  @Get(':id')
  @RepairIdParam()
  @ApiOkResponse({ type: RepairView, description: 'status, per-target counts (planned and applied) and the re-verify' })
  get(@Param('id', UuidParamPipe) id: string) {
    return this.repairs.get(id);
  }

  @Post(':id/apply')
  @HttpCode(202)
  @RepairIdParam()
  @ApiAcceptedResponse({ type: RepairCreatedView, description: 'the stored plan is applied as it was planned; applying a finished repair again changes nothing already right' })
  @ApiConflictResponse({ description: 'the repair is being planned or applied, or has no plan' })
  apply(@Param('id', UuidParamPipe) id: string, @CurrentUser() actor: AuthUser) {
    return this.repairs.apply(id, actor);
  }

  @Get(':id/sql')
  @RepairIdParam()
  @ApiOkResponse({ description: "the plan for one target as that database's SQL", content: { 'text/plain': { schema: { type: 'string', example: 'INSERT INTO "public"."orders" ("id", "amount") VALUES\n  (42, 10.50)\nON CONFLICT ("id") DO UPDATE SET "amount" = EXCLUDED."amount";' } } } })
  @ApiBadRequestResponse({ description: 'connectionId is missing or not a target of the repair' })
  @ApiConflictResponse({ description: 'the repair is still being planned' })
  async sql(@Param('id', UuidParamPipe) id: string, @Query() query: SqlQuery, @Res({ passthrough: true }) res: Response): Promise<string> {
    const text = await this.repairs.sql(id, query.connectionId);
    // Set only on success: an error stays the JSON every route answers with.
    res.type('text/plain; charset=utf-8');
    return text;
  }
}
