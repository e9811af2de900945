import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module';
import { ArbiterController } from './arbiter.controller';
import { ArbiterService } from './arbiter.service';

/** GET /api/arbiter: one key's row across N connections (issue 12, item 2). */
@Module({ imports: [ConnectionsModule], controllers: [ArbiterController], providers: [ArbiterService] })
export class ArbiterModule {}
