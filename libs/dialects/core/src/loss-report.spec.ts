import { describeValueLoss, sumValueLosses, truncateFraction, ValueLossCounter } from './loss-report';

describe('value losses', () => {
  it('sums counts per (column, kind) over batches, in order of first appearance', () => {
    const batch1 = [{ column: 'd', kind: 'zero-date' as const, count: 1 }];
    const batch2 = [
      { column: 't', kind: 'nul-stripped' as const, count: 2 },
      { column: 'd', kind: 'zero-date' as const, count: 1 },
      { column: 'd', kind: 'nul-stripped' as const, count: 0 },
    ];
    expect(sumValueLosses(batch1, undefined, batch2)).toEqual([
      { column: 'd', kind: 'zero-date', count: 2 },
      { column: 't', kind: 'nul-stripped', count: 2 },
    ]);
    expect(batch1[0].count).toBe(1);
  });

  it('counts as losses happen and starts again after take()', () => {
    const counter = new ValueLossCounter();
    counter.add('a', 'zero-date');
    counter.add('a', 'zero-date', 2);
    expect(counter.take()).toEqual([{ column: 'a', kind: 'zero-date', count: 3 }]);
    expect(counter.list()).toEqual([]);
  });

  it('says the summed count in one sentence', () => {
    expect(describeValueLoss({ column: 'created_at', kind: 'zero-date', count: 3 }, 'orders')).toBe("orders.created_at: 3 zero dates ('0000-00-00') became NULL");
    expect(describeValueLoss({ column: 'd', kind: 'zero-date', count: 1 })).toBe("d: 1 zero date ('0000-00-00') became NULL");
    expect(describeValueLoss({ column: 'b', kind: 'nul-stripped', count: 2 }, 't')).toBe('t.b: NUL characters (U+0000) removed from 2 values; PostgreSQL text cannot hold them');
  });

  it('truncates fractions, never rounds, and says when a non-zero digit went', () => {
    expect(truncateFraction('9999-12-31 23:59:59.9999999', 6)).toEqual({ text: '9999-12-31 23:59:59.999999', changed: true });
    expect(truncateFraction('2000-01-01 00:00:00.123456789+05:30', 7)).toEqual({ text: '2000-01-01 00:00:00.1234567+05:30', changed: true });
    expect(truncateFraction('12:00:00.5000000', 6)).toEqual({ text: '12:00:00.500000', changed: false });
    expect(truncateFraction('12:00:00.5', 0)).toEqual({ text: '12:00:00', changed: true });
    expect(truncateFraction('12:00:00.123', 6)).toEqual({ text: '12:00:00.123', changed: false });
    expect(truncateFraction('2000-01-01 00:00:00', 6)).toEqual({ text: '2000-01-01 00:00:00', changed: false });
    expect(truncateFraction('2000-01-01', 0)).toEqual({ text: '2000-01-01', changed: false });
  });
});
