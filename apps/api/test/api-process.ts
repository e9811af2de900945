import { type ServiceProcess, spawnService } from '@dbferry/testing';

export type ApiProcess = ServiceProcess;

/**
 * The real API (`apps/api/src/main.ts`) as a child process, on a free port, with exactly `env`
 * (plus PATH and HOME): variables left out of `env` are unset, so a test can start it without
 * one. ready() waits for /health/ready.
 */
export function spawnApi(env: Record<string, string | undefined>): Promise<ApiProcess> {
  return spawnService({ label: 'api', script: 'apps/api/src/main.ts', portVariable: 'PORT', healthPath: '/health/ready', env });
}
