import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// npm 11.16+ lists at the end of `npm ci` every dependency whose install script package.json's
// allowScripts does not cover, and npm 12 skips those scripts: sqlite3, argon2 and oracledb would
// then install without their native parts. Every locked package with an install script must have
// an entry (true: it runs; false: it is skipped on purpose).
describe('allowScripts covers every locked install script', () => {
  const root = join(__dirname, '..');
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  const allow = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
  const withScripts = [...new Set(Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript).map(([path]) => path.split('node_modules/').pop() ?? path))].sort();

  it('finds the packages with install scripts in the lockfile', () => {
    expect(withScripts).toEqual(expect.arrayContaining(['argon2', 'sqlite3']));
  });

  it('has an allowScripts entry for each of them', () => {
    expect(withScripts.filter((name) => !(name in allow) && !Object.keys(allow).some((key) => key.startsWith(`${name}@`)))).toEqual([]);
  });

  it('lets the native database and hashing modules build', () => {
    for (const name of ['argon2', 'sqlite3', 'oracledb']) expect([name, allow[name]]).toEqual([name, true]);
  });
});
