// Preload (`node -r ./tools/own-source-maps.js dist/…/main.js`): error stacks name the TypeScript
// lines of dbferry's own compiled files, as --enable-source-maps does, but the source maps that
// packages under node_modules ship are not loaded. --enable-source-maps keeps every one of them in
// memory for the life of the process: about 40 MB of the worker's 300 MB budget.
const Module = require('node:module');
const { sep } = require('node:path');

const compile = Module.prototype._compile;
const PACKAGES = `${sep}node_modules${sep}`;

// Node caches a module's source map while it compiles it, if source maps are enabled then.
Module.prototype._compile = function compileWithOwnSourceMaps(content, filename, ...rest) {
  process.setSourceMapsEnabled(!filename.includes(PACKAGES));
  try {
    return compile.call(this, content, filename, ...rest);
  } finally {
    process.setSourceMapsEnabled(true);
  }
};
process.setSourceMapsEnabled(true);
