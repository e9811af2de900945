import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, BeforeApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createServer, Server } from 'node:http';
import type { Redis } from 'ioredis';
import { workerConfig } from '@dbferry/config';
import { ControlStoreProbe } from '@dbferry/control-plane';
import { QUEUE_REDIS } from '@dbferry/queue';
import { WorkerMetrics } from './worker-metrics';

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref())]);

/**
 * The worker has no API, only this port: /health for orchestrators (503 once draining, so
 * no new traffic is routed to a stopping process) and /metrics for Prometheus.
 */
@Injectable()
export class OpsServer implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(OpsServer.name);
  private server?: Server;
  private draining = false;

  constructor(
    @Inject(workerConfig.KEY) private readonly config: ConfigType<typeof workerConfig>,
    private readonly store: ControlStoreProbe,
    @Inject(QUEUE_REDIS) private readonly redis: Redis,
    private readonly metrics: WorkerMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((req, res) => {
      // A failed probe or scrape answers 500 here rather than leaving a rejection nobody handles.
      void this.route(req.url ?? '/').then(
        ({ status, type, body }) => {
          res.writeHead(status, { 'content-type': type });
          res.end(body);
        },
        (error: unknown) => {
          this.logger.error(`ops route ${req.url ?? '/'} failed: ${error instanceof Error ? error.message : String(error)}`);
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('internal error\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, resolve);
    });
    this.server = server;
    this.logger.log(`health and metrics on http://localhost:${this.config.port}/health, /metrics`);
  }

  private async route(url: string): Promise<{ status: number; type: string; body: string }> {
    const path = url.split('?')[0];
    if (path === '/metrics') return { status: 200, type: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() };
    if (path === '/health') {
      const check = async (probe: () => Promise<unknown>) =>
        withTimeout(probe(), 2000).then(() => 'up' as const, () => 'down' as const);
      const [postgres, redis] = await Promise.all([check(() => this.store.ping()), check(() => this.redis.ping())]);
      const ok = !this.draining && postgres === 'up' && redis === 'up';
      const body = { status: this.draining ? 'draining' : ok ? 'ok' : 'error', checks: { postgres: { status: postgres }, redis: { status: redis } } };
      return { status: ok ? 200 : 503, type: 'application/json', body: JSON.stringify(body) };
    }
    return { status: 404, type: 'application/json', body: '{"statusCode":404,"message":"not found"}' };
  }

  beforeApplicationShutdown(): void {
    this.draining = true;
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
