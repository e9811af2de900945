import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workerNodeArgs } from './e2e';

describe('workerNodeArgs', () => {
  it("takes the node flags of package.json's start:worker:supervised, so the bench runs the worker as npm start does", () => {
    const scripts = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const script = scripts['start:worker:supervised'] as string;
    const flags = workerNodeArgs(script);
    expect(script).toContain(`-- node ${flags.join(' ')} dist/apps/worker/src/main.js`);
    // The preload that keeps only dbferry's own source maps.
    expect(flags).toEqual(['-r', './tools/own-source-maps.js']);
  });

  it('keeps flags ending in .js apart from the script, adds the extra ones and refuses another shape', () => {
    expect(workerNodeArgs('node tools/supervise.js worker -- node -r ./a.js --max-semi-space-size=16 dist/main.js', '--cpu-prof  --x')).toEqual([
      '-r',
      './a.js',
      '--max-semi-space-size=16',
      '--cpu-prof',
      '--x',
    ]);
    expect(workerNodeArgs('node tools/supervise.js worker -- node dist/main.js')).toEqual([]);
    expect(() => workerNodeArgs('node tools/supervise.js worker -- ./worker')).toThrow(/start:worker:supervised/);
  });
});
