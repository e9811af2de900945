import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ConnectionsModule } from '../connections/connections.module';
import { GroupsController } from './groups.controller';
import { GroupsService } from './groups.service';
import { MemberWrites } from './member-writes';
import { SyncTasksController } from './sync-tasks.controller';

/** /api/groups and /api/sync-tasks: replica groups, multi-write and compensation (issue 13). */
@Module({ imports: [AuditModule, ConnectionsModule], controllers: [GroupsController, SyncTasksController], providers: [GroupsService, MemberWrites] })
export class GroupsModule {}
