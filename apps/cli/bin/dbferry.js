#!/usr/bin/env node
// The `dbferry` command, run from the TypeScript sources. Not tools/register.js: loading the
// TypeScript compiler to read tsconfig costs ~0.5 s of CPU at every start, so this launcher
// compiles each .ts file with @swc/core alone (the swc options of tools/jest/preset.ts) and maps
// the @dbferry/* aliases of tsconfig.base.json itself. Commands load their code only when run.
// swc's output is kept in node_modules/.cache/dbferry-cli, keyed by a hash of the source, the
// options and swc's version: a copy compiles ~130 files (~0.5 s of CPU) on its first run only.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const root = path.join(__dirname, '..', '..', '..');
const { paths } = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
const aliases = new Map(Object.entries(paths).map(([alias, [target]]) => [alias, path.join(root, target)]));

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, aliases.get(request) ?? request, ...rest);
};

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
// Node 22's V8 code cache for the JavaScript too (node_modules' parse and compile), where it exists.
Module.enableCompileCache?.(path.join(root, 'node_modules', '.cache', 'dbferry-cli-v8'));

const cacheDir = path.join(root, 'node_modules', '.cache', 'dbferry-cli');
const swcVersion = (() => {
  try {
    return JSON.parse(fs.readFileSync(require.resolve('@swc/core/package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
})();
const salt = JSON.stringify([swcVersion, options]);
let swc;
let cacheUsable = true;

/**
 * The compiled module from the cache, or compiled now and stored (a failed write only costs the
 * cache). One entry per source file, headed by the hash of what it was compiled from, so the
 * cache never holds more than the files a command loads.
 */
function compiled(source, filename) {
  const file = path.join(cacheDir, `${crypto.createHash('sha256').update(filename).digest('hex').slice(0, 32)}.js`);
  const header = `// ${crypto.createHash('sha256').update(salt).update('\0').update(source).digest('hex')}\n`;
  if (cacheUsable) {
    try {
      const cached = fs.readFileSync(file, 'utf8');
      if (cached.startsWith(header)) return cached.slice(header.length);
    } catch {
      // not cached yet
    }
  }
  swc ??= require('@swc/core');
  const { code } = swc.transformSync(source, { ...options, filename });
  if (cacheUsable) {
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const partial = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(partial, header + code);
      fs.renameSync(partial, file);
    } catch {
      cacheUsable = false;
    }
  }
  return code;
}

require.extensions['.ts'] = (module, filename) => {
  module._compile(compiled(fs.readFileSync(filename, 'utf8'), filename), filename);
};

require('../src/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
