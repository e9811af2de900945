// First step of `npm start`: a usable .env (random secrets) and the control-store database.
// Safe to run every time: it only creates what is missing.
const { randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { resolve } = require('node:path');
const { Client } = require('pg');

const root = resolve(__dirname, '..');
const envFile = resolve(root, '.env');

if (!existsSync(envFile)) {
  const text = readFileSync(resolve(root, '.env.example'), 'utf8')
    .replace(/^JWT_SECRET=.*$/m, `JWT_SECRET=${randomBytes(48).toString('base64')}`)
    .replace(/^SECRETS_KEY=.*$/m, `SECRETS_KEY=k1:${randomBytes(32).toString('base64')}`);
  writeFileSync(envFile, text, { mode: 0o600 });
  process.stdout.write('dev-setup: wrote .env with fresh JWT_SECRET and SECRETS_KEY\n');
}
process.loadEnvFile(envFile);
mkdirSync(resolve(root, process.env.SQLITE_ROOT || './data/sqlite'), { recursive: true });

async function ensureDatabase() {
  const url = new URL(process.env.DATABASE_URL);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      process.stdout.write(`dev-setup: created database ${name}\n`);
    }
  } finally {
    await client.end();
  }
}

ensureDatabase().catch((error) => {
  process.stderr.write(`dev-setup: cannot prepare the control store (${error.message}); is PostgreSQL running at DATABASE_URL?\n`);
  process.exit(1);
});
