import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '@dbferry/migrations';
import { AlertSettingsEntity } from './entities/alert-settings.entity';
import { AuditLogEntity } from './entities/audit-log.entity';
import { ConnectionEntity } from './entities/connection.entity';
import { DiffEntity, DiffRowEntity, DiffSegmentEntity, DiffTableEntity } from './entities/diff.entity';
import { RepairEntity, RepairSegmentEntity, RepairTargetEntity } from './entities/repair.entity';
import { RunChunkEntity, RunEntity, RunLogEntity, RunRejectEntity, RunTableEntity } from './entities/run.entity';
import { SyncJobEntity } from './entities/sync-job.entity';
import { UserEntity } from './entities/user.entity';

export const ENTITIES = [UserEntity, ConnectionEntity, AuditLogEntity, SyncJobEntity, RunEntity, RunTableEntity, RunChunkEntity, RunLogEntity, RunRejectEntity, AlertSettingsEntity, DiffEntity, DiffTableEntity, DiffSegmentEntity, DiffRowEntity, RepairEntity, RepairTargetEntity, RepairSegmentEntity];

export interface ControlStoreOptions {
  url: string;
  /** Shown in pg_stat_activity, so an operator can tell api, worker and CLI apart. */
  applicationName: string;
  poolSize?: number;
}

/** The control store. Never `synchronize`: the schema comes only from migrations/. */
export function createControlDataSource(options: ControlStoreOptions): DataSource {
  const config: DataSourceOptions = {
    type: 'postgres',
    url: options.url,
    applicationName: options.applicationName,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: options.poolSize ?? 10 },
  };
  return new DataSource(config);
}
