import { barWidth } from './progress';

describe('barWidth', () => {
  // The visible line without the bar, at its widest: what cli-progress draws around the bar.
  const line = (name: string, rows: number, bar: number) =>
    `${name} [${'█'.repeat(bar)}] 100% | ${rows}/${rows} rows | 12345678 rows/s | ETA 12h34m`;

  it.each([
    [80, 'public.items', 500],
    [80, 'sales.order_items_archive_2026', 12_000_000],
    [100, 'public.items', 1_000_000],
    [60, 'public.items', 500],
  ])('fits a %i-column terminal with %s of %i rows, rate and ETA included', (columns, name, rows) => {
    const bar = barWidth(columns, name.length, rows);
    expect(bar).toBeGreaterThanOrEqual(10);
    expect(bar).toBeLessThanOrEqual(40);
    if (bar > 10) expect(line(name, rows, bar).length).toBeLessThan(columns);
  });

  it('keeps 40 on a wide terminal and 10 at least on a narrow one', () => {
    expect(barWidth(200, 12, 500)).toBe(40);
    expect(barWidth(30, 40, 10_000_000)).toBe(10);
  });

  it('takes 80 columns when the stream does not say (a pseudo-terminal without a size)', () => {
    expect(barWidth(undefined, 12, 500)).toBe(barWidth(80, 12, 500));
    expect(barWidth(0, 12, 500)).toBe(barWidth(80, 12, 500));
  });
});
