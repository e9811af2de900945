import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Golden SQL for the dialects' tests: the generated SQL next to `<dir>/<name>.sql`, so a
 * review shows every change to it. With UPDATE_GOLDEN=1 the file is (re)written instead.
 * Returns both texts for the test to compare (`expect(actual).toBe(expected)`).
 */
export function goldenSql(dir: string, name: string, sql: string): { actual: string; expected: string } {
  const file = join(dir, name.endsWith('.sql') ? name : `${name}.sql`);
  const actual = `${sql.trimEnd()}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual, 'utf8');
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing; run the test with UPDATE_GOLDEN=1 to create it`);
  return { actual, expected: readFileSync(file, 'utf8') };
}
