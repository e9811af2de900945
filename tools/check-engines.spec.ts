import { readFileSync } from 'node:fs';
import { join } from 'node:path';
interface EngineCheck {
  engineProblems(input: { readme: string; manifest: unknown; lock: unknown; running?: string }): string[];
  readmeMinimum(readme: string): string;
}
const { engineProblems, readmeMinimum } = require('./check-engines.js') as EngineCheck;

const root = join(__dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const readme = 'Needs Node.js ≥ 20.19 (22 LTS recommended)';
const manifest = { engines: { node: '>=20.19' } };

describe('tools/check-engines.js (npm ci must print no EBADENGINE)', () => {
  it('passes on the repository: every locked package supports the README minimum', () => {
    expect(readmeMinimum(read('README.md'))).toBe('20.19.0');
    expect(engineProblems({ readme: read('README.md'), manifest: JSON.parse(read('package.json')), lock: JSON.parse(read('package-lock.json')) })).toEqual([]);
  });

  it('names a locked package that needs a newer Node.js than the README states', () => {
    const lock = {
      packages: {
        '': { engines: { node: '>=20.19' } },
        'node_modules/nestjs-pino': { version: '5.2.1', engines: { node: '>=22.12.0' } },
        'node_modules/@nestjs/common/node_modules/file-type': { version: '22.3.0', engines: { node: '>=22' } },
        'node_modules/helmet': { version: '8.3.0', engines: { node: '>=18.0.0' } },
      },
    };
    expect(engineProblems({ readme, manifest, lock, running: '20.20.2' })).toEqual([
      'nestjs-pino@5.2.1 needs Node.js >=22.12.0, not 20.19.0',
      'nestjs-pino@5.2.1 needs Node.js >=22.12.0, not 20.20.2',
      'file-type@22.3.0 needs Node.js >=22, not 20.19.0',
      'file-type@22.3.0 needs Node.js >=22, not 20.20.2',
    ]);
  });

  it('fails when package.json and the README disagree on the minimum', () => {
    expect(engineProblems({ readme, manifest: { engines: { node: '>=22' } }, lock: { packages: {} }, running: '22.1.0' })).toEqual([
      'package.json engines.node is >=22; the README says Node.js >= 20.19.0',
    ]);
    expect(() => readmeMinimum('Needs a recent Node')).toThrow(/Needs Node\.js/);
  });
});
