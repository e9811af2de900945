import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { RunsController } from './runs.controller';
import { RunsService } from './runs.service';

@Module({ imports: [AuditModule], controllers: [RunsController], providers: [RunsService] })
export class RunsModule {}
