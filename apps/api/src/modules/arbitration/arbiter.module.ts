import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module';

/** GET /api/arbiter: one key's row across N connections (issue 12, item 2). */
@Module({ imports: [ConnectionsModule] })
export class ArbiterModule {}
