import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Golden SQL for tests: compares generated SQL with `<dir>/<name>.sql`; with UPDATE_GOLDEN=1
 * (re)writes the file instead, so a review shows what changed in the generated SQL.
 */
export function expectGoldenSql(dir: string, name: string, sql: string): void {
  const file = join(dir, `${name}.sql`);
  const text = `${sql.trimEnd()}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, text, 'utf8');
    return;
  }
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing; run the test with UPDATE_GOLDEN=1 to create it`);
  expect(text).toBe(readFileSync(file, 'utf8'));
}
