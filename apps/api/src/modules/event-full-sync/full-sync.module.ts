import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { FullSyncController } from './full-sync.controller';
import { FullSyncSchedules } from './full-sync-schedules';
import { FullSyncService } from './full-sync.service';

/** /api/event-sources/:id/full-sync and /api/event-full-syncs: full syncs of event sources and their cron schedulers (issue 14 item 4). */
@Module({ imports: [AuditModule], controllers: [FullSyncController], providers: [FullSyncService, FullSyncSchedules] })
export class FullSyncModule {}
