import { ago, bucketLabel, demoEventsToSend, demoToRun, describeTotals, firstSteps, queueDepth, seriesTotals } from './dashboard-data';

const counts = (connections: number, jobs: number) => ({ connections, jobs, enabledJobs: jobs, runs: { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 } });

describe('dashboard data', () => {
  it('labels buckets by their UTC hour or day', () => {
    expect(bucketLabel('2026-11-23T09:00:00.000Z', 'hour')).toBe('09:00');
    expect(bucketLabel('2026-01-05T00:00:00.000Z', 'day')).toBe('01-05');
  });

  it('sums a series by status and says it in words, zeros left out', () => {
    const bucket = (succeeded: number, failed: number) => ({ at: '2026-11-23T09:00:00.000Z', queued: 0, running: 0, succeeded, failed, cancelled: 0 });
    const totals = seriesTotals([bucket(2, 0), bucket(1000, 1)]);
    expect(totals).toEqual({ succeeded: 1002, failed: 1, cancelled: 0, running: 0, queued: 0 });
    expect(describeTotals(totals)).toBe('1,002 succeeded, 1 failed');
    expect(describeTotals(seriesTotals([]))).toBe('no runs');
  });

  it('shows the first steps until there are connections and a job', () => {
    expect(firstSteps(counts(0, 0))).toEqual({ connections: false, jobs: false });
    expect(firstSteps(counts(2, 0))).toEqual({ connections: true, jobs: false });
    expect(firstSteps(counts(2, 1))).toBeNull();
  });

  it("points at npm start's demo job until it has run", () => {
    const lastRun = { id: '0f0e0d0c-0b0a-4908-8706-050403020100', status: 'succeeded', queuedAt: '2026-11-23T09:00:00.000Z', finishedAt: null };
    const other = { id: 'a', name: 'orders', lastRun: null };
    expect(demoToRun([other, { id: 'b', name: 'demo-shop-copy', lastRun: null }])).toEqual({ id: 'b', name: 'demo-shop-copy' });
    expect(demoToRun([other, { id: 'b', name: 'demo-shop-copy', lastRun } as never])).toBeNull();
    expect(demoToRun([other])).toBeNull();
  });

  it("points at npm start's demo event source until an event has reached it", () => {
    const mapping = (table: string) => ({ table }) as never;
    const demo = { id: 'd', name: 'demo-catalog', mappings: [mapping('public.catalog_products'), mapping('public.catalog_categories')] };
    const other = { id: 'o', name: 'catalogue', mappings: [] };
    expect(demoEventsToSend([other, demo], 0)).toEqual({ name: 'demo-catalog', tables: ['public.catalog_products', 'public.catalog_categories'] });
    expect(demoEventsToSend([other, demo], 1)).toBeNull();
    expect(demoEventsToSend([other], 0)).toBeNull();
  });

  it('counts a queue as everything not done, and says how long ago', () => {
    expect(queueDepth({ name: 'sync', waiting: 1, prioritized: 2, waitingChildren: 3, active: 4, delayed: 5, failed: 6 })).toBe(21);
    const now = Date.parse('2026-11-23T10:00:00.000Z');
    expect(ago('2026-11-23T09:59:55.000Z', now)).toBe('5 s ago');
    expect(ago('2026-11-23T09:30:00.000Z', now)).toBe('30 min ago');
    expect(ago('2026-11-23T07:00:00.000Z', now)).toBe('3 h ago');
    expect(ago(null, now)).toBe('—');
  });
});
