import { DynamicModule, Module } from '@nestjs/common';
import { faultsConfig } from '@dbferry/config';
import { AuditModule } from '../audit/audit.module';
import { FaultsController } from './faults.controller';
import { FaultsService } from './faults.service';

/** /api/faults exists only when FAULTS_ENABLED=true: otherwise no route is mounted and every path answers 404. */
@Module({})
export class FaultsModule {
  static register(): DynamicModule {
    if (!faultsConfig().enabled) return { module: FaultsModule };
    return { module: FaultsModule, imports: [AuditModule], controllers: [FaultsController], providers: [FaultsService] };
  }
}
