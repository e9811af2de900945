// The registry this project installs from serves only some platforms' prebuilt binaries, so
// `npm install` leaves other platforms' optional packages (e.g. @swc/core-darwin-arm64) out of
// package-lock.json, and `npm ci` then refuses the lock as out of sync. This adds each missing
// optional package as an entry tagged with its os/cpu, which npm skips on other machines.
// Run after any `npm install` that changes the lock: `node tools/lock-platform-stubs.js`.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const file = join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const OS = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openbsd', 'sunos', 'aix', 'netbsd', 'openharmony'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32'];
let added = 0;

for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const parentDir = path ? `${path}/node_modules/` : 'node_modules/';
    if (lock.packages[`${parentDir}${name}`] || lock.packages[`node_modules/${name}`]) continue;
    const parts = name.split(/[/-]/);
    // A package naming no OS (e.g. a wasm fallback) gets os ['none']: never installed here.
    const os = parts.find((p) => OS.includes(p)) ?? 'none';
    const cpu = parts.find((p) => CPU.includes(p));
    lock.packages[`node_modules/${name}`] = {
      version: String(version).replace(/^[\^~]/, ''),
      optional: true,
      os: [os],
      ...(cpu ? { cpu: [cpu] } : {}),
    };
    added++;
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`lock-platform-stubs: added ${added} entr${added === 1 ? 'y' : 'ies'}\n`);
