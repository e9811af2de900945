import type { Config } from 'jest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};

/** The tsconfig path aliases (`@dbferry/x`) as jest module names. */
export const moduleNameMapper = Object.fromEntries(
  Object.entries(tsconfig.compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace('/', '\\/')}$`,
    `<rootDir>/${target}`,
  ]),
);

const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

/** The console's .tsx: TSX syntax and React's automatic JSX runtime (kept apart: `<T>x` casts in .ts files are not TSX). */
export const tsxTransform: Config['transform'] = {
  '^.+\\.tsx$': [
    '@swc/jest',
    { ...swc, jsc: { ...swc.jsc, parser: { syntax: 'typescript', tsx: true }, transform: { ...swc.jsc.transform, react: { runtime: 'automatic' } } } },
  ],
};

/** Shared by every jest project. NestJS 12 ships ESM only, so jest transforms it too. */
export const base: Config = {
  rootDir: root,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swc] },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs)/)'],
  moduleNameMapper,
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};
