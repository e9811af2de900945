import { type ServiceProcess, spawnService } from './node-process';

export type WorkerProcess = ServiceProcess;

/**
 * A real worker (`apps/worker/src/main.ts`) as a child process, with the current process.env
 * plus `env`, its ops server on a free port; ready() waits for its /health. Tests that kill,
 * restart or drain workers use it.
 */
export function spawnWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
  return spawnService({
    label: 'worker',
    script: 'apps/worker/src/main.ts',
    portVariable: 'WORKER_PORT',
    healthPath: '/health',
    env: { ...process.env, ...env },
  });
}
