import { DynamicModule, Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DestinationStream } from 'pino';
import { alertsConfig, apiConfig, securityConfig, storeConfig } from '@dbferry/config';
import { ControlPlaneModule } from '@dbferry/control-plane';
import { JobProducer, QueueModule } from '@dbferry/queue';
import { SYSTEM_SCHEDULES } from '@dbferry/queue-contracts';
import { AlertsModule } from './modules/alerts/alerts.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { ConnectionsModule } from './modules/connections/connections.module';
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
          pinoHttp: [
            {
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
              serializers: { req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url?.split('?')[0] }) },
            },
            options.logStream ?? process.stdout,
          ],
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
        HealthModule,
        MetricsModule,
        QueueBoardModule,
      ],
      providers: [SystemSchedules],
    };
  }
}
