// `npm run demo:event [-- CREATED|UPDATED|DELETED] [--id ID] [--url URL] [--data-dir DIR]`: signs one
// sample event for npm start's demo event source `demo-catalog` (tools/demo-seed.ts) and posts it to
// POST /api/events/demo-catalog, as an upstream system would (docs/events.md, "Delivering events").
//
// The signing secret is read from DIR/demo-catalog.secret (mode 0600, written by the seed; DIR is
// npm start's data directory, ./data by default) and is never printed. The event is a `product`
// whose version is the current time in milliseconds, so each one sent is newer than the last and
// lands: CREATED and UPDATED upsert the row into catalog_products on the demo target, DELETED
// removes it. Exits 0 on the API's 202, 1 otherwise (its answer printed), 2 on bad usage.
'use strict';
const { createHmac } = require('node:crypto');
const { existsSync, readFileSync } = require('node:fs');
const { resolve } = require('node:path');

const root = resolve(__dirname, '..');
const SOURCE = 'demo-catalog';
const TYPES = ['CREATED', 'UPDATED', 'DELETED'];
const USAGE = `usage: npm run demo:event [-- CREATED|UPDATED|DELETED] [--id ID] [--url URL] [--data-dir DIR]

  CREATED (default), UPDATED or DELETED   the event type
  --id ID          the product's id (default p-1001)
  --url URL        the API (default http://127.0.0.1:$PORT, PORT from .env, else 3000)
  --data-dir DIR   npm start's data directory, holding ${SOURCE}.secret (default ./data)

examples:
  npm run demo:event
  npm run demo:event -- UPDATED
  npm run demo:event -- DELETED --id p-1001`;

function parseArgs(argv) {
  const options = { type: 'CREATED', id: 'p-1001', url: undefined, dataDir: resolve(root, 'data') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${arg}: needs a value`);
      return next;
    };
    if (arg === '--help' || arg === '-h') return null;
    else if (arg === '--id') options.id = value();
    else if (arg === '--url') options.url = value();
    else if (arg === '--data-dir') options.dataDir = resolve(value());
    else if (TYPES.includes(arg.toUpperCase())) options.type = arg.toUpperCase();
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(options.id)) throw new Error('--id: 1 to 64 letters, digits and _ . : -');
  return options;
}

/** The sample event: a product with a price (JSON path payload.price.amount), attributes (JSON) and a timestamp. */
function sampleEvent(type, id, now = new Date()) {
  const event = { eventType: type, entityType: 'product', entityId: id, timestamp: now.toISOString(), version: now.getTime() };
  if (type === 'DELETED') return event;
  return {
    ...event,
    payload: {
      name: type === 'CREATED' ? 'Matcha 抹茶 tin' : 'Matcha 抹茶 tin (organic ✓)',
      price: { amount: type === 'CREATED' ? '12.50' : '13.90', currency: 'EUR' },
      attributes: { grams: 80, organic: type !== 'CREATED', tags: ['tea', '🍵'] },
      updatedAt: now.toISOString(),
    },
  };
}

/** The two headers of a signed delivery: the time, and HMAC-SHA256 of "time.body" under the secret. */
function sign(secret, body, seconds = Math.floor(Date.now() / 1000)) {
  const signature = createHmac('sha256', secret).update(`${seconds}.`).update(body).digest('hex');
  return { 'x-dbferry-timestamp': String(seconds), 'x-dbferry-signature': `sha256=${signature}` };
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`demo:event: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const envFile = resolve(root, '.env');
  if (existsSync(envFile) && !process.env.PORT) process.loadEnvFile(envFile);
  const url = (options.url ?? `http://127.0.0.1:${process.env.PORT || 3000}`).replace(/\/+$/, '');
  const file = resolve(options.dataDir, `${SOURCE}.secret`);
  if (!existsSync(file)) {
    process.stderr.write(
      `demo:event: ${file} does not exist: npm start writes it when it makes the demo event source (unless DEMO=false); ` +
        `for a source of your own, sign as docs/events.md shows\n`,
    );
    return 1;
  }
  const secret = readFileSync(file, 'utf8').trim();
  const body = JSON.stringify(sampleEvent(options.type, options.id));
  let response;
  try {
    response = await fetch(`${url}/api/events/${SOURCE}`, { method: 'POST', headers: { 'content-type': 'application/json', ...sign(secret, body) }, body });
  } catch (error) {
    process.stderr.write(`demo:event: cannot reach the API at ${url} (${error.cause?.message ?? error.message}); is npm start running?\n`);
    return 1;
  }
  const answer = await response.text();
  process.stdout.write(`POST ${url}/api/events/${SOURCE} (signed) ${body}\n→ ${response.status} ${answer}\n`);
  if (response.status !== 202) {
    if (response.status === 401) process.stderr.write(`demo:event: refused: the source's secret is no longer the one in ${file} (rotated or made anew?)\n`);
    return 1;
  }
  process.stdout.write(
    `stored in the inbox; a worker applies it within a second: console → Event inbox (${url}/events?source=${SOURCE}), ` +
      `or GET ${url}/api/events?source=${SOURCE}; the row is in catalog_products on the demo target\n`,
  );
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`demo:event: ${error.stack ?? error.message}\n`);
      process.exitCode = 1;
    },
  );
}

module.exports = { sampleEvent, sign };
