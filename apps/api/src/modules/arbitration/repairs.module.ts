import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { RepairsController } from './repairs.controller';
import { RepairsService } from './repairs.service';

/** POST/GET /api/repairs, apply and sql (issue 12, item 3). */
@Module({ imports: [AuditModule], controllers: [RepairsController], providers: [RepairsService] })
export class RepairsModule {}
