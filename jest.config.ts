import type { Config } from 'jest';
import { base, tsxTransform } from './tools/jest/preset';

/**
 * unit: *.spec.ts next to the code, no services; the console's *.spec.tsx in jsdom.
 * integration: *.int-spec.ts and *.e2e-spec.ts against the real PostgreSQL, MariaDB and Redis
 * (each file makes its own database and BullMQ prefix; see libs/testing).
 */
const config: Config = {
  // Longest suites first, also on a clean clone with no timing cache (see the file).
  testSequencer: '<rootDir>/tools/jest/sequencer.js',
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    // The console's component tests: React in jsdom. Same name, so `--selectProjects unit` runs them.
    {
      ...base,
      displayName: 'unit',
      testEnvironment: '<rootDir>/tools/jest/jsdom-environment.js',
      testMatch: ['<rootDir>/apps/console/src/**/*.spec.tsx'],
      transform: { ...tsxTransform, ...base.transform },
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.{int,e2e}-spec.ts'],
      setupFiles: ['<rootDir>/tools/jest/integration-env.ts'],
      setupFilesAfterEnv: ['<rootDir>/tools/jest/integration-timeout.ts'],
    },
  ],
};

export default config;
