import { parseKeyring, SecretBox } from '@dbferry/crypto';
import { loadEnvFile, SharedEnv, validateEnv } from '@dbferry/config';
import { createControlDataSource } from '../data-source';
import { rotateSecrets } from '../secret-rotation';

/**
 * `npm run secrets:rotate`: with SECRETS_KEY="new:...,old:...", re-seals every stored secret
 * under the new key; afterwards the old key can be dropped from SECRETS_KEY.
 */
async function main(): Promise<void> {
  loadEnvFile();
  const env = validateEnv(SharedEnv);
  const box = new SecretBox(parseKeyring(env.SECRETS_KEY));
  const dataSource = createControlDataSource({ url: env.DATABASE_URL, applicationName: 'dbferry-rotate' });
  await dataSource.initialize();
  try {
    const report = await rotateSecrets(dataSource, box);
    process.stdout.write(`re-sealed ${report.resealed} secret(s); ${report.current} already under the current key\n`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`secrets:rotate failed: ${error.message}\n`);
  process.exit(1);
});
