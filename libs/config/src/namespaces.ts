import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import { controlStoreAddress } from './control-store';
import { ApiEnv, SharedEnv, WorkerEnv } from './env.dto';
import { validateEnv } from './validate-env';

/** LOG_FORMAT, or what NODE_ENV implies: readable lines while developing, JSON lines elsewhere. */
const logFormat = (env: SharedEnv) => env.LOG_FORMAT ?? (env.NODE_ENV === 'development' ? 'pretty' : 'json');

/** Typed slices of the validated environment, injected with `@Inject(xConfig.KEY)`. */
export const storeConfig = registerAs('store', () => {
  const env = validateEnv(SharedEnv);
  return { databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL, queuePrefix: env.QUEUE_PREFIX };
});

export const securityConfig = registerAs('security', () => {
  const env = validateEnv(SharedEnv);
  return {
    secretsKey: env.SECRETS_KEY,
    hostsAllow: env.DB_HOSTS_ALLOW,
    hostsDeny: env.DB_HOSTS_DENY,
    /** Refused as a connection's database at any address that reaches it (the egress policy's protected database). */
    controlStore: controlStoreAddress(env.DATABASE_URL),
    sqliteRoot: resolve(env.SQLITE_ROOT),
    connectionTestTimeoutMs: env.CONNECTION_TEST_TIMEOUT_MS,
  };
});

export const alertsConfig = registerAs('alerts', () => {
  const env = validateEnv(SharedEnv);
  return { smtpUrl: env.SMTP_URL, recipients: env.ALERT_EMAILS };
});

/** Fault injection: off unless FAULTS_ENABLED=true; when off, no hook is installed anywhere. */
export const faultsConfig = registerAs('faults', () => {
  const env = validateEnv(SharedEnv);
  return { enabled: env.FAULTS_ENABLED === 'true' };
});

export const apiConfig = registerAs('api', () => {
  const env = validateEnv(ApiEnv);
  return {
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    logFormat: logFormat(env),
    jwtSecret: env.JWT_SECRET,
    jwtExpiresIn: env.JWT_EXPIRES_IN,
    adminUsername: env.ADMIN_USERNAME,
    adminPassword: env.ADMIN_PASSWORD,
    loginRateLimit: env.LOGIN_RATE_LIMIT,
    loginRateWindowSeconds: env.LOGIN_RATE_WINDOW_SECONDS,
    loginUserLimit: env.LOGIN_USER_LIMIT,
    loginUserWindowSeconds: env.LOGIN_USER_WINDOW_SECONDS,
    loginUserBackoffSeconds: env.LOGIN_USER_BACKOFF_SECONDS,
    consoleDir: resolve(env.CONSOLE_DIR),
    streamPollMs: env.STREAM_POLL_MS,
  };
});

export const workerConfig = registerAs('worker', () => {
  const env = validateEnv(WorkerEnv);
  return {
    nodeEnv: env.NODE_ENV,
    port: env.WORKER_PORT,
    logLevel: env.LOG_LEVEL,
    logFormat: logFormat(env),
    concurrency: env.WORKER_CONCURRENCY,
    groupsConcurrency: env.GROUPS_CONCURRENCY,
    groupsBatchKeys: env.GROUPS_BATCH_KEYS,
    shutdownTimeoutMs: env.WORKER_SHUTDOWN_TIMEOUT,
    reconcileIntervalMs: env.RECONCILE_INTERVAL,
    connectionMaxParallelChunks: env.CONNECTION_MAX_PARALLEL_CHUNKS,
    lockDurationMs: env.WORKER_LOCK_DURATION,
    stalledIntervalMs: env.WORKER_STALLED_INTERVAL,
    maintenanceLockDurationMs: env.MAINTENANCE_LOCK_DURATION,
    maintenanceStalledIntervalMs: env.MAINTENANCE_STALLED_INTERVAL,
  };
});
