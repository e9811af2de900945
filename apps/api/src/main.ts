import 'reflect-metadata';
import { apiConfig, loadEnvFile } from '@dbferry/config';
import { createApiApp, logStartup } from './app.factory';

async function bootstrap(): Promise<void> {
  loadEnvFile();
  const config = apiConfig();
  const app = await createApiApp();
  await app.listen(config.port);
  await logStartup(app, config.port);
}

bootstrap().catch((error: Error) => {
  // The logger may not exist yet (bad env, store down): plain stderr, then a non-zero exit.
  process.stderr.write(`dbferry api failed to start: ${error.message}\n`);
  process.exit(1);
});
