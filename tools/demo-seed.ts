// `npm start`'s demo (issue 15 item 2), run by tools/services.js after the migrations unless DEMO=false:
// a SQLite shop under SQLITE_ROOT (customers, products, orders, order_items: 106,000 rows with
// decimals, microsecond timestamps, JSON and unicode, 4-byte characters too), an empty target
// (a `dbferry_demo` database on the control store's PostgreSQL, or a second SQLite file when that
// database cannot be created), a job between them, and a replica group (a `loyalty` table on that
// database and on a SQLite file) to write rows to, and an event source (`demo-catalog`: signed
// product and category events land in two tables created on the target from its mappings; its
// signing secret is sealed in the store and written to DATA_DIR/demo-catalog.secret, mode 0600, for
// `npm run demo:event` (tools/demo-event.js) to sign with; it is never printed). Idempotent: the
// store's audit log holds a `demo.create` row once the demo exists (`demo.group` once its group
// does, `demo.events` once its event source does), and nothing is created again after it (not
// even when the user has deleted the demo's job, connections or source).
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Client } from 'pg';
import { Database } from 'sqlite3';
import { ApiEnv, controlStoreAddress, loadEnvFile, validateEnv } from '@dbferry/config';
import {
  AuditLogEntity,
  ConnectionEntity,
  ConnectionSecrets,
  createControlDataSource,
  type EventMappingRecord,
  EventRepository,
  eventSourceSecretAad,
  GroupRepository,
  type StoredConnection,
  SyncJobEntity,
} from '@dbferry/control-plane';
import { parseKeyring, SecretBox } from '@dbferry/crypto';
import { type DialectSession, EgressPolicy, type NeutralColumn, type TableRef, type TableSchema } from '@dbferry/dialects-core';
import { defaultSchema, dialectFor, prepareConnection } from '@dbferry/dialects';
import { groupMembership, type MembershipInput } from '@dbferry/engine';

export const DEMO = {
  sourceName: 'demo-shop (SQLite)',
  targetName: 'demo-warehouse',
  jobName: 'demo-shop-copy',
  sourceFile: 'demo/shop.sqlite',
  targetFile: 'demo/warehouse.sqlite',
  targetDatabase: 'dbferry_demo',
  tables: ['customers', 'products', 'orders', 'order_items'],
  groupName: 'demo-loyalty',
  groupConnectionName: 'demo-loyalty (SQLite)',
  groupFile: 'demo/loyalty.sqlite',
  eventSourceName: 'demo-catalog',
  /** Under the data directory (npm start's ./data): the event source's signing secret, mode 0600. */
  eventSecretFile: 'demo-catalog.secret',
  /** Rows per table, exactly. */
  counts: { customers: 5000, products: 1000, orders: 25000, order_items: 75000 } as Record<string, number>,
} as const;

/** Serialises two starts seeding at once (a transaction-scoped advisory lock). */
const DEMO_LOCK_KEY = 0x64656d6f;

const FIRST = ['Zoë', 'José', 'Ægir', 'Søren', 'Łukasz', 'Ana', 'Mei', '太郎', 'Фёдор', 'Αθηνά', 'Nguyễn', 'Olivia', 'Chidi', 'Priyā', 'Noah'];
const LAST = ['Müller', 'García', 'O’Brien', 'Nowak', 'Dubois', '山田', 'Иванова', 'Παπαδόπουλος', 'Smith', 'Øster', 'Kowalczyk', 'Đặng'];
const COUNTRIES = ['DE', 'ES', 'IE', 'PL', 'FR', 'JP', 'RU', 'GR', 'US', 'DK', 'VN', 'NG', 'IN'];
const PRODUCTS = ['Tea 🍵', 'Coffee ☕', 'Notebook 📓', 'Pen 🖊️', 'Socks 🧦', 'Cheese 🧀', 'Crème brûlée', 'Smørrebrød', 'Matcha 抹茶', 'Map 𝒜tlas', 'Lamp 💡', 'Guitar 🎸'];
const STATUSES = ['new', 'paid', 'shipped', 'delivered', 'cancelled'];

/** A deterministic stream of numbers, so every demo is the same shop. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE = Date.UTC(2024, 0, 1);
/** `YYYY-MM-DD HH:MM:SS.ffffff` from a base and microseconds after it. */
function timestamp(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(BASE + ms).toISOString().replace('T', ' ').slice(0, 19);
  return `${iso}.${String(micros % 1_000_000).padStart(6, '0')}`;
}
const cents = (value: number) => `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;

function run(db: Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((done, fail) => db.run(sql, params, (error) => (error ? fail(error) : done())));
}

async function insertMany(db: Database, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const perStatement = Math.floor(999 / columns.length);
  for (let i = 0; i < rows.length; i += perStatement) {
    const part = rows.slice(i, i + perStatement);
    const values = part.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
    await run(db, `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${values}`, part.flat());
  }
}

/** The shop, written to a temporary file and renamed into place, so a half-written file never stays. */
export async function writeShop(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const partial = `${path}.partial`;
  rmSync(partial, { force: true });
  const db = await new Promise<Database>((done, fail) => {
    const opened: Database = new Database(partial, (error) => (error ? fail(error) : done(opened)));
  });
  try {
    await run(db, 'PRAGMA journal_mode = OFF');
    await run(db, 'PRAGMA synchronous = OFF');
    await run(db, 'BEGIN');
    await run(db, `CREATE TABLE customers (
      id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, country TEXT NOT NULL,
      created_at TIMESTAMP(6) NOT NULL, profile JSON_TEXT)`);
    await run(db, `CREATE TABLE products (
      id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, name TEXT NOT NULL, price DECIMAL_TEXT(10,2) NOT NULL,
      attributes JSON_TEXT, created_at TIMESTAMP(6) NOT NULL)`);
    await run(db, `CREATE TABLE orders (
      id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), status TEXT NOT NULL,
      total DECIMAL_TEXT(12,2) NOT NULL, ordered_at TIMESTAMPTZ(6) NOT NULL, updated_at TIMESTAMP(6) NOT NULL, note TEXT)`);
    await run(db, `CREATE TABLE order_items (
      order_id INTEGER NOT NULL REFERENCES orders (id), line_no INTEGER NOT NULL, product_id INTEGER NOT NULL REFERENCES products (id),
      quantity INTEGER NOT NULL, unit_price DECIMAL_TEXT(10,2) NOT NULL, PRIMARY KEY (order_id, line_no))`);
    await run(db, 'CREATE INDEX orders_updated_at ON orders (updated_at)');

    const next = random(15);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
    const customers: unknown[][] = [];
    for (let id = 1; id <= DEMO.counts.customers; id++) {
      const name = `${pick(FIRST)} ${pick(LAST)}`;
      const profile = JSON.stringify({ newsletter: next() < 0.4, tags: next() < 0.2 ? ['vip', '⭐'] : [], locale: pick(['de-DE', 'ja-JP', 'en-US', 'fr-FR']) });
      customers.push([id, name, `customer${id}@example.com`, pick(COUNTRIES), timestamp(Math.floor(next() * 3e13)), profile]);
    }
    await insertMany(db, 'customers', ['id', 'name', 'email', 'country', 'created_at', 'profile'], customers);

    const prices: number[] = [0];
    const products: unknown[][] = [];
    for (let id = 1; id <= DEMO.counts.products; id++) {
      prices[id] = 99 + Math.floor(next() * 49_900);
      const attributes = JSON.stringify({ colour: pick(['red', 'green', 'blue', 'schwarz', '緑']), weightGrams: Math.floor(next() * 2000), organic: next() < 0.3 });
      products.push([id, `SKU-${String(id).padStart(5, '0')}`, `${pick(PRODUCTS)} #${id}`, cents(prices[id]), attributes, timestamp(Math.floor(next() * 1e13))]);
    }
    await insertMany(db, 'products', ['id', 'sku', 'name', 'price', 'attributes', 'created_at'], products);

    const orders: unknown[][] = [];
    const items: unknown[][] = [];
    for (let id = 1; id <= DEMO.counts.orders; id++) {
      const lines = 1 + ((id - 1) % 5); // 1..5, three on average: 75,000 items for 25,000 orders
      let total = 0;
      for (let line = 1; line <= lines; line++) {
        const product = 1 + Math.floor(next() * DEMO.counts.products);
        const quantity = 1 + Math.floor(next() * 4);
        total += prices[product] * quantity;
        items.push([id, line, product, quantity, cents(prices[product])]);
      }
      const at = Math.floor(next() * 3e13) + id * 1_000_000;
      const ordered = `${timestamp(at)}+00:00`;
      const note = next() < 0.1 ? pick(['Bitte klingeln 🔔', '置き配希望', 'Gift 🎁 — no invoice', 'Leave at the door']) : null;
      orders.push([id, 1 + Math.floor(next() * DEMO.counts.customers), pick(STATUSES), cents(total), ordered, timestamp(at + 3_600_000_000), note]);
    }
    await insertMany(db, 'orders', ['id', 'customer_id', 'status', 'total', 'ordered_at', 'updated_at', 'note'], orders);
    await insertMany(db, 'order_items', ['order_id', 'line_no', 'product_id', 'quantity', 'unit_price'], items);
    await run(db, 'COMMIT');
  } finally {
    await new Promise<void>((done) => db.close(() => done()));
  }
  renameSync(partial, path);
}

/** Creates the empty demo database on the control store's server; false when this user may not. */
async function ensureTargetDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DEMO.targetDatabase]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(DEMO.targetDatabase)}`);
    return true;
  } catch (error) {
    console.log(`demo: cannot create the database ${DEMO.targetDatabase} (${(error as Error).message}); the demo target is a SQLite file instead`);
    return false;
  } finally {
    await client.end();
  }
}

export interface DemoResult {
  created: boolean;
  jobId: string | null;
  groupId?: string | null;
  eventSourceId?: string | null;
}

type ApiEnvValues = ApiEnv;
type ControlDataSource = ReturnType<typeof createControlDataSource>;

/** A session on a stored connection, under the same egress rules as the API's, closed after `use`. */
async function withSession<T>(env: ApiEnvValues, spec: StoredConnection, use: (session: DialectSession) => Promise<T>): Promise<T> {
  const egress = new EgressPolicy({ allow: env.DB_HOSTS_ALLOW, deny: env.DB_HOSTS_DENY, protectedDatabases: [controlStoreAddress(env.DATABASE_URL)] });
  const session = await dialectFor(spec.dialect).connect(await prepareConnection(spec, { egress, sqliteRoot: resolve(env.SQLITE_ROOT) }), { timeoutMs: 10_000 });
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}

/**
 * The demo's replica group (issue 13): a `loyalty` table on the demo PostgreSQL database and on
 * a SQLite file, written together with POST /api/groups/:id/rows. Made once (audit row
 * `demo.group`), when the demo's PostgreSQL target exists; the tables are made empty if missing.
 */
async function seedGroup(dataSource: ControlDataSource, env: ApiEnvValues, secrets: ConnectionSecrets): Promise<string | null> {
  const audit = dataSource.getRepository(AuditLogEntity);
  if (await audit.findOne({ where: { action: 'demo.group' } })) return null;
  const connections = dataSource.getRepository(ConnectionEntity);
  const target = await connections.findOne({ where: { name: `${DEMO.targetName} (PostgreSQL)` } });
  if (!target) return null;

  const pg = new Client({ connectionString: Object.assign(new URL(env.DATABASE_URL), { pathname: `/${DEMO.targetDatabase}` }).toString() });
  await pg.connect();
  try {
    await pg.query('CREATE TABLE IF NOT EXISTS public.loyalty (customer_id bigint PRIMARY KEY, points integer NOT NULL, tier text NOT NULL, updated_at timestamp(6) NOT NULL)');
  } finally {
    await pg.end();
  }
  const file = resolve(env.SQLITE_ROOT, DEMO.groupFile);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const lite = await new Promise<Database>((done, fail) => {
    const opened: Database = new Database(file, (error) => (error ? fail(error) : done(opened)));
  });
  try {
    await run(lite, 'CREATE TABLE IF NOT EXISTS loyalty (customer_id INTEGER PRIMARY KEY, points INTEGER NOT NULL, tier TEXT NOT NULL, updated_at TIMESTAMP(6) NOT NULL)');
  } finally {
    await new Promise<void>((done) => lite.close(() => done()));
  }
  const replica =
    (await connections.findOne({ where: { name: DEMO.groupConnectionName } })) ??
    (await connections.save(connections.create({ name: DEMO.groupConnectionName, dialect: 'sqlite', database: DEMO.groupFile, options: {} })));

  // Each member's table as the API would read it when a group is created.
  const inputs: MembershipInput[] = [];
  for (const [id, table] of [[target.id, { schema: 'public', name: 'loyalty' }], [replica.id, { schema: 'main', name: 'loyalty' }]] as [string, TableRef][]) {
    const spec = await secrets.load(id);
    if (!spec) return null;
    const schema: TableSchema | null = await withSession(env, spec, async (session) => (await session.data?.introspector.describeTable(table)) ?? null);
    inputs.push({ connectionId: id, dialect: spec.dialect, table, schema, readOnly: spec.readOnly });
  }
  const membership = groupMembership(['customer_id'], inputs);
  if (membership.problems.length) {
    console.log(`demo: no replica group (${membership.problems.map((p) => p.message).join('; ')})`);
    return null;
  }
  return dataSource.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [DEMO_LOCK_KEY]);
    if (await tx.getRepository(AuditLogEntity).findOne({ where: { action: 'demo.group' } })) return null;
    const groups = new GroupRepository(tx);
    if (await groups.nameTaken(DEMO.groupName)) return null;
    const id = await groups.create({
      name: DEMO.groupName,
      keyColumns: ['customer_id'],
      columns: membership.columns,
      differences: membership.differences,
      autoExecute: true,
      debtAlertSeconds: 900,
      members: membership.members.map((m, ordinal) => ({ connectionId: m.connectionId, ordinal, table: m.table, columns: m.columns })),
      createdBy: null,
    });
    await tx.getRepository(AuditLogEntity).insert({ actorName: 'npm start', action: 'demo.group', targetType: 'group', targetId: id, details: { name: DEMO.groupName } });
    console.log(`demo: created the replica group "${DEMO.groupName}" (${id}): table loyalty on "${target.name}" and "${replica.name}"`);
    return id;
  });
}

/** The demo event source's entity types, each landing in a table the seed creates on the demo target (as `createTables` would). */
export const DEMO_EVENT_MAPPINGS: {
  entityType: string;
  table: string;
  keyColumn: string;
  versionColumn: string;
  columns: [string, NeutralColumn['type']][];
  fields: Record<string, string>;
}[] = [
  {
    entityType: 'product',
    table: 'catalog_products',
    keyColumn: 'id',
    versionColumn: 'version',
    columns: [
      ['id', { kind: 'string', length: 64 }],
      ['version', { kind: 'int64' }],
      ['name', { kind: 'string', length: 255 }],
      ['price', { kind: 'decimal', precision: 12, scale: 2 }],
      ['currency', { kind: 'string', length: 3 }],
      ['attributes', { kind: 'json' }],
      ['updated_at', { kind: 'timestamptz', precision: 6 }],
    ],
    fields: { name: 'payload.name', price: 'payload.price.amount', currency: 'payload.price.currency', attributes: 'payload.attributes', updated_at: 'payload.updatedAt' },
  },
  {
    entityType: 'category',
    table: 'catalog_categories',
    keyColumn: 'id',
    versionColumn: 'version',
    columns: [
      ['id', { kind: 'string', length: 64 }],
      ['version', { kind: 'int64' }],
      ['name', { kind: 'string', length: 255 }],
      ['parent_id', { kind: 'string', length: 64 }],
    ],
    fields: { name: 'payload.name', parent_id: 'payload.parent.id' },
  },
];

/**
 * The demo event source's signing secret: read from DATA_DIR/demo-catalog.secret when a start
 * made it before (so a source made from it still verifies), else 32 random bytes in hex written
 * there with mode 0600 (to a temporary file renamed into place). Never printed.
 */
export function demoEventSecret(dataDir: string): string {
  const file = resolve(dataDir, DEMO.eventSecretFile);
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    const kept = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(kept)) return kept;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('hex');
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  writeFileSync(partial, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(partial, file);
  return secret;
}

/**
 * The demo's event source (issue 14): `demo-catalog`, whose `product` and `category` events land
 * in `catalog_products` and `catalog_categories` on the demo target (made from the mappings when
 * missing, as POST /api/event-sources with createTables does), its secret sealed like any other.
 * Made once (audit row `demo.events`), when the demo's target connection exists.
 */
async function seedEvents(dataSource: ControlDataSource, env: ApiEnvValues, secrets: ConnectionSecrets, box: SecretBox, dataDir: string): Promise<string | null> {
  if (await dataSource.getRepository(AuditLogEntity).findOne({ where: { action: 'demo.events' } })) return null;
  const connections = dataSource.getRepository(ConnectionEntity);
  const target =
    (await connections.findOne({ where: { name: `${DEMO.targetName} (PostgreSQL)` } })) ?? (await connections.findOne({ where: { name: `${DEMO.targetName} (SQLite)` } }));
  if (!target || target.readOnly) return null;
  const spec = await secrets.load(target.id);
  if (!spec) return null;
  const schema = defaultSchema(spec);
  const mappings = await withSession(env, spec, async (session): Promise<EventMappingRecord[] | string> => {
    const data = session.data;
    if (!data) return `${spec.dialect} rows cannot be written`;
    const out: EventMappingRecord[] = [];
    for (const m of DEMO_EVENT_MAPPINGS) {
      const table = { schema, name: m.table };
      let described = await data.introspector.describeTable(table);
      if (!described) {
        const columns: NeutralColumn[] = m.columns.map(([name, type]) => ({ name, type, nativeType: '', nullable: name !== m.keyColumn, default: null }));
        await data.execute(data.ddl.createTable(table, { columns, primaryKey: [m.keyColumn], indexes: [] }).statements);
        described = await data.introspector.describeTable(table);
      }
      const has = new Set(described?.columns.map((c) => c.name));
      const missing = [m.keyColumn, m.versionColumn, ...Object.keys(m.fields)].filter((c) => !has.has(c));
      if (!described || missing.length) return `${schema}.${m.table} on "${target.name}" lacks ${missing.join(', ') || 'everything'}`;
      out.push({ entityType: m.entityType, connectionId: target.id, table, keyColumn: m.keyColumn, versionColumn: m.versionColumn, fields: m.fields, columns: described.columns });
    }
    return out;
  });
  if (typeof mappings === 'string') {
    console.log(`demo: no event source (${mappings})`);
    return null;
  }
  const secret = demoEventSecret(dataDir);
  const events = new EventRepository(dataSource);
  return dataSource.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [DEMO_LOCK_KEY]);
    const audit = tx.getRepository(AuditLogEntity);
    if (await audit.findOne({ where: { action: 'demo.events' } })) return null;
    const id = randomUUID();
    const existing = await events.find(DEMO.eventSourceName);
    // The marker first, in this transaction: a source created below whose marker then failed to commit is found by its name next time.
    await audit.insert({ actorName: 'npm start', action: 'demo.events', targetType: 'event-source', targetId: existing?.id ?? id, details: { name: DEMO.eventSourceName, ...(existing && { kept: 'a source of that name existed' }) } });
    if (existing) {
      console.log(`demo: an event source named ${DEMO.eventSourceName} exists already (${existing.id}); the demo makes none`);
      return null;
    }
    await events.create({ id, name: DEMO.eventSourceName, secret: box.seal(secret, eventSourceSecretAad(id)), mappings, fullSync: null, headers: null, createdBy: null });
    const tables = mappings.map((m) => `${m.entityType} → ${m.table.schema}.${m.table.name}`).join(', ');
    console.log(`demo: created the event source "${DEMO.eventSourceName}" (${id}): ${tables} on "${target.name}"; its signing secret is in ${resolve(dataDir, DEMO.eventSecretFile)} (mode 0600)`);
    return id;
  });
}

/** `dataDir`: npm start's data directory (tools/services.js --data-dir, default ./data), where the event source's secret file goes. */
export async function seedDemo(options: { dataDir?: string } = {}): Promise<DemoResult> {
  const dataDir = resolve(options.dataDir ?? resolve(__dirname, '..', 'data'));
  loadEnvFile();
  const env = validateEnv(ApiEnv);
  const sqliteRoot = resolve(env.SQLITE_ROOT);
  const dataSource = createControlDataSource({ url: env.DATABASE_URL, applicationName: 'dbferry-demo' });
  await dataSource.initialize();
  try {
    const audit = dataSource.getRepository(AuditLogEntity);
    const marker = await audit.findOne({ where: { action: 'demo.create' }, order: { id: 'ASC' } });
    if (marker) {
      const job = await dataSource.getRepository(SyncJobEntity).findOne({ where: { name: DEMO.jobName } });
      // A demo made before replica groups or event sources existed gets them now (once).
      const box = new SecretBox(parseKeyring(env.SECRETS_KEY));
      const secrets = new ConnectionSecrets(dataSource, box);
      const groupId = await seedGroup(dataSource, env, secrets);
      return { created: false, jobId: job?.id ?? null, groupId, eventSourceId: await seedEvents(dataSource, env, secrets, box, dataDir) };
    }

    const sourcePath = resolve(sqliteRoot, DEMO.sourceFile);
    if (!existsSync(sourcePath)) {
      const started = Date.now();
      await writeShop(sourcePath);
      const rows = Object.values(DEMO.counts).reduce((a, b) => a + b, 0);
      console.log(`demo: wrote the shop (${rows.toLocaleString('en')} rows in ${DEMO.tables.join(', ')}) to ${sourcePath} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const targetOnPostgres = await ensureTargetDatabase(env.DATABASE_URL);
    const pgUrl = new URL(env.DATABASE_URL);
    const box = new SecretBox(parseKeyring(env.SECRETS_KEY));
    const secrets = new ConnectionSecrets(dataSource, box);

    const result = await dataSource.transaction(async (tx): Promise<DemoResult> => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [DEMO_LOCK_KEY]);
      const again = await tx.getRepository(AuditLogEntity).findOne({ where: { action: 'demo.create' } });
      if (again) return { created: false, jobId: (await tx.getRepository(SyncJobEntity).findOne({ where: { name: DEMO.jobName } }))?.id ?? null };

      const connections = tx.getRepository(ConnectionEntity);
      const source = await connections.save(connections.create({ name: DEMO.sourceName, dialect: 'sqlite', database: DEMO.sourceFile, readOnly: true, options: {} }));
      const target = connections.create(
        targetOnPostgres
          ? {
              name: `${DEMO.targetName} (PostgreSQL)`,
              dialect: 'postgres',
              host: pgUrl.hostname.replace(/^\[(.*)\]$/, '$1'),
              port: Number(pgUrl.port || 5432),
              database: DEMO.targetDatabase,
              username: decodeURIComponent(pgUrl.username) || 'postgres',
              options: {},
            }
          : { name: `${DEMO.targetName} (SQLite)`, dialect: 'sqlite', database: DEMO.targetFile, options: {} },
      );
      await connections.save(target);
      const password = decodeURIComponent(pgUrl.password);
      if (targetOnPostgres && password) {
        const sealed = secrets.seal(target.id, password);
        await connections.update(target.id, { secretKeyId: sealed.keyId, secretCiphertext: sealed.ciphertext });
      }
      const jobs = tx.getRepository(SyncJobEntity);
      const job = await jobs.save(
        jobs.create({
          name: DEMO.jobName,
          sourceId: source.id,
          targetId: target.id,
          tables: DEMO.tables.map((table) => ({ source: `main.${table}` })),
          mode: 'full',
          writeMode: 'upsert',
          createTables: true,
          evolveSchema: true,
          deleteMissing: false,
          enabled: true,
        }),
      );
      await tx.getRepository(AuditLogEntity).insert({
        actorName: 'npm start',
        action: 'demo.create',
        targetType: 'job',
        targetId: job.id,
        details: { sourceId: source.id, targetId: target.id, tables: DEMO.tables, rows: DEMO.counts },
      });
      console.log(`demo: created the connections "${source.name}" and "${target.name}" and the job "${job.name}" (${job.id}); set DEMO=false in .env to skip the demo on a fresh store`);
      return { created: true, jobId: job.id };
    });
    const groupId = await seedGroup(dataSource, env, secrets);
    return { ...result, groupId, eventSourceId: await seedEvents(dataSource, env, secrets, box, dataDir) };
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  const at = process.argv.indexOf('--data-dir');
  seedDemo(at > 0 && process.argv[at + 1] ? { dataDir: process.argv[at + 1] } : {}).then(
    (result) => {
      if (!result.created) console.log(result.jobId ? `demo: in place (job ${DEMO.jobName}, ${result.jobId})` : 'demo: created before (and since removed); nothing to do');
    },
    (error: Error) => {
      console.error(`demo: ${error.message}`);
      process.exit(1);
    },
  );
}
