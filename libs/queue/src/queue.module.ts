import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { faultsConfig, storeConfig } from '@dbferry/config';
import { FaultRegistry } from './fault-registry';
import { HandlerRegistry } from './handler-registry';
import { JobProducer } from './job-producer';
import { assertNoEviction, createRedis } from './redis';
import { QUEUE_OPTIONS, QUEUE_REDIS, QueueModuleOptions } from './tokens';

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(QUEUE_REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export interface QueueModuleSettings {
  role: 'producer' | 'worker';
  concurrency?: number;
  shutdownTimeoutMs?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maintenanceLockDurationMs?: number;
  maintenanceStalledIntervalMs?: number;
}

/**
 * Producer side (API): `JobProducer` only. Worker side: also the handler registry, and a
 * refusal to start when Redis may evict keys.
 */
@Module({})
export class QueueModule {
  static forRoot(settings: QueueModuleSettings): DynamicModule {
    const worker = settings.role === 'worker';
    return {
      module: QueueModule,
      global: true,
      imports: [ConfigModule.forFeature(faultsConfig), ...(worker ? [DiscoveryModule] : [])],
      providers: [
        {
          provide: QUEUE_OPTIONS,
          inject: [storeConfig.KEY],
          useFactory: (store: ConfigType<typeof storeConfig>): QueueModuleOptions => ({
            prefix: store.queuePrefix,
            redisUrl: store.redisUrl,
            ...settings,
          }),
        },
        {
          provide: QUEUE_REDIS,
          inject: [QUEUE_OPTIONS],
          useFactory: async (options: QueueModuleOptions) => {
            const redis = createRedis(options.redisUrl, `dbferry-${options.role}`, options.role);
            if (worker) await assertNoEviction(redis);
            return redis;
          },
        },
        RedisCloser,
        JobProducer,
        // Both processes: the API creates and checks faults, workers check them (inert unless FAULTS_ENABLED).
        FaultRegistry,
        ...(worker ? [HandlerRegistry] : []),
      ],
      exports: [QUEUE_OPTIONS, QUEUE_REDIS, JobProducer, FaultRegistry, ...(worker ? [HandlerRegistry] : [])],
    };
  }
}
