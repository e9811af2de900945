import { addSample, currentRate, etaSeconds, formatDuration, formatRate, percentDone, runPercent, type Sample } from './progress';

describe('run progress in the console', () => {
  it('counts progress by chunks, 100% only once a table has succeeded', () => {
    expect(percentDone({ status: 'running', chunksDone: 0, chunksTotal: 20 })).toBe(0);
    expect(percentDone({ status: 'running', chunksDone: 7, chunksTotal: 20 })).toBe(35);
    expect(percentDone({ status: 'running', chunksDone: 199, chunksTotal: 200 })).toBe(99);
    expect(percentDone({ status: 'pending', chunksDone: 0, chunksTotal: 0 })).toBe(0);
    expect(percentDone({ status: 'succeeded', chunksDone: 0, chunksTotal: 0 })).toBe(100);
    expect(runPercent([{ status: 'running', chunksDone: 10, chunksTotal: 10 }, { status: 'running', chunksDone: 0, chunksTotal: 30 }], 'running')).toBe(25);
    expect(runPercent([], 'queued')).toBe(0);
    expect(runPercent([{ status: 'succeeded', chunksDone: 3, chunksTotal: 3 }], 'succeeded')).toBe(100);
  });

  it('keeps one sample per change of the count and restarts after a count goes down', () => {
    let samples: Sample[] = [];
    samples = addSample(samples, { at: 0, rows: 0 });
    samples = addSample(samples, { at: 1000, rows: 0 });
    expect(samples).toEqual([{ at: 0, rows: 0 }]);
    samples = addSample(samples, { at: 2000, rows: 5000 });
    expect(samples).toHaveLength(2);
    samples = addSample(samples, { at: 3000, rows: 4000 });
    expect(samples).toEqual([{ at: 3000, rows: 4000 }]);
    for (let i = 1; i <= 100; i++) samples = addSample(samples, { at: 3000 + i * 1000, rows: 4000 + i });
    expect(samples).toHaveLength(60);
  });

  it('measures the rate over the recent window, slows down when rows stop, and falls back to the API average', () => {
    expect(currentRate([], 0, 123)).toBe(123);
    expect(currentRate([{ at: 0, rows: 0 }], 500, 42)).toBe(42);
    // Steady 1,000 rows/s for 30 s: the window sees the last 15 s of it.
    const steady = Array.from({ length: 31 }, (_, i) => ({ at: i * 1000, rows: i * 1000 }));
    expect(currentRate(steady, 30_000, null)).toBeCloseTo(1000, 5);
    // Faster lately: 5,000 rows/s in the last 10 s after 20 s at 1,000.
    const faster = [...steady.slice(0, 21), ...Array.from({ length: 10 }, (_, i) => ({ at: 21_000 + i * 1000, rows: 20_000 + (i + 1) * 5000 }))];
    expect(currentRate(faster, 30_000, null)).toBeGreaterThan(3000);
    // Nothing new for a minute: the rate decays instead of repeating the last speed.
    expect(currentRate(steady, 90_000, null)).toBeLessThan(20);
  });

  it('estimates the time left from the rows per chunk so far and the rate', () => {
    const table = { status: 'running', rowsWritten: 10_000, chunksDone: 10, chunksTotal: 40, rowsPerSecond: 500 };
    expect(etaSeconds(table, 1000)).toBe(30);
    expect(etaSeconds({ ...table, rowsWritten: '10000' }, 2000)).toBe(15);
    expect(etaSeconds({ ...table, chunksDone: 0, rowsWritten: 0 }, 1000)).toBeNull();
    expect(etaSeconds(table, null)).toBeNull();
    expect(etaSeconds(table, 0)).toBeNull();
    expect(etaSeconds({ ...table, chunksDone: 40 }, 1000)).toBe(0);
    expect(etaSeconds({ ...table, status: 'failed' }, 1000)).toBeNull();
  });

  it('formats durations and rates for people', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(0.4)).toBe('0 s');
    expect(formatDuration(75)).toBe('1 min 15 s');
    expect(formatDuration(4000)).toBe('1 h 6 min');
    expect(formatDuration(3 * 86400 + 7200)).toBe('3 d 2 h');
    expect(formatRate(8571.4)).toBe('8,571 rows/s');
    expect(formatRate(null)).toBe('—');
  });
});
