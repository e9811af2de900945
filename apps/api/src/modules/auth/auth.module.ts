import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import IORedis, { Redis } from 'ioredis';
import { apiConfig, storeConfig } from '@dbferry/config';
import { AuditModule } from '../audit/audit.module';
import { AuthController } from './auth.controller';
import { JWT_ALGORITHM } from './jwt.constants';
import { AuthService } from './auth.service';
import { JwtAuthGuard, RolesGuard } from './guards';
import { JwtStrategy } from './jwt.strategy';
import { FallbackThrottlerStorage, LoginLimiter } from './login-limiter';
import { RedisFallback } from './redis-fallback';
import { PasswordService } from './password.service';

const THROTTLE_REDIS = Symbol('throttle-redis');
/** A throttle count that Redis does not give within this is taken in process instead. */
const THROTTLE_COMMAND_TIMEOUT_MS = 300;

@Injectable()
class ThrottleRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(THROTTLE_REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Module({
  providers: [
    {
      provide: THROTTLE_REDIS,
      inject: [storeConfig.KEY],
      // Fail fast, never queue: a login must not wait for Redis (RedisFallback counts in process).
      useFactory: (store: ConfigType<typeof storeConfig>) =>
        new IORedis(store.redisUrl, {
          keyPrefix: `${store.queuePrefix}:throttle:`,
          connectionName: 'dbferry-throttle',
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          commandTimeout: THROTTLE_COMMAND_TIMEOUT_MS,
        }),
    },
    { provide: RedisFallback, inject: [THROTTLE_REDIS], useFactory: (redis: Redis) => new RedisFallback(redis) },
    ThrottleRedisCloser,
  ],
  exports: [THROTTLE_REDIS, RedisFallback],
})
class ThrottleRedisModule {}

@Module({
  imports: [
    AuditModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [apiConfig.KEY],
      useFactory: (config: ConfigType<typeof apiConfig>) => ({
        secret: config.jwtSecret,
        signOptions: { algorithm: JWT_ALGORITHM },
        verifyOptions: { algorithms: [JWT_ALGORITHM] },
      }),
    }),
    // Rate limits live in Redis so that every API replica counts the same attempts.
    ThrottlerModule.forRootAsync({
      imports: [ThrottleRedisModule],
      inject: [apiConfig.KEY, THROTTLE_REDIS, RedisFallback],
      useFactory: (config: ConfigType<typeof apiConfig>, redis: Redis, fallback: RedisFallback) => ({
        throttlers: [{ name: 'login', limit: config.loginRateLimit, ttl: config.loginRateWindowSeconds * 1000 }],
        storage: new FallbackThrottlerStorage(redis, fallback),
      }),
    }),
    ThrottleRedisModule,
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    PasswordService,
    JwtStrategy,
    {
      provide: LoginLimiter,
      inject: [apiConfig.KEY, THROTTLE_REDIS, RedisFallback],
      useFactory: (config: ConfigType<typeof apiConfig>, redis: Redis, fallback: RedisFallback) =>
        new LoginLimiter(redis, fallback, { limit: config.loginUserLimit, windowSeconds: config.loginUserWindowSeconds, backoffSeconds: config.loginUserBackoffSeconds }),
    },
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [AuthService, PasswordService],
})
export class AuthModule {}
