import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DashboardQuery, DashboardView } from './dashboard.dto';
import { DashboardService } from './dashboard.service';

/** Any role may read it (a GET needs viewer). */
@ApiTags('dashboard')
@ApiBearerAuth()
@Controller('api/dashboard')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get()
  @ApiOkResponse({ type: DashboardView, description: "counts, runs per status over time, recent runs' rates, queue depths, failing jobs, connections down" })
  @ApiBadRequestResponse({ description: 'range is not 24h or 14d' })
  get(@Query() query: DashboardQuery): Promise<DashboardView> {
    return this.dashboard.overview(query.range);
  }
}
