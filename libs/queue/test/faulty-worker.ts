import 'reflect-metadata';
import { createServer } from 'node:http';
import { Injectable } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobName } from '@dbferry/queue-contracts';
import { installProcessGuards, JobContext, JobHandler, JobHandlerOf } from '../src';
import { FAULTS } from './faults';
import { maintenanceTestModule } from './maintenance-module';

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

const FaultyWorkerModule = maintenanceTestModule(FaultyHandler, { concurrency: 1, shutdownTimeoutMs: 2000 });

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
