import { INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { bullBoardRouter, JobProducer } from '@dbferry/queue';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { validationPipe } from './common/validation';
import { AppModule, ApiModuleOptions } from './app.module';
import { SESSION_COOKIE } from './modules/auth/auth.controller';
import { AuthService } from './modules/auth/auth.service';
import { HealthController } from './modules/health/health.controller';

const readCookie = (header: string | undefined, name: string) =>
  header
    ?.split(';')
    .map((part) => part.trim().split('='))
    .find(([key]) => key === name)?.[1];

/** Bull Board can retry and delete jobs: admins only, with the session cookie set at login. */
function adminOnly(auth: AuthService) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? readCookie(req.headers.cookie, SESSION_COOKIE);
    const user = token ? await auth.verifyToken(decodeURIComponent(token)) : null;
    if (!user) {
      res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: 'log in as an admin to see the queues' });
    } else if (user.role !== 'admin' || user.mustChangePassword) {
      res.status(403).json({ statusCode: 403, error: 'Forbidden', message: 'the queue board needs the admin role' });
    } else {
      next();
    }
  };
}

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
  app.useBodyParser('json', { limit: '1mb' });
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();

  const document = swaggerDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  app.use('/queues', adminOnly(app.get(AuthService)), bullBoardRouter(app.get(JobProducer).all(), '/queues'));
  await app.init();
  return app;
}

/** Start-up banner: every route, and whether the stores answer. */
export async function logStartup(app: NestExpressApplication, port: number): Promise<void> {
  const logger = new NestLogger('Startup');
  const document = swaggerDocument(app);
  const routes = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => `${m.toUpperCase().padEnd(6)} ${path}`),
  );
  logger.log(`routes:\n  ${[...routes, 'GET    /docs', 'GET    /queues (admin)'].join('\n  ')}`);
  const stores = await app.get(HealthController).check(['postgres', 'redis']);
  logger.log(`stores: ${Object.entries(stores.checks).map(([name, s]) => `${name} ${(s as { status: string }).status}`).join(', ')}`);
  logger.log(`listening on http://localhost:${port} (Swagger UI at /docs)`);
}
