import { Module } from '@nestjs/common';
import { StoreChangesModule } from '../store-changes/store-changes';
import { AuditModule } from '../audit/audit.module';
import { ConnectionsModule } from '../connections/connections.module';
import { DiffsController } from './diffs.controller';
import { DiffsService } from './diffs.service';

/** POST/GET /api/diffs, rows, stream and cancel (issue 12, item 1). */
@Module({ imports: [AuditModule, ConnectionsModule, StoreChangesModule], controllers: [DiffsController], providers: [DiffsService] })
export class DiffsModule {}
