import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';

const ROOT = join(__dirname, '..', '..', '..', '..');
const ROWS = 2_000_000;

describe('memory stays flat while streaming', () => {
  let db: EphemeralDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_memory');
  });
  afterAll(() => db.drop());

  it(`copies ${ROWS.toLocaleString('en')} rows reader → writer under 300 MB RSS`, async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', './tools/register.js', 'libs/dialects/conformance/src/memory-probe.ts', db.url, String(ROWS)],
      { cwd: ROOT, maxBuffer: 1 << 20, timeout: 280_000 },
    );
    const report = JSON.parse(stdout.trim().split('\n').pop()!);
    console.log(`memory probe: ${report.rows} rows in ${report.seconds}s, peak RSS ${(report.peakRssBytes / 2 ** 20).toFixed(0)} MB`);
    expect(report.rows).toBe(ROWS);
    expect(report.peakRssBytes).toBeLessThan(300 * 2 ** 20);
  }, 300_000);
});
