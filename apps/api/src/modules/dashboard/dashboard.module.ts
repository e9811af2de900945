import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module';
import { ConnectionHealthService } from './connection-health.service';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';

/** RunStats comes from ControlPlaneModule (global), like RunRepository. */
@Module({
  imports: [ConnectionsModule],
  controllers: [DashboardController],
  providers: [DashboardService, ConnectionHealthService],
})
export class DashboardModule {}
