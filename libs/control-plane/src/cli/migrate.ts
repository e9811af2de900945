import { loadEnvFile, SharedEnv, validateEnv } from '@dbferry/config';
import { createControlDataSource } from '../data-source';
import { migrateUnderLock } from '../migrator';

/** `npm run migrate`: brings the control store up to date, under the same lock the API takes. */
async function main(): Promise<void> {
  loadEnvFile();
  const env = validateEnv(SharedEnv);
  const dataSource = createControlDataSource({ url: env.DATABASE_URL, applicationName: 'dbferry-migrate' });
  await dataSource.initialize();
  try {
    const { applied } = await migrateUnderLock(dataSource);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema up to date\n');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`migrate failed: ${error.message}\n`);
  process.exit(1);
});
