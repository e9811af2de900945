import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { alertsConfig, logDestination, securityConfig, storeConfig, workerConfig } from '@dbferry/config';
import { ControlPlaneModule } from '@dbferry/control-plane';
import { ConnectionSlots, QueueModule } from '@dbferry/queue';
import { DiffReconciler } from './diffs/diff-reconciler';
import { DiffSamples } from './diffs/diff-samples';
import { DiffSessionPool } from './diffs/diff-sessions';
import { CopyChunkHandler } from './handlers/copy-chunk.handler';
import { DiffSegmentHandler } from './handlers/diff-segment.handler';
import { FinishDiffHandler } from './handlers/finish-diff.handler';
import { FinishRunHandler } from './handlers/finish-run.handler';
import { PlanDiffHandler } from './handlers/plan-diff.handler';
import { PlanRunHandler } from './handlers/plan-run.handler';
import { PruneAuditLogHandler } from './handlers/prune-audit-log.handler';
import { ScheduledRunHandler } from './handlers/scheduled-run.handler';
import { ApplyRepairHandler } from './handlers/apply-repair.handler';
import { PlanRepairHandler } from './handlers/plan-repair.handler';
import { ApplySyncTaskHandler } from './handlers/apply-sync-task.handler';
import { EventDrainer } from './events/event-drainer';
import { FullSyncReconciler } from './events/full-sync-reconciler';
import { EventFullSyncHandler, ScheduledFullSyncHandler } from './events/full-sync.handler';
import { GroupAlerts } from './groups/group-alerts';
import { GroupReconciler } from './groups/group-reconciler';
import { GroupsProcessor } from './processors/groups.processor';
import { OpsServer } from './ops/ops-server';
import { WorkerMetrics } from './ops/worker-metrics';
import { ArbitrationProcessor } from './processors/arbitration.processor';
import { MaintenanceProcessor } from './processors/maintenance.processor';
import { SyncProcessor } from './processors/sync.processor';
import { RepairAlerts } from './repairs/repair-alerts';
import { RepairReconciler } from './repairs/repair-reconciler';
import { RepairSessionPool } from './repairs/repair-sessions';
import { ConnectionOpener } from './runs/connection-opener';
import { Reconciler } from './runs/reconciler';
import { RunAlerts } from './runs/run-alerts';
import { AlertSender } from './alerts/alert-sender';
import { RunStore } from './runs/run-store';
import { RunVerifier } from './runs/run-verifier';
import { SessionPool } from './runs/session-pool';

export interface WorkerModuleOptions {
  logStream?: DestinationStream;
}

/** One handler per job name and one processor per queue; the registry checks both at boot. */
@Module({})
export class WorkerModule {
  static forRoot(options: WorkerModuleOptions = {}): DynamicModule {
    const config = workerConfig();
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [workerConfig, storeConfig, securityConfig, alertsConfig] }),
        LoggerModule.forRoot({
          pinoHttp: [
            { level: config.logLevel, customProps: () => ({ service: 'worker' }), redact: { paths: ['*.password', '*.secret'], censor: '[redacted]' } },
            logDestination(config.logFormat, options.logStream ?? process.stdout),
          ],
        }),
        ControlPlaneModule.forRoot({ applicationName: 'dbferry-worker', migrate: false }),
        QueueModule.forRoot({
          role: 'worker',
          concurrency: config.concurrency,
          shutdownTimeoutMs: config.shutdownTimeoutMs,
          lockDurationMs: config.lockDurationMs,
          stalledIntervalMs: config.stalledIntervalMs,
          maintenanceLockDurationMs: config.maintenanceLockDurationMs,
          maintenanceStalledIntervalMs: config.maintenanceStalledIntervalMs,
        }),
        ScheduleModule.forRoot(),
      ],
      providers: [
        WorkerMetrics,
        OpsServer,
        RunStore,
        AlertSender,
        RunAlerts,
        RunVerifier,
        ConnectionOpener,
        SessionPool,
        ConnectionSlots,
        PlanRunHandler,
        CopyChunkHandler,
        FinishRunHandler,
        ScheduledRunHandler,
        PruneAuditLogHandler,
        Reconciler,
        SyncProcessor,
        MaintenanceProcessor,
        DiffSessionPool,
        DiffSamples,
        PlanDiffHandler,
        DiffSegmentHandler,
        FinishDiffHandler,
        RepairSessionPool,
        RepairAlerts,
        PlanRepairHandler,
        ApplyRepairHandler,
        RepairReconciler,
        DiffReconciler,
        ArbitrationProcessor,
        GroupAlerts,
        ApplySyncTaskHandler,
        GroupReconciler,
        GroupsProcessor,
        EventDrainer,
        EventFullSyncHandler,
        ScheduledFullSyncHandler,
        FullSyncReconciler,
      ],
    };
  }
}
