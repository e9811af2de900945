import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ConnectionsModule } from '../connections/connections.module';
import { EventSourcesController } from './event-sources.controller';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';

/** /api/event-sources and /api/events: upstream events, signed ingress, inbox and redrive (issue 14). */
@Module({ imports: [AuditModule, ConnectionsModule], controllers: [EventSourcesController, EventsController], providers: [EventsService], exports: [EventsService] })
export class EventsModule {}
