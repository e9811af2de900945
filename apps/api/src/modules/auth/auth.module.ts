import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import IORedis, { Redis } from 'ioredis';
import { apiConfig, storeConfig } from '@dbferry/config';
import { AuditModule } from '../audit/audit.module';
import { AuthController } from './auth.controller';
import { JWT_ALGORITHM } from './jwt.constants';
import { AuthService } from './auth.service';
import { JwtAuthGuard, RolesGuard } from './guards';
import { JwtStrategy } from './jwt.strategy';
import { PasswordService } from './password.service';

const THROTTLE_REDIS = Symbol('throttle-redis');

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
      useFactory: (store: ConfigType<typeof storeConfig>) =>
        new IORedis(store.redisUrl, { keyPrefix: `${store.queuePrefix}:throttle:`, connectionName: 'dbferry-throttle' }),
    },
    ThrottleRedisCloser,
  ],
  exports: [THROTTLE_REDIS],
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
      inject: [apiConfig.KEY, THROTTLE_REDIS],
      useFactory: (config: ConfigType<typeof apiConfig>, redis: Redis) => ({
        throttlers: [{ name: 'login', limit: config.loginRateLimit, ttl: config.loginRateWindowSeconds * 1000 }],
        storage: new ThrottlerStorageRedisService(redis),
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    PasswordService,
    JwtStrategy,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [AuthService, PasswordService],
})
export class AuthModule {}
