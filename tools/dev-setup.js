// First step of `npm start`: a usable .env (random secrets) and the SQLite root. The stores
// (PostgreSQL, Redis, the control database) are tools/services.js's, after the build.
// Safe to run every time: it only creates what is missing.
const { randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { resolve } = require('node:path');

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
