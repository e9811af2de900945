import 'reflect-metadata';
import { createServer } from 'node:http';
import { Inject, Injectable, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { storeConfig } from '@dbferry/config';
import { JobName, QueueName } from '@dbferry/queue-contracts';
import {
  HandlerRegistry,
  installProcessGuards,
  JobContext,
  JobHandler,
  JobHandlerOf,
  QUEUE_OPTIONS,
  QUEUE_REDIS,
  QueueModule,
  QueueModuleOptions,
  QueueProcessor,
} from '../src';
import { FAULTS } from './faults';

/**
 * A worker process for handler-faults.int-spec.ts: the real QueueProcessor and process guards
 * (as apps/worker/src/main.ts installs them) over a prune-audit-log handler that throws what
 * its payload's `olderThanDays` code asks for. /health on WORKER_PORT answers while it lives.
 */

@Injectable()
@JobHandler(JobName.PruneAuditLog)
class FaultyHandler implements JobHandlerOf<JobName.PruneAuditLog> {
  handle(job: JobContext<JobName.PruneAuditLog>): Promise<unknown> {
    switch (job.data.olderThanDays) {
      case FAULTS.asyncError:
        return (async () => {
          await new Promise((r) => setTimeout(r, 5));
          throw new Error('async boom');
        })();
      case FAULTS.string:
        return (async () => {
          throw 'a plain string';
        })();
      case FAULTS.undefined:
        return (async () => {
          throw undefined;
        })();
      case FAULTS.rejectedPromise:
        return Promise.reject(new Error('rejected promise'));
      case FAULTS.syncThrow:
        throw new TypeError('thrown before any promise');
      case FAULTS.strayRejection:
        void Promise.reject(new Error('stray rejection nobody awaits'));
        return Promise.resolve({ returned: true });
      case FAULTS.strayUndefinedLater:
        setTimeout(() => void Promise.reject(undefined), 20);
        return Promise.resolve({ returned: true });
      case FAULTS.plainObject:
        return (async () => {
          throw { code: 42 };
        })();
      default:
        return Promise.resolve({ ok: true });
    }
  }
}

const otherHandlers = Object.values(JobName)
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
class FaultyProcessor extends QueueProcessor {
  readonly queueName = QueueName.Maintenance;
  constructor(registry: HandlerRegistry, @Inject(QUEUE_REDIS) redis: Redis, @Inject(QUEUE_OPTIONS) options: QueueModuleOptions) {
    super(registry, redis, options);
  }
}

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [storeConfig] }),
    QueueModule.forRoot({ role: 'worker', concurrency: 1, shutdownTimeoutMs: 2000 }),
  ],
  providers: [FaultyHandler, ...otherHandlers, FaultyProcessor],
})
class FaultyWorkerModule {}

async function main(): Promise<void> {
  installProcessGuards({ error: (message) => process.stderr.write(`${message}\n`) }, { onUncaughtException: () => process.exit(1) });
  const app = await NestFactory.createApplicationContext(FaultyWorkerModule, { logger: ['error', 'warn'] });
  await app.init();
  createServer((_req, res) => res.end('ok')).listen(Number(process.env.WORKER_PORT), '127.0.0.1');
}

void main().catch((error: Error) => {
  process.stderr.write(`faulty worker failed to start: ${error.message}\n`);
  process.exit(1);
});
