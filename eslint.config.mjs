import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

// Framework-free layers: no NestJS, no ORM, no queue library, no control store.
const frameworkFree = ['@nestjs/*', 'typeorm', 'bullmq', '@bull-board/*', 'ioredis'];
// A comparison with one of these string literals is a branch on a dialect's name.
const DIALECT_NAME = '/^(postgres|mysql|mssql|oracle|sqlite)$/';
// Database drivers: imported only by libs/dialects/<db> (and by test helpers that set up data).
const drivers = ['pg', 'pg-copy-streams', 'pg-cursor', 'mysql2', 'mysql2/*', 'mssql', 'tedious', 'oracledb', 'sqlite3'];

export default [
  { ignores: ['**/dist', '**/node_modules', '**/tmp', '**/coverage', 'docs/**', '.nx/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      '@nx/enforce-module-boundaries': ['error', boundaries([], drivers)],
    },
  },
  {
    // Tests may use the test helpers and the dialect libs whatever their project's tag.
    files: ['**/*.spec.ts', '**/*.spec.tsx', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts', 'apps/console/e2e/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries(['@dbferry/testing', '@dbferry/migrations'], [])],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['tools/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // The web console: the classic rules of hooks (the React Compiler's stricter set is not adopted).
    files: ['apps/console/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    // SQL behind the dialect contract: outside libs/dialects, code branches on a dialect's declared
    // capabilities and SqlStyle, never on its name. Tests and tools/ (benches and scripts that set
    // up particular servers) may name dialects freely.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/dialects/**', '**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/test/**'],
    rules: { 'no-restricted-syntax': ['error', ...dialectNameBranches()] },
  },
  // Run state has one owner, RunRepository in libs/control-plane (issue 10, item 4): no SQL on the
  // run tables elsewhere. A later block's no-restricted-syntax replaces an earlier one for the
  // same file, so files outside both libs/dialects and libs/control-plane get both lists.
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/dialects/**', 'libs/control-plane/**', '**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/test/**'],
    rules: { 'no-restricted-syntax': ['error', ...dialectNameBranches(), ...runTableSql()] },
  },
  {
    files: ['libs/dialects/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/test/**'],
    rules: { 'no-restricted-syntax': ['error', ...runTableSql()] },
  },
  // The control store has one owner (issue 10, item 4): TypeORM's DataSource is opened and held
  // by libs/control-plane, and everything else goes through its named classes (RunRepository,
  // ControlStoreProbe, AdminBootstrap, AuditLogRepository, …). migrations/ and libs/testing are
  // held to it too: migrations get a QueryRunner, and the test helpers open no control store.
  // Tests may reach the app's DataSource to check or force what the store holds.
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'migrations/**/*.ts'],
    ignores: ['libs/control-plane/**', '**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/test/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'typeorm',
              importNames: ['DataSource'],
              message: 'The raw DataSource stays in libs/control-plane: use (or add) a named repository or service there (@dbferry/control-plane).',
            },
          ],
        },
      ],
    },
  },
];

/** SQL text (a string or a template's text) reading or writing a run table. */
function runTableSql() {
  const sql = String.raw`/\b(from|update|into|join)[ \t\r\n]+(run|run_table|run_chunk|run_log|run_reject|sync_watermark)\b/i`;
  const message = 'SQL on a run table outside libs/control-plane: go through RunRepository (@dbferry/control-plane), the one owner of run state.';
  return [
    { selector: `Literal[value=${sql}]`, message },
    { selector: `TemplateElement[value.raw=${sql}]`, message },
  ];
}

function dialectNameBranches() {
  const name = `Literal[value=${DIALECT_NAME}]`;
  const because = 'branch on the dialect contract (capabilities, SqlStyle) or a libs/dialects/registry function, not on its name';
  return [
    { selector: `BinaryExpression[operator=/^[!=]==?$/] > ${name}`, message: `Comparison with a dialect name: ${because}.` },
    { selector: `SwitchCase > ${name}.test`, message: `switch case on a dialect name: ${because}.` },
    {
      selector: "TSTypeReference[typeName.name='Record'] > TSTypeParameterInstantiation > TSTypeReference:first-child[typeName.name='DialectName']",
      message: `Record<DialectName, …> outside libs/dialects: ${because}.`,
    },
  ];
}

function boundaries(allow, bannedDrivers) {
  const ban = (...lists) => [...lists.flat(), ...bannedDrivers];
  return {
          enforceBuildableLibDependency: false,
          allow,
          banTransitiveDependencies: false,
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['*'], bannedExternalImports: ban(['bullmq']) },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: [], bannedExternalImports: ban(frameworkFree) },
            { sourceTag: 'type:config', onlyDependOnLibsWithTags: ['type:util', 'type:dialect-core'], bannedExternalImports: ban(['typeorm', 'bullmq']) },
            {
              sourceTag: 'type:dialect-core',
              onlyDependOnLibsWithTags: ['type:util'],
              bannedExternalImports: ban(frameworkFree),
            },
            {
              sourceTag: 'type:dialect',
              onlyDependOnLibsWithTags: ['type:dialect-core', 'type:util'],
              bannedExternalImports: frameworkFree,
            },
            {
              sourceTag: 'type:dialect-registry',
              onlyDependOnLibsWithTags: ['type:dialect', 'type:dialect-core', 'type:util'],
              bannedExternalImports: ban(frameworkFree),
            },
            {
              sourceTag: 'type:engine',
              onlyDependOnLibsWithTags: ['type:dialect-registry', 'type:dialect-core', 'type:queue-contracts', 'type:util'],
              bannedExternalImports: ban(frameworkFree),
            },
            {
              sourceTag: 'type:store',
              onlyDependOnLibsWithTags: ['type:util', 'type:config', 'type:dialect-core', 'type:migrations'],
              bannedExternalImports: ban(['bullmq']),
            },
            { sourceTag: 'type:migrations', onlyDependOnLibsWithTags: [], bannedExternalImports: ban(['@nestjs/*', 'bullmq']) },
            { sourceTag: 'type:api-client', onlyDependOnLibsWithTags: [], bannedExternalImports: ban(frameworkFree) },
            { sourceTag: 'type:queue-contracts', onlyDependOnLibsWithTags: ['type:dialect-core'], bannedExternalImports: ban(frameworkFree) },
            { sourceTag: 'type:queue', onlyDependOnLibsWithTags: ['type:queue-contracts', 'type:config', 'type:util'], bannedExternalImports: ban() },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:util', 'type:config', 'type:store', 'type:dialect-core', 'type:dialect-registry', 'type:queue', 'type:queue-contracts', 'type:testing'],
              bannedExternalImports: ['bullmq'],
            },
          ],
  };
}
