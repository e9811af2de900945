import { Inject, Injectable, Module, type Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { storeConfig } from '@dbferry/config';
import { JobName, QueueName } from '@dbferry/queue-contracts';
import { HandlerRegistry, JobHandler, QUEUE_OPTIONS, QUEUE_REDIS, QueueModule, QueueModuleOptions, QueueProcessor } from '../src';

/** The registry wants one handler per job name: every job but prune-audit-log gets one that does nothing. */
const idleHandlers = Object.values(JobName)
  .filter((name) => name !== JobName.PruneAuditLog)
  .map((name) => {
    class IdleHandler {
      async handle() {
        return null;
      }
    }
    Object.defineProperty(IdleHandler, 'name', { value: `Idle${name}Handler` });
    JobHandler(name)(IdleHandler);
    Injectable()(IdleHandler);
    return IdleHandler;
  });

@Injectable()
class MaintenanceProcessor extends QueueProcessor {
  readonly queueName = QueueName.Maintenance;
  constructor(registry: HandlerRegistry, @Inject(QUEUE_REDIS) redis: Redis, @Inject(QUEUE_OPTIONS) options: QueueModuleOptions) {
    super(registry, redis, options);
  }
}

/**
 * A worker module for the queue's own tests: the real QueueProcessor on the maintenance queue,
 * with `handler` taking prune-audit-log jobs (whose payload the tests use as they like).
 */
export function maintenanceTestModule(handler: Type, options: { concurrency: number; shutdownTimeoutMs: number }): Type {
  @Module({
    imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [storeConfig] }), QueueModule.forRoot({ role: 'worker', ...options })],
    providers: [handler, ...idleHandlers, MaintenanceProcessor],
  })
  class MaintenanceTestModule {}
  return MaintenanceTestModule;
}
