import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { INestApplicationContext } from '@nestjs/common';
import { loadEnvFile, workerConfig } from '@dbferry/config';
import { installProcessGuards } from '@dbferry/queue';
import { WorkerModule } from './worker.module';

/** A NestJS application context (no HTTP API); SIGTERM drains running jobs, bounded by WORKER_SHUTDOWN_TIMEOUT. */
async function bootstrap(): Promise<void> {
  loadEnvFile();
  const config = workerConfig();
  // Backstop: whatever a driver does, a stopping worker is gone shortly after its drain bound.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 5000).unref());
  }
  const started: { app?: INestApplicationContext } = {};
  // A handler's stray rejection is logged and the worker serves on; after an uncaught exception
  // it drains and exits 1 (its jobs are retried; npm start's supervisor starts it again).
  installProcessGuards(
    { error: (message) => (started.app ? started.app.get(Logger).error(message) : process.stderr.write(`${message}\n`)) },
    {
      onUncaughtException: () => {
        setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 5000).unref();
        void (started.app?.close() ?? Promise.resolve()).finally(() => process.exit(1));
      },
    },
  );
  const app = (started.app = await NestFactory.createApplicationContext(WorkerModule.forRoot(), { bufferLogs: true }));
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
}

bootstrap().catch((error: Error) => {
  process.stderr.write(`dbferry worker failed to start: ${error.message}\n`);
  process.exit(1);
});
