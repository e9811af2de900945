import pino from 'pino';
import { Writable } from 'node:stream';
import { ApiEnv, WorkerEnv } from './env.dto';
import { logDestination } from './log-destination';
import { apiConfig, workerConfig } from './namespaces';
import { ConfigError, validateEnv } from './validate-env';

class Lines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
}

const env = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/dbferry',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SECRETS_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  JWT_SECRET: 'x'.repeat(40),
};

describe('logDestination', () => {
  it('pretty: one readable line per entry with service, context and message, and no JSON', () => {
    const out = new Lines();
    const logger = pino({ base: { service: 'api' } }, logDestination('pretty', out));
    logger.info({ context: 'Startup' }, 'listening on http://localhost:3000');
    logger.info({ req: { id: 'r1', method: 'GET', url: '/api/jobs/1' }, res: { statusCode: 200 }, responseTime: 4, route: '/api/jobs/:id' }, 'GET /api/jobs/:id 200 4ms');
    logger.warn({ context: 'Reconciler', runId: 'abc' }, 'run re-enqueued');
    expect(out.lines).toHaveLength(3);
    expect(out.lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: api \[Startup\] listening on http:\/\/localhost:3000$/);
    expect(out.lines[1]).toMatch(/^\[[\d:.]+\] INFO: api GET \/api\/jobs\/:id 200 4ms$/);
    expect(out.lines[2]).toMatch(/^\[[\d:.]+\] WARN: api \[Reconciler\] run re-enqueued \{"runId":"abc"\}$/);
  });

  it('json: the lines stay JSON objects, untouched', () => {
    const out = new Lines();
    pino({ base: { service: 'worker' } }, logDestination('json', out)).info({ context: 'X' }, 'hello');
    expect(JSON.parse(out.lines[0])).toMatchObject({ service: 'worker', context: 'X', msg: 'hello', level: 30 });
  });
});

describe('LOG_FORMAT', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('defaults to pretty under NODE_ENV=development and to json otherwise; LOG_FORMAT wins', () => {
    process.env = { ...saved, ...env, NODE_ENV: 'development', LOG_FORMAT: '' };
    expect(apiConfig().logFormat).toBe('pretty');
    expect(workerConfig().logFormat).toBe('pretty');
    process.env = { ...saved, ...env, NODE_ENV: 'production', LOG_FORMAT: '' };
    expect(apiConfig().logFormat).toBe('json');
    process.env = { ...saved, ...env, NODE_ENV: 'test', LOG_FORMAT: '' };
    expect(workerConfig().logFormat).toBe('json');
    process.env = { ...saved, ...env, NODE_ENV: 'production', LOG_FORMAT: 'pretty' };
    expect(apiConfig().logFormat).toBe('pretty');
    process.env = { ...saved, ...env, NODE_ENV: 'development', LOG_FORMAT: 'json' };
    expect(workerConfig().logFormat).toBe('json');
  });

  it('refuses any other value, naming the variable', () => {
    for (const cls of [ApiEnv, WorkerEnv]) {
      expect(() => validateEnv<object>(cls, { ...env, NODE_ENV: 'test', LOG_FORMAT: 'yaml' })).toThrow(ConfigError);
      expect(() => validateEnv<object>(cls, { ...env, NODE_ENV: 'test', LOG_FORMAT: 'yaml' })).toThrow(/LOG_FORMAT/);
    }
  });
});
