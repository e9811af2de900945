import { Module } from '@nestjs/common';
import { repositoryToken, type Repository, RunEntity, RunStats } from '@dbferry/control-plane';
import { ConnectionsModule } from '../connections/connections.module';
import { ConnectionHealthService } from './connection-health.service';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';

/** RunStats reads through the run repository's manager: the apps get no DataSource of their own. */
const runStats = { provide: RunStats, inject: [repositoryToken(RunEntity)], useFactory: (runs: Repository<RunEntity>) => new RunStats(runs.manager) };

@Module({
  imports: [ConnectionsModule],
  controllers: [DashboardController],
  providers: [DashboardService, ConnectionHealthService, runStats],
})
export class DashboardModule {}
