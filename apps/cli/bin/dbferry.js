#!/usr/bin/env node
// The `dbferry` command: runs the TypeScript sources through swc (as the other start scripts
// do). Commands load their engine or HTTP code only when run, so --help stays fast.
require('../../../tools/register.js');
require('../src/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
