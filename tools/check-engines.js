// Every installed package must run on the oldest Node.js the README promises: `npm ci` warns
// (EBADENGINE) when one declares a newer `engines.node`, and such a package may use APIs the
// promised version lacks. Reads the minimum from the README's "Needs Node.js ≥ X" line, checks
// it agrees with package.json's `engines.node`, then checks every entry of package-lock.json.
// Usage: node tools/check-engines.js   (exit 1 and one line per offender when something fails)
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const semver = require('semver');

/** The version the README states, e.g. "20.19.0" from "Needs Node.js ≥ 20.19". */
function readmeMinimum(readme) {
  const match = /Needs Node\.js (?:≥|>=)\s*(\d+(?:\.\d+){0,2})/.exec(readme);
  if (!match) throw new Error('README.md: no "Needs Node.js ≥ <version>" line');
  return semver.coerce(match[1]).version;
}

/**
 * Problems, as sentences: the README and package.json disagree, or a locked package declares an
 * engines.node range that the minimum (or the Node.js running this check) does not satisfy.
 */
function engineProblems({ readme, manifest, lock, running = process.versions.node }) {
  const minimum = readmeMinimum(readme);
  const problems = [];
  const declared = manifest.engines?.node;
  if (!declared || semver.minVersion(declared)?.version !== minimum) {
    problems.push(`package.json engines.node is ${declared ?? 'missing'}; the README says Node.js >= ${minimum}`);
  }
  const versions = [...new Set([minimum, running])].filter((v) => semver.satisfies(v, declared ?? `>=${minimum}`));
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    const range = entry.engines?.node;
    if (!path || typeof range !== 'string') continue;
    for (const version of versions) {
      if (!semver.satisfies(version, range, { includePrerelease: true })) {
        problems.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version} needs Node.js ${range}, not ${version}`);
      }
    }
  }
  return problems;
}

module.exports = { engineProblems, readmeMinimum };

if (require.main === module) {
  const root = join(__dirname, '..');
  const read = (file) => readFileSync(join(root, file), 'utf8');
  const problems = engineProblems({ readme: read('README.md'), manifest: JSON.parse(read('package.json')), lock: JSON.parse(read('package-lock.json')) });
  for (const problem of problems) console.error(`check-engines: ${problem}`);
  if (problems.length) process.exit(1);
  console.log(`check-engines: every locked package supports Node.js >= ${readmeMinimum(read('README.md'))}`);
}
