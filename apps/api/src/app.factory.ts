import { INestApplication, Logger as NestLogger, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { pinoHttp } from 'pino-http';
import { apiConfig, logDestination } from '@dbferry/config';
import { bullBoardRouter, JobProducer } from '@dbferry/queue';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { consoleStatic } from './common/console-static';
import { securityHeaders } from './common/security-headers';
import { bodyDepthGuard, InputGuardPipe, pathDecodeGuard } from './common/input-guard';
import { validationPipe } from './common/validation';
import { AppModule, ApiModuleOptions, httpLogOptions, MOUNTED_OUTSIDE_NEST } from './app.module';
import { AuthService } from './modules/auth/auth.service';
import { eventIngressBody } from './modules/events/ingress-body';
import { HealthController } from './modules/health/health.controller';
import { LOGOUT_PATH, QUEUE_BOARD_PATH, queueBoardAccess } from './modules/queue-board/queue-board.session';

export function swaggerDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('dbferry API')
    .setDescription('Copy, sync, compare and repair tables across PostgreSQL, MySQL/MariaDB, SQL Server, Oracle and SQLite.')
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** The whole HTTP app, wired as in production; e2e tests build it through here too. */
export async function createApiApp(options: ApiModuleOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.use(securityHeaders());
  // Signed event deliveries are read as bytes before the JSON parser: their signature is over the raw body.
  app.use(eventIngressBody);
  app.useBodyParser('json', { limit: '1mb' });
  app.use(bodyDepthGuard);
  app.useGlobalPipes(new InputGuardPipe(), validationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();

  const document = swaggerDocument(app);
  app.use(pathDecodeGuard(Object.keys(document.paths)));
  const config = apiConfig();
  app.use(MOUNTED_OUTSIDE_NEST, pinoHttp(httpLogOptions(config), logDestination(config.logFormat, options.logStream ?? process.stdout)));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  const board = bullBoardRouter(app.get(JobProducer).all(), QUEUE_BOARD_PATH, [{ text: 'Sign out', url: LOGOUT_PATH }]);
  app.use(QUEUE_BOARD_PATH, queueBoardAccess(app.get(AuthService), board));
  app.use(consoleStatic(config.consoleDir));
  await app.init();
  return app;
}

/** Routes mounted outside the Nest controllers, in createApiApp. */
const MOUNTED_ROUTES = [
  { method: 'GET', path: '/docs', note: 'Swagger UI' },
  { method: 'GET', path: '/docs-json', note: 'OpenAPI document' },
  { method: 'GET', path: '/queues', note: 'Bull Board, admin' },
  { method: 'GET', path: '/', note: 'web console (CONSOLE_DIR), its pages and files' },
];

/**
 * Every route the app serves, read from the controllers' routing metadata rather than from
 * the OpenAPI document, so a controller hidden from Swagger is listed too. (The app sets no
 * global prefix or versioning, which would change the paths.)
 */
export function routeTable(app: INestApplication): string[] {
  const paths = (value: unknown) => (Array.isArray(value) ? (value as string[]) : [typeof value === 'string' ? value : '/']);
  const join = (...parts: string[]) => `/${parts.flatMap((p) => p.split('/')).filter(Boolean).join('/')}`;
  const scanner = new MetadataScanner();
  const routes: { method: string; path: string; note?: string }[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as object;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        for (const base of paths(Reflect.getMetadata(PATH_METADATA, metatype))) {
          for (const path of paths(Reflect.getMetadata(PATH_METADATA, handler))) routes.push({ method: RequestMethod[method], path: join(base, path) });
        }
      }
    }
  }
  return [...routes, ...MOUNTED_ROUTES]
    .sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))
    .map((r) => `${r.method.padEnd(6)} ${r.path}${r.note ? ` (${r.note})` : ''}`);
}

/** Start-up banner: every route, and whether the stores answer. */
export async function logStartup(app: NestExpressApplication, port: number): Promise<void> {
  const logger = new NestLogger('Startup');
  logger.log(`routes:\n  ${routeTable(app).join('\n  ')}`);
  const stores = await app.get(HealthController).check(['postgres', 'redis']);
  logger.log(`stores: ${Object.entries(stores.checks).map(([name, s]) => `${name} ${(s as { status: string }).status}`).join(', ')}`);
  logger.log(`listening on http://localhost:${port} (web console at /, Swagger UI at /docs)`);
}
