#!/usr/bin/env node
// The `dbferry` command, run from the TypeScript sources. Not tools/register.js: loading the
// TypeScript compiler to read tsconfig costs ~0.5 s of CPU at every start, so this launcher
// compiles each .ts file with @swc/core alone (the swc options of tools/jest/preset.ts) and maps
// the @dbferry/* aliases of tsconfig.base.json itself. Commands load their code only when run.
'use strict';
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
let swc;
require.extensions['.ts'] = (module, filename) => {
  swc ??= require('@swc/core');
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};

require('../src/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
