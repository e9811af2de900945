import { Transform } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { parseKeyring } from '@dbferry/crypto';
import { isValidHostRule, parseHostList } from '@dbferry/dialects-core';

/** Values that appear in docs and examples; a process outside NODE_ENV=test refuses them. */
export const PLACEHOLDER_SECRETS = new Set([
  'change-me-to-a-random-string-of-at-least-32-bytes',
  'test-secret-that-is-at-least-32-bytes-long!!',
]);

const list = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? parseHostList(value) : value;

@ValidatorConstraint({ name: 'keyring' })
class KeyringConstraint implements ValidatorConstraintInterface {
  private problem = '';
  validate(value: unknown, args: ValidationArguments): boolean {
    try {
      parseKeyring(String(value));
      if ((args.object as SharedEnv).NODE_ENV !== 'test' && /:A{43}=/.test(String(value))) {
        this.problem = 'SECRETS_KEY is the all-zero example key; generate a real one (see .env.example)';
        return false;
      }
      return true;
    } catch (error) {
      this.problem = (error as Error).message;
      return false;
    }
  }
  defaultMessage(): string {
    return this.problem;
  }
}

@ValidatorConstraint({ name: 'hostRules' })
class HostRulesConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return Array.isArray(value) && value.every((rule) => isValidHostRule(String(rule)));
  }
  defaultMessage(): string {
    return '$property must be a comma-separated list of IP addresses, CIDR ranges or host names';
  }
}

@ValidatorConstraint({ name: 'jwtSecret' })
class JwtSecretConstraint implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    if (typeof value !== 'string' || Buffer.byteLength(value) < 32) return false;
    return (args.object as SharedEnv).NODE_ENV === 'test' || !PLACEHOLDER_SECRETS.has(value);
  }
  defaultMessage(): string {
    return '$property must be at least 32 bytes and not the example placeholder (generate one with `openssl rand -base64 48`)';
  }
}

/** Variables both processes read. */
export class SharedEnv {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Matches(/^postgres(ql)?:\/\/.+/, { message: '$property must be a postgres:// URL' })
  DATABASE_URL!: string;

  @Matches(/^rediss?:\/\/.+/, { message: '$property must be a redis:// or rediss:// URL' })
  REDIS_URL!: string;

  @Matches(/^[A-Za-z0-9_-]{1,40}$/, { message: '$property must be 1-40 letters, digits, _ or -' })
  QUEUE_PREFIX = 'dbferry';

  @Validate(KeyringConstraint)
  SECRETS_KEY!: string;

  @Transform(list)
  @Validate(HostRulesConstraint)
  DB_HOSTS_ALLOW: string[] = [];

  @Transform(list)
  @Validate(HostRulesConstraint)
  DB_HOSTS_DENY: string[] = [];

  @IsString()
  @MinLength(1)
  SQLITE_ROOT = './data/sqlite';

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** json: one JSON object a line (production); pretty: readable lines. Unset: pretty when NODE_ENV=development, else json. */
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(500)
  @Max(120_000)
  CONNECTION_TEST_TIMEOUT_MS = 5000;

  @IsOptional()
  @Matches(/^smtps?:\/\/.+/, { message: '$property must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @Transform(list)
  @IsEmail({}, { each: true, message: '$property must be a comma-separated list of e-mail addresses' })
  ALERT_EMAILS: string[] = [];

  /** Fault injection (/api/faults and the hooks in every process): for proving compensation works, never in production by default. */
  @IsOptional()
  @IsIn(['true', 'false'], { message: '$property must be true or false' })
  FAULTS_ENABLED: 'true' | 'false' = 'false';
}

/** Variables of the HTTP API. */
export class ApiEnv extends SharedEnv {
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0) // 0: any free port (tests)
  @Max(65535)
  PORT = 3000;

  @Validate(JwtSecretConstraint)
  JWT_SECRET!: string;

  @Matches(/^\d+[smhd]?$/, { message: '$property must be seconds or a duration like 15m, 12h, 7d' })
  JWT_EXPIRES_IN = '12h';

  @IsString()
  @Matches(/^[A-Za-z0-9_.@-]{1,64}$/, { message: '$property must be 1-64 letters, digits or _.@-' })
  ADMIN_USERNAME = 'admin';

  @IsOptional()
  @IsString()
  @MinLength(12)
  @MaxLength(200)
  ADMIN_PASSWORD?: string;

  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(10_000)
  LOGIN_RATE_LIMIT = 10;

  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(86_400)
  LOGIN_RATE_WINDOW_SECONDS = 60;

  /** Login attempts per username (from any address) before it is held back. */
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(10_000)
  LOGIN_USER_LIMIT = 10;

  /** How long after the last attempt a username's attempts are forgotten. */
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(86_400)
  LOGIN_USER_WINDOW_SECONDS = 900;

  /** The first hold past the limit; each further attempt doubles it (at most an hour). */
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(3600)
  LOGIN_USER_BACKOFF_SECONDS = 30;

  /** The built web console (`npm run build:console`), served at `/`; relative to the working directory. */
  @IsString()
  @MinLength(1)
  CONSOLE_DIR = 'apps/console/dist';

  /**
   * How often a run's or a diff's event stream re-reads it besides the store's change
   * notifications (which it hears at once): what a stream waits at most while its LISTEN
   * connection is down, and how often a table's live progress is refreshed.
   */
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(100)
  @Max(60_000)
  STREAM_POLL_MS = 1000;

  /** `npm start` creates the demo (a SQLite shop, an empty target, a job) on a store that never had it. */
  @IsOptional()
  @IsIn(['true', 'false'], { message: '$property must be true or false' })
  DEMO: 'true' | 'false' = 'true';
}

/** Variables of a worker process. */
export class WorkerEnv extends SharedEnv {
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0) // 0: any free port (tests)
  @Max(65535)
  WORKER_PORT = 3001;

  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(256)
  WORKER_CONCURRENCY = 4;

  /**
   * Sync tasks of replica groups (apply-sync-task) applied at once, apart from WORKER_CONCURRENCY:
   * each is one row to one member, mostly waiting on the stores. Above 4, SQLite members meet
   * SQLITE_BUSY and tasks retry more (8 broke the SIGKILL e2e's at-most-3-attempts check).
   */
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(256)
  GROUPS_CONCURRENCY = 4;

  /**
   * Keys one apply-sync-task job brings a member up to date on: its own task's and the member's
   * oldest other pending ones, in one store transaction and one member write (issue 13, H4).
   */
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(1000)
  GROUPS_BATCH_KEYS = 200;

  /** Milliseconds a SIGTERM waits for running jobs to checkpoint before the process exits. */
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1000)
  @Max(600_000)
  WORKER_SHUTDOWN_TIMEOUT = 30_000;

  /** Milliseconds between two passes of the reconciler (store runs the queue lost → enqueued again). */
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(500)
  @Max(3_600_000)
  RECONCILE_INTERVAL = 15_000;

  /**
   * Chunks that may use one database connection at once across the whole worker fleet (a
   * connection's own maxParallelChunks overrides it). A chunk holds a slot on its source and
   * on its target; one that finds no free slot waits in the queue without spending an attempt.
   */
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(256)
  CONNECTION_MAX_PARALLEL_CHUNKS = 4;

  /**
   * Milliseconds a sync job's BullMQ lock lasts (renewed at half). A job whose worker died is
   * taken again within about this plus WORKER_STALLED_INTERVAL; tests shorten both.
   */
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1000)
  @Max(600_000)
  WORKER_LOCK_DURATION = 60_000;

  /** Milliseconds between two checks for sync jobs whose lock lapsed (a dead worker's). */
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(500)
  @Max(600_000)
  WORKER_STALLED_INTERVAL = 30_000;

  /**
   * The same two for the maintenance queue (event full syncs, audit pruning): a full sync whose
   * worker died is taken again within about their sum. BullMQ's own defaults; tests shorten them.
   */
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1000)
  @Max(600_000)
  MAINTENANCE_LOCK_DURATION = 30_000;

  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(500)
  @Max(600_000)
  MAINTENANCE_STALLED_INTERVAL = 30_000;
}
