import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { ControlStoreProbe } from '@dbferry/control-plane';
import { QUEUE_REDIS } from '@dbferry/queue';
import { Public } from '../../common/auth.decorators';
import { HealthView, LivenessView } from './health.dto';

const TIMEOUT_MS = 2000;
type Store = 'postgres' | 'redis';

/** Liveness, readiness, and each store on its own; readiness answers 503 when a store is down. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly store: ControlStoreProbe,
    @Inject(QUEUE_REDIS) private readonly redis: Redis,
  ) {}

  @Get()
  @ApiOkResponse({ type: LivenessView })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({ type: HealthView, description: 'both stores answer' })
  @ApiServiceUnavailableResponse({ type: HealthView, description: 'a store is down' })
  ready(@Res({ passthrough: true }) res: Response) {
    return this.report(['postgres', 'redis'], res);
  }

  @Get('postgres')
  @ApiOkResponse({ type: HealthView })
  @ApiServiceUnavailableResponse({ type: HealthView, description: 'PostgreSQL is down' })
  postgres(@Res({ passthrough: true }) res: Response) {
    return this.report(['postgres'], res);
  }

  @Get('redis')
  @ApiOkResponse({ type: HealthView })
  @ApiServiceUnavailableResponse({ type: HealthView, description: 'Redis is down' })
  redisHealth(@Res({ passthrough: true }) res: Response) {
    return this.report(['redis'], res);
  }

  /** The stores' state in the API.md shape, for HTTP and for the start-up banner. */
  async check(stores: Store[]) {
    const probes = {
      postgres: () => this.indicators.check('postgres').attempt(() => this.store.ping()).withTimeout(TIMEOUT_MS),
      redis: () => this.indicators.check('redis').attempt(async () => void (await this.redis.ping())).withTimeout(TIMEOUT_MS),
    };
    try {
      const result = await this.health.check(stores.map((s) => probes[s]));
      return { status: 'ok' as const, checks: result.details };
    } catch (error) {
      const body = (error as { getResponse?: () => { details?: object } }).getResponse?.();
      return { status: 'error' as const, checks: body?.details ?? {} };
    }
  }

  private async report(stores: Store[], res: Response) {
    const result = await this.check(stores);
    if (result.status !== 'ok') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return result;
  }
}
