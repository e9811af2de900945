import { JobName } from '@dbferry/queue-contracts';
import { buildHandlerMap } from './handler-registry';
import type { JobHandlerOf } from './job-handler';

const handler = (tag: string): JobHandlerOf<JobName> => ({ handle: async () => tag });

describe('buildHandlerMap', () => {
  it('maps each job to its one handler', async () => {
    const map = buildHandlerMap([{ name: JobName.PruneAuditLog, handler: handler('a'), provider: 'A' }], [JobName.PruneAuditLog]);
    await expect(map.get(JobName.PruneAuditLog)?.handle({} as never)).resolves.toBe('a');
  });

  it('refuses a job without a handler, naming each', () => {
    expect(() => buildHandlerMap([{ name: JobName.PruneAuditLog, handler: handler('a'), provider: 'A' }])).toThrow(
      /job "plan-run" has no handler\n {2}- job "copy-chunk" has no handler/,
    );
  });

  it('refuses two handlers for one job, naming both', () => {
    expect(() =>
      buildHandlerMap(
        [
          { name: JobName.PruneAuditLog, handler: handler('a'), provider: 'FirstHandler' },
          { name: JobName.PruneAuditLog, handler: handler('b'), provider: 'SecondHandler' },
        ],
        [JobName.PruneAuditLog],
      ),
    ).toThrow(/2 handlers: FirstHandler, SecondHandler/);
  });

  it('refuses a handler for a job the contracts do not know', () => {
    expect(() =>
      buildHandlerMap(
        [
          { name: JobName.PruneAuditLog, handler: handler('a'), provider: 'A' },
          { name: 'ghost' as JobName, handler: handler('g'), provider: 'Ghost' },
        ],
        [JobName.PruneAuditLog],
      ),
    ).toThrow(/Ghost handles unknown job "ghost"/);
  });
});
