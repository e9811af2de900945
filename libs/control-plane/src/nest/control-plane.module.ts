import { DynamicModule, Inject, Injectable, Logger, LoggerService, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { DataSource, EntityTarget, ObjectLiteral, Repository } from 'typeorm';
import { securityConfig, storeConfig } from '@dbferry/config';
import { parseKeyring, SecretBox } from '@dbferry/crypto';
import { AlertSettingsSecrets } from '../alert-settings';
import { ConnectionSecrets } from '../connection-secrets';
import { JobSalts } from '../job-salts';
import { createControlDataSource, ENTITIES } from '../data-source';
import { isSchemaCurrent, migrateUnderLock } from '../migrator';
import { DiffRepository } from '../diffs/diff.repository';
import { GroupRepository } from '../groups/group.repository';
import { EventRepository } from '../events/event.repository';
import { FullSyncRepository } from '../events/full-sync.repository';
import { RepairRepository } from '../repairs/repair.repository';
import { RunRepository } from '../runs/run.repository';
import { RunStats } from '../runs/run-stats';
import { AdminBootstrap } from '../store/admin-bootstrap';
import { AuditLogRepository } from '../store/audit-log.repository';
import { ControlStoreProbe } from '../store/control-store-probe';

export const repositoryToken = (entity: EntityTarget<ObjectLiteral>) =>
  `ControlRepository:${typeof entity === 'function' ? entity.name : String(entity)}`;

/** Injects the TypeORM repository of a control-store entity. */
export const InjectRepo = (entity: EntityTarget<ObjectLiteral>) => Inject(repositoryToken(entity));
export type { Repository };

export interface ControlPlaneModuleOptions {
  applicationName: string;
  /** The API migrates (under the advisory lock); the worker only waits for a current schema. */
  migrate: boolean;
  /** How long a non-migrating process waits for the API to bring the schema up to date. */
  schemaWaitMs?: number;
}

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * `direct` writes at once: Nest's own Logger is buffered (bufferLogs) until the application
 * exists, and a worker waiting for the schema never gets that far, so its wait would go unsaid.
 */
async function openStore(url: string, options: ControlPlaneModuleOptions, direct?: LoggerService): Promise<DataSource> {
  const logger = new Logger('ControlStore');
  const dataSource = createControlDataSource({ url, applicationName: options.applicationName });
  await dataSource.initialize();
  if (options.migrate) {
    const { applied, waitedMs } = await migrateUnderLock(dataSource);
    logger.log(
      applied.length
        ? `applied ${applied.length} migration(s): ${applied.join(', ')}`
        : `schema up to date${waitedMs > 50 ? ` (waited ${waitedMs} ms for another process migrating)` : ''}`,
    );
    return dataSource;
  }
  const deadline = Date.now() + (options.schemaWaitMs ?? 120_000);
  let said = false;
  while (!(await isSchemaCurrent(dataSource))) {
    if (Date.now() > deadline) {
      await dataSource.destroy();
      throw new Error('control store schema is behind this build: start the API (it migrates) or run `npm run migrate`');
    }
    // Said once, at warn: a worker that never becomes healthy must say why, whatever LOG_LEVEL.
    if (!said) {
      const message = 'waiting for the API to migrate the control store (its schema is behind this build)';
      if (direct) direct.warn(message, 'ControlStore');
      else logger.warn(message);
    }
    said = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return dataSource;
}

@Module({})
export class ControlPlaneModule {
  static forRoot(options: ControlPlaneModuleOptions): DynamicModule {
    const repositories: Provider[] = ENTITIES.map((entity) => ({
      provide: repositoryToken(entity),
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => dataSource.getRepository(entity),
    }));
    return {
      module: ControlPlaneModule,
      global: true,
      providers: [
        {
          provide: DataSource,
          inject: [storeConfig.KEY, { token: PinoNestLogger, optional: true }],
          useFactory: (store: ConfigType<typeof storeConfig>, direct?: PinoNestLogger) => openStore(store.databaseUrl, options, direct),
        },
        DataSourceCloser,
        ...repositories,
        {
          provide: SecretBox,
          inject: [securityConfig.KEY],
          useFactory: (security: ConfigType<typeof securityConfig>) => new SecretBox(parseKeyring(security.secretsKey)),
        },
        { provide: ConnectionSecrets, inject: [DataSource, SecretBox], useFactory: (ds: DataSource, box: SecretBox) => new ConnectionSecrets(ds, box) },
        { provide: AlertSettingsSecrets, inject: [DataSource, SecretBox], useFactory: (ds: DataSource, box: SecretBox) => new AlertSettingsSecrets(ds, box) },
        { provide: JobSalts, inject: [DataSource, SecretBox], useFactory: (ds: DataSource, box: SecretBox) => new JobSalts(ds, box) },
        ...[RunRepository, RunStats, ControlStoreProbe, AdminBootstrap, AuditLogRepository, DiffRepository, RepairRepository, GroupRepository, EventRepository, FullSyncRepository].map((store) => ({
          provide: store,
          inject: [DataSource],
          useFactory: (ds: DataSource) => new store(ds),
        })),
      ],
      // The DataSource itself stays inside this module (issue 10, item 4): the apps reach the
      // store only through these named classes and the entity repositories.
      exports: [
        SecretBox,
        ConnectionSecrets,
        AlertSettingsSecrets,
        JobSalts,
        RunRepository,
        RunStats,
        ControlStoreProbe,
        AdminBootstrap,
        AuditLogRepository,
        DiffRepository,
        RepairRepository,
        GroupRepository,
        EventRepository,
        FullSyncRepository,
        ...repositories.map((p) => (p as { provide: string }).provide),
      ],
    };
  }
}
