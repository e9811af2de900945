import { Module } from '@nestjs/common';
import { StoreChangesModule } from '../store-changes/store-changes';
import { AuditModule } from '../audit/audit.module';
import { RunsController } from './runs.controller';
import { RunsService } from './runs.service';

@Module({ imports: [AuditModule, StoreChangesModule], controllers: [RunsController], providers: [RunsService] })
export class RunsModule {}
