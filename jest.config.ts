import type { Config } from 'jest';
import { base } from './tools/jest/preset';

/**
 * unit: *.spec.ts next to the code, no services.
 * integration: *.int-spec.ts and *.e2e-spec.ts against the real PostgreSQL, MariaDB and Redis
 * (each file makes its own database and BullMQ prefix; see libs/testing).
 */
const config: Config = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
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
