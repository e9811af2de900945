import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadEnvFile, workerConfig } from '@dbferry/config';
import { WorkerModule } from './worker.module';

/** A NestJS application context (no HTTP API); SIGTERM drains running jobs, bounded by WORKER_SHUTDOWN_TIMEOUT. */
async function bootstrap(): Promise<void> {
  loadEnvFile();
  const config = workerConfig();
  // Backstop: whatever a driver does, a stopping worker is gone shortly after its drain bound.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 5000).unref());
  }
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
}

bootstrap().catch((error: Error) => {
  process.stderr.write(`dbferry worker failed to start: ${error.message}\n`);
  process.exit(1);
});
