import { DEFAULT_JOB_OPTIONS, isJobName, JOB_QUEUE, JobName, QueueName } from './contracts';

describe('queue contracts', () => {
  it('routes every job to a queue that has default options', () => {
    for (const name of Object.values(JobName)) {
      expect(Object.values(QueueName)).toContain(JOB_QUEUE[name]);
      expect(DEFAULT_JOB_OPTIONS[JOB_QUEUE[name]].attempts).toBeGreaterThan(0);
    }
  });

  it('uses kebab-case names', () => {
    for (const name of [...Object.values(JobName), ...Object.values(QueueName)]) expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });

  it('recognises job names', () => {
    expect(isJobName('prune-audit-log')).toBe(true);
    expect(isJobName('PruneAuditLog')).toBe(false);
  });
});
