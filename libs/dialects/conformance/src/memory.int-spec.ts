import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';

const ROOT = join(__dirname, '..', '..', '..', '..');
const ROWS = 2_000_000;

describe('memory stays flat while streaming', () => {
  let db: EphemeralDatabase;
  let mysql: EphemeralDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_memory');
    mysql = await createMysqlDatabase('dbferry_memory');
  });
  afterAll(async () => {
    await db.drop();
    await mysql.drop();
  });

  it.each(['postgres', 'mysql'])(`copies ${ROWS.toLocaleString('en')} rows %s → postgres reader → writer under 300 MB RSS`, async (source) => {
    const sourceUrl = source === 'postgres' ? db.url : mysql.url;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', './tools/register.js', 'libs/dialects/conformance/src/memory-probe.ts', db.url, String(ROWS), source, sourceUrl],
      { cwd: ROOT, maxBuffer: 1 << 20, timeout: 280_000 },
    );
    const report = JSON.parse(stdout.trim().split('\n').pop()!);
    console.log(`memory probe ${source} → postgres: ${report.rows} rows in ${report.seconds}s, peak RSS ${(report.peakRssBytes / 2 ** 20).toFixed(0)} MB`);
    expect(report.rows).toBe(ROWS);
    expect(report.peakRssBytes).toBeLessThan(300 * 2 ** 20);
  }, 300_000);
});
