import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { Client } from 'pg';
import {
  applyTestEnv,
  createPostgresDatabase,
  deleteRedisPrefix,
  type EphemeralDatabase,
  randomQueuePrefix,
  type ServiceProcess,
  spawnService,
  spawnWorker,
  TEST_ADMIN_PASSWORD,
  waitFor,
  type WorkerProcess,
} from '@dbferry/testing';

const ROOT = join(__dirname, '..', '..', '..');
/** The production build the API serves (`npm run build:console`; tools/test.sh builds it first). */
export const CONSOLE_DIST = join(ROOT, 'apps', 'console', 'dist');
/** Headless Chromium from the system (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where screenshots go, committed and shown in docs/console.md. */
export const SCREENSHOT_DIR = join(ROOT, 'docs', 'console');
export const VIEWPORT = { width: 1280, height: 800 };

/** The bootstrap admin's password once the harness (or a test) has changed the initial one. */
export const ADMIN_PASSWORD = 'ferry-console-passphrase-1';

/**
 * argon2id hashes (the library's defaults, as the API's PasswordService makes them) of
 * ADMIN_PASSWORD and of each role's password, stored straight into the control store: making a
 * user and changing a password through the API cost four argon2 runs (~0.5 s each on the CI
 * machine) per user. The auth e2e tests (here and in apps/api/test) go through those routes.
 */
const PASSWORD_HASHES: Record<Role, string> = {
  admin: '$argon2id$v=19$m=65536,p=4,t=3$s8LQwHN2jImOXynGga92NA$q4cBWIkzh8n3MuemwYptMpIY497RuOmfNxcVq4v4XE8',
  operator: '$argon2id$v=19$m=65536,p=4,t=3$+Ig66eidqNijT6GgrcpnTg$MCHbx5vucJnBJXzIUjvqxU5hjSQ52DJYtofecBStEHc',
  viewer: '$argon2id$v=19$m=65536,p=4,t=3$aq9mqIvo3I38PhlA6crz+w$xss/duNtoZ6MJttDx8nfCsBoO8+PHUBO2Cv+X481Yso',
};
export { TEST_ADMIN_PASSWORD };

export type Role = 'admin' | 'operator' | 'viewer';

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /** What went wrong in the browser so far: script errors, CSP refusals, 5xx answers. */
  problems: string[];
}

export interface ConsoleHarness {
  /** http://127.0.0.1:<port>: the API serving the built console. */
  origin: string;
  api: ServiceProcess;
  worker?: WorkerProcess;
  browser: Browser;
  db: EphemeralDatabase;
  env: Record<string, string>;
  /** A fresh browser context (its own sessionStorage) at 1280×800 with a problems watcher. */
  newPage(): Promise<ConsolePage>;
  /**
   * A page signed in through the login form as a user of `role` (created through the API with a
   * changed password the first time), showing `path` (default the home page).
   */
  signedInPage(role?: Role, path?: string): Promise<ConsolePage>;
  /** A bearer token for `role`, for setting up data through the API (`call`). */
  token(role?: Role): Promise<string>;
  /** One API call as JSON; throws with the API's answer unless the status is 2xx. */
  call<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
  /** Username and password of the harness's user of `role` (after token/signedInPage made it). */
  credentials(role: Role): { username: string; password: string };
  close(): Promise<void>;
}

/** Records script errors, CSP refusals and 5xx answers from the console's origin. */
export function watchProblems(page: Page, origin: string): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) problems.push(`csp: ${message.text()}`);
  });
  page.on('response', (res) => {
    if (res.url().startsWith(origin) && res.status() >= 500) problems.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  return problems;
}

/** Fills the login form and submits it; waits until the app has left the login page. */
export async function login(page: Page, username: string, password: string): Promise<void> {
  if (!new URL(page.url()).pathname.startsWith('/login')) await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** A 1280×800 screenshot of the page as it is, to docs/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.setViewportSize(VIEWPORT);
  await page.screenshot({ path, fullPage: false, animations: 'disabled' });
  return path;
}

/**
 * The real API (a child process, as `npm start` runs it) on a fresh control store and BullMQ
 * prefix, serving the built console; a real worker unless `worker: false`; and Chromium.
 */
export async function startConsole(options: { worker?: boolean; env?: Record<string, string> } = {}): Promise<ConsoleHarness> {
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) throw new Error(`no console build at ${CONSOLE_DIST}: run npm run build:console first`);
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  const db = await createPostgresDatabase('dbferry_console');
  const prefix = randomQueuePrefix();
  const env = applyTestEnv({ databaseUrl: db.url, queuePrefix: prefix, overrides: { CONSOLE_DIR: CONSOLE_DIST, LOG_LEVEL: 'warn', ...options.env } });
  const started: { api?: ServiceProcess; worker?: WorkerProcess; browser?: Browser } = {};
  const cleanUp = async () => {
    await started.browser?.close().catch(() => undefined);
    await started.worker?.stop();
    await started.api?.stop();
    await db.drop().catch(() => undefined);
    await deleteRedisPrefix(prefix).catch(() => undefined);
  };
  try {
    started.api = await spawnService({ label: 'api', script: 'apps/api/src/main.ts', portVariable: 'PORT', healthPath: '/health/ready', env });
    const [browser, worker] = await Promise.all([
      chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
      options.worker === false ? undefined : spawnWorker(env),
      started.api.ready(),
    ]);
    started.browser = browser;
    started.worker = worker;
    await worker?.ready();
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const api = started.api;
  const browser = started.browser;
  const origin = api.url;
  const passwords = new Map<Role, { username: string; password: string }>();
  const tokens = new Map<Role, string>();

  const call = async <T>(method: string, path: string, body?: unknown, token?: string): Promise<T> => {
    const res = await fetch(`${origin}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const loginToken = async (username: string, password: string) => (await call<{ accessToken: string }>('POST', '/api/auth/login', { username, password })).accessToken;

  const store = async (sql: string, params: unknown[]) => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  };
  /** The admin with its initial password changed (once), whether a test did it in the browser or not. */
  const adminToken = async (): Promise<string> => {
    const known = tokens.get('admin');
    if (known) return known;
    // As POST /api/auth/password would leave it, unless a test changed it already.
    await store(`UPDATE app_user SET password_hash = $1, must_change_password = false WHERE username = 'admin' AND must_change_password`, [PASSWORD_HASHES.admin]);
    const token = await loginToken('admin', ADMIN_PASSWORD);
    passwords.set('admin', { username: 'admin', password: ADMIN_PASSWORD });
    tokens.set('admin', token);
    return token;
  };

  const harness: ConsoleHarness = {
    origin,
    api,
    worker: started.worker,
    browser,
    db,
    env,
    async newPage() {
      const context = await browser.newContext({ baseURL: origin, viewport: VIEWPORT });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      return { page, context, problems: watchProblems(page, origin) };
    },
    async token(role = 'admin') {
      if (role === 'admin') return adminToken();
      const known = tokens.get(role);
      if (known) return known;
      // The admin would have made this user: its own password is changed by now too.
      await adminToken();
      const username = `${role}-user`;
      const password = `${role}-console-passphrase`;
      // As POST /api/users then the user's own password change would leave it.
      await store(`INSERT INTO app_user (username, password_hash, role, must_change_password) VALUES ($1, $2, $3, false)`, [username, PASSWORD_HASHES[role], role]);
      const token = await loginToken(username, password);
      passwords.set(role, { username, password });
      tokens.set(role, token);
      return token;
    },
    credentials(role) {
      const found = passwords.get(role);
      if (!found) throw new Error(`no ${role} user yet: call token('${role}') or signedInPage('${role}') first`);
      return found;
    },
    async signedInPage(role = 'admin', path = '/') {
      await harness.token(role);
      const { username, password } = harness.credentials(role);
      const opened = await harness.newPage();
      await opened.page.goto(`/login?next=${encodeURIComponent(path)}`);
      await login(opened.page, username, password);
      return opened;
    },
    call,
    close: cleanUp,
  };
  return harness;
}

/**
 * Saves a test database as a connection through the API (as the admin) and returns its id:
 * host, port and user from the database's URL, no password. The console e2e counterpart of
 * apps/api/test/harness.ts's saveConnection (apps may not import one another's files).
 */
export async function saveConnection(h: ConsoleHarness, name: string, dialect: 'postgres' | 'mysql', db: EphemeralDatabase): Promise<string> {
  const url = new URL(db.url);
  const body = { name, dialect, host: url.hostname, port: Number(url.port), database: db.name, username: decodeURIComponent(url.username) };
  return (await h.call<{ id: string }>('POST', '/api/connections', body, await h.token('admin'))).id;
}

/** Starts a run of the job through the API and waits until it ends; returns the run as GET /api/runs/:id answers. */
export async function runJobToEnd<Run extends { status: string } = { id: string; status: string }>(h: ConsoleHarness, jobId: string, timeoutMs = 90_000): Promise<Run> {
  const token = await h.token('admin');
  const { runId } = await h.call<{ runId: string }>('POST', `/api/jobs/${jobId}/run`, undefined, token);
  return waitFor(async () => {
    const run = await h.call<Run>('GET', `/api/runs/${runId}`, undefined, token);
    return ['succeeded', 'failed', 'cancelled'].includes(run.status) && run;
  }, timeoutMs, `run ${runId} to end`);
}

/** Retries `check` until it passes (the page fills in as answers come), or throws its last failure. */
export async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
}
