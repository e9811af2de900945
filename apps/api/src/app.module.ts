import { DynamicModule, Injectable, Module, OnApplicationBootstrap, RequestMethod } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DestinationStream } from 'pino';
import type { Options as HttpLogOptions } from 'pino-http';
import { alertsConfig, apiConfig, logDestination, securityConfig, storeConfig } from '@dbferry/config';
import { ControlPlaneModule } from '@dbferry/control-plane';
import { JobProducer, QueueModule } from '@dbferry/queue';
import { SYSTEM_SCHEDULES } from '@dbferry/queue-contracts';
import { AlertsModule } from './modules/alerts/alerts.module';
import { ArbiterModule } from './modules/arbitration/arbiter.module';
import { DiffsModule } from './modules/arbitration/diffs.module';
import { RepairsModule } from './modules/arbitration/repairs.module';
import { GroupsModule } from './modules/groups/groups.module';
import { EventsModule } from './modules/events/events.module';
import { FullSyncModule } from './modules/event-full-sync/full-sync.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { ConnectionsModule } from './modules/connections/connections.module';
import { DashboardModule } from './modules/dashboard/dashboard.module';
import { FaultsModule } from './modules/faults/faults.module';
import { HealthModule } from './modules/health/health.module';
import { JobsModule } from './modules/jobs/jobs.module';
import { RunsModule } from './modules/runs/runs.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { QueueBoardModule } from './modules/queue-board/queue-board.module';
import { UsersModule } from './modules/users/users.module';

/** Paths pino must never print, whatever a handler logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.secret',
  '*.url',
  '*.accessToken',
];

type RoutedRequest = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string; originalUrl?: string };

/**
 * The route pattern that answered (`/api/jobs/:id`), else the path (a catch-all such as the
 * not-found handler's `/{*path}` says nothing); never the query string.
 */
export function requestRoute(req: RoutedRequest): string {
  const pattern = req.route?.path;
  if (typeof pattern === 'string' && !pattern.includes('*')) return `${req.baseUrl ?? ''}${pattern}`;
  return (req.originalUrl ?? req.url ?? '').split('?')[0];
}

/**
 * pino-http's options for the API's request lines: one line per request with method, route,
 * status and duration; secrets and query strings never printed. Nest routes get them through
 * LoggerModule; Swagger UI and Bull Board, mounted outside Nest, through createApiApp.
 */
export function httpLogOptions(config: Pick<ConfigType<typeof apiConfig>, 'logLevel'>): HttpLogOptions {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    genReqId: (req: IncomingMessage, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    customProps: () => ({ service: 'api' }),
    autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
    // `path`, not `url`: the `*.url` redaction (connection URLs carry passwords) hid every path.
    serializers: { req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url?.split('?')[0] }) },
    // The request line says what was asked in its message and as fields: method, route, status.
    customSuccessMessage: (req, res, ms) => `${req.method} ${requestRoute(req)} ${res.statusCode} ${ms}ms`,
    // pino-http passes the response time as a fourth argument its types do not declare.
    customErrorMessage: ((req: IncomingMessage, res: ServerResponse, _error: Error, ms: number) =>
      `${req.method} ${requestRoute(req)} ${res.statusCode} ${ms}ms`) as HttpLogOptions['customErrorMessage'],
    customSuccessObject: (req, _res, value: object) => ({ ...value, route: requestRoute(req) }),
    // A 5xx without an error of its own (a 502 or 503 the filter answered) gets pino-http's made-up
    // "failed with status code N" and a stack of pino-http's frames: noise, dropped. A real error stays.
    customErrorObject: (req, _res, error, value: object) => {
      const line: Record<string, unknown> = { ...value, route: requestRoute(req) };
      if (/^failed with status code \d+$/.test(error.message)) delete line.err;
      return line;
    },
  };
}

/** Swagger UI and Bull Board: express handlers that createApiApp mounts ahead of Nest's routes. */
export const MOUNTED_OUTSIDE_NEST = ['/docs', '/docs-json', '/queues'];

@Injectable()
class SystemSchedules implements OnApplicationBootstrap {
  constructor(private readonly producer: JobProducer) {}
  /** Upserts are idempotent by id, so every API replica may run this at start. */
  async onApplicationBootstrap(): Promise<void> {
    for (const schedule of SYSTEM_SCHEDULES) await this.producer.upsertSchedule(schedule.id, schedule.pattern, schedule.job);
  }
}

export interface ApiModuleOptions {
  /** Where JSON log lines go (stdout by default; tests capture them). */
  logStream?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(options: ApiModuleOptions = {}): DynamicModule {
    const config = apiConfig();
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [apiConfig, storeConfig, securityConfig, alertsConfig] }),
        LoggerModule.forRoot({
          pinoHttp: [httpLogOptions(config), logDestination(config.logFormat, options.logStream ?? process.stdout)],
          // Logged where createApiApp mounts them, which is also where a request to them ends up in Nest.
          exclude: MOUNTED_OUTSIDE_NEST.flatMap((path) => [path, `${path}/{*rest}`]).map((path) => ({ path, method: RequestMethod.ALL })),
        }),
        ControlPlaneModule.forRoot({ applicationName: 'dbferry-api', migrate: true }),
        QueueModule.forRoot({ role: 'producer' }),
        AuditModule,
        AuthModule,
        UsersModule,
        ConnectionsModule,
        JobsModule,
        RunsModule,
        AlertsModule,
        DashboardModule,
        HealthModule,
        MetricsModule,
        QueueBoardModule,
        ArbiterModule,
        DiffsModule,
        RepairsModule,
        GroupsModule,
        EventsModule,
        FullSyncModule,
        FaultsModule.register(),
      ],
      providers: [SystemSchedules],
    };
  }
}
