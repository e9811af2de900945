import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..', '..');

/**
 * The registry imports all five dialects; their drivers load only when a session of that dialect
 * is opened. Checked in a fresh process (Node's own module cache, not Jest's): importing the
 * registry and the engine, quoting, spelling a watermark predicate and mapping types for every
 * dialect loads no driver; opening a SQLite database loads sqlite3 and nothing else.
 */
const SCRIPT = `
const drivers = ['pg', 'pg-cursor', 'pg-copy-streams', 'mysql2', 'mssql', 'tedious', 'oracledb', 'sqlite3'];
const loaded = () => drivers.filter((d) => Object.keys(require.cache).some((f) => f.includes('/node_modules/' + d + '/')));
const registry = require('./libs/dialects/registry/src/index.ts');
const engine = require('./libs/engine/src/index.ts');
const column = { name: 'updated_at', type: { kind: 'timestamp', precision: 6 }, nullable: false };
for (const dialect of registry.ALL_DIALECTS) {
  dialect.sql.quoteIdent('a');
  engine.sincePredicate(dialect.name, column, '2024-05-01 10:00:00.123456');
  registry.typeMapperFor(dialect.name).fromNeutral(column.type);
  registry.orderedKeyKindsFor(dialect.name);
}
const imported = loaded();
registry.dialectFor('sqlite').connect({ dialect: 'sqlite', database: process.argv[1] }, { timeoutMs: 5000, create: true }).then(async (session) => {
  await session.ping();
  await session.close();
  process.stdout.write(JSON.stringify({ imported, connected: loaded() }));
});
`;

describe('dialect drivers load lazily', () => {
  it('loads no driver on import and only sqlite3 for a SQLite session', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbferry-lazy-'));
    try {
      const run = spawnSync(process.execPath, ['-r', './tools/register.js', '-e', SCRIPT, join(dir, 'lazy.db')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual({ imported: [], connected: ['sqlite3'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
