import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createControlDataSource, RunRepository } from '@dbferry/control-plane';
import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { PeriodicReconciler } from './periodic-reconciler';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A sweep that counts itself, takes `sweepMs`, and fails when told to. */
class CountingReconciler extends PeriodicReconciler<{ found: number }> {
  sweeps = 0;
  running = 0;
  overlapped = false;
  sweepMs = 0;
  failWith: string | null = null;
  found = 0;

  constructor(runs: RunRepository, intervalMs: number) {
    super({ lockKey: 'dbferry:periodic-reconciler-test', intervalMs, lock: runs, empty: { found: 0 }, failure: 'test reconcile' });
  }

  protected async sweep(): Promise<{ found: number }> {
    this.sweeps++;
    this.running++;
    if (this.running > 1) this.overlapped = true;
    try {
      await sleep(this.sweepMs);
      if (this.failWith) throw new Error(this.failWith);
      return { found: this.found };
    } finally {
      this.running--;
    }
  }

  protected describe(report: { found: number }): string | null {
    return report.found ? `found ${report.found}` : null;
  }
}

/**
 * The shape every reconciler shares (runs, diffs, repairs, full syncs, groups): passes on an
 * interval under the fleet-wide advisory lock, never two at once, a warning when one finds
 * something, an error line (no crash) when one fails, none after shutdown.
 */
describe('PeriodicReconciler', () => {
  let db: EphemeralDatabase;
  let dataSource: DataSource;
  let runs: RunRepository;
  const started: CountingReconciler[] = [];
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;

  const start = (intervalMs: number) => {
    const r = new CountingReconciler(runs, intervalMs);
    started.push(r);
    r.onApplicationBootstrap();
    return r;
  };

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_periodic_reconciler');
    dataSource = createControlDataSource({ url: db.url, applicationName: 'periodic-reconciler-test' });
    await dataSource.initialize();
    runs = new RunRepository(dataSource);
  });

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((r) => r.onModuleDestroy()));
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('sweeps every interval, one pass at a time, and says what a pass found', async () => {
    const r = start(20);
    r.sweepMs = 150;
    r.found = 2;
    await sleep(700);
    expect(r.sweeps).toBeGreaterThanOrEqual(2);
    // At 20 ms ticks and 150 ms passes, one at a time: far fewer passes than ticks.
    expect(r.sweeps).toBeLessThanOrEqual(6);
    expect(r.overlapped).toBe(false);
    expect(warn).toHaveBeenCalledWith('found 2');
  });

  it('logs a failed pass and goes on with the next', async () => {
    const r = start(30);
    r.failWith = 'the store went away';
    await sleep(200);
    expect(error).toHaveBeenCalledWith('test reconcile failed: the store went away');
    const failed = r.sweeps;
    expect(failed).toBeGreaterThanOrEqual(2);
    r.failWith = null;
    await sleep(150);
    expect(r.sweeps).toBeGreaterThan(failed);
  });

  it('runs one pass over the fleet at a time: a worker that cannot take the lock reports nothing done', async () => {
    const holder = new CountingReconciler(runs, 60_000);
    const other = new CountingReconciler(runs, 60_000);
    holder.sweepMs = 300;
    holder.found = 1;
    const first = holder.reconcile();
    await sleep(100);
    expect(await other.reconcile()).toEqual({ locked: false, found: 0 });
    expect(other.sweeps).toBe(0);
    expect(await first).toEqual({ locked: true, found: 1 });
    other.found = 3;
    expect(await other.reconcile()).toEqual({ locked: true, found: 3 });
  });

  it('stops on shutdown: the pass in flight is awaited, no pass starts after', async () => {
    const r = start(20);
    r.sweepMs = 200;
    await sleep(60);
    expect(r.running).toBe(1);
    await r.onModuleDestroy();
    expect(r.running).toBe(0);
    const after = r.sweeps;
    await sleep(150);
    expect(r.sweeps).toBe(after);
  });
});
