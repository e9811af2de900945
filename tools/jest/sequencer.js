// Test order for `jest`: the suites known to be long start first. CI runs from a clean clone with
// no timing cache, where jest orders by file size alone, and some of the longest suites are small
// files (a 2-million-row copy, `npm run build` then supervision): started last, they ran on one
// worker while the other had nothing left to do.
const { default: TestSequencer } = require('@jest/test-sequencer');
const { relative } = require('node:path');

/**
 * Seconds the long suites took in CI or alone on the 2-core machine (`npx jest --selectProjects
 * integration --runTestsByPath <file>`). Only the order depends on them: refresh a figure when a
 * suite's time changes a lot, add a suite when it grows past the shortest one here.
 */
const KNOWN_SECONDS = {
  'tools/start-fresh.int-spec.ts': 115,
  'apps/api/test/faults-kill.e2e-spec.ts': 104,
  'apps/api/test/groups.e2e-spec.ts': 80,
  'apps/api/test/faults-target-down.e2e-spec.ts': 77,
  'apps/api/test/fidelity-matrix.e2e-spec.ts': 72,
  'apps/api/test/diffs.e2e-spec.ts': 71,
  'apps/api/test/repairs.e2e-spec.ts': 54,
  'apps/api/test/deferred-key.e2e-spec.ts': 50,
  'apps/api/test/auth.e2e-spec.ts': 45,
  'apps/api/test/faults-sigterm.e2e-spec.ts': 45,
  'apps/console/e2e/events.e2e-spec.ts': 45,
  'apps/console/e2e/groups.e2e-spec.ts': 45,
  'apps/console/e2e/runs.e2e-spec.ts': 42,
  'apps/api/test/reconcile.e2e-spec.ts': 41,
  'apps/console/e2e/faults.e2e-spec.ts': 41,
  'apps/api/test/events-full-sync.e2e-spec.ts': 38,
  'apps/api/test/startup.e2e-spec.ts': 35,
  'tools/start-supervision.int-spec.ts': 34,
  'apps/api/test/events-redis-down.e2e-spec.ts': 31,
  'apps/api/test/events-store-down.e2e-spec.ts': 31,
  'apps/api/test/faults-api.e2e-spec.ts': 30,
  'libs/dialects/conformance/src/memory.int-spec.ts': 30,
  'apps/api/test/redis-down.e2e-spec.ts': 28,
  'apps/api/test/cli.e2e-spec.ts': 25,
  'apps/console/e2e/arbitration.e2e-spec.ts': 24,
  'apps/api/test/run-snapshot.e2e-spec.ts': 23,
  'apps/console/e2e/dashboard.e2e-spec.ts': 23,
  'apps/api/test/browser.e2e-spec.ts': 21,
  'apps/api/test/dashboard.e2e-spec.ts': 21,
  'apps/api/test/key-order.e2e-spec.ts': 21,
  'apps/console/e2e/jobs.e2e-spec.ts': 21,
  'apps/api/test/metrics.e2e-spec.ts': 20,
  'apps/worker/test/schema-wait.int-spec.ts': 19,
};

class LongestKnownFirst extends TestSequencer {
  /**
   * Failed last time first (as jest does), then every suite with a duration, longest first: jest's
   * own timing from an earlier run on this machine, else the figure above. The rest after them,
   * largest file first (jest's guess when it knows nothing).
   */
  sort(tests) {
    const size = (test) => test.context.hasteFS.getSize(test.path) ?? 0;
    const known = (test) => KNOWN_SECONDS[relative(test.context.config.rootDir, test.path).split('\\').join('/')];
    const keyed = tests.map((test) => {
      const cached = this.time(test);
      const seconds = cached != null ? cached / 1000 : known(test);
      return { test, failed: this.hasFailed(test), seconds, size: size(test) };
    });
    keyed.sort(
      (a, b) =>
        Number(b.failed) - Number(a.failed) ||
        Number(b.seconds != null) - Number(a.seconds != null) ||
        (b.seconds ?? 0) - (a.seconds ?? 0) ||
        b.size - a.size,
    );
    // jest reads each test's duration (for its slow-test marks and worker choice) from the test itself.
    return keyed.map(({ test, seconds }) => Object.assign(test, { duration: seconds != null ? seconds * 1000 : undefined }));
  }
}

module.exports = LongestKnownFirst;
