import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ConnectionsModule } from '../connections/connections.module';
import { JobSchedules } from './job-schedules';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

@Module({ imports: [AuditModule, ConnectionsModule], controllers: [JobsController], providers: [JobsService, JobSchedules], exports: [JobSchedules] })
export class JobsModule {}
