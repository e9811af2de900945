import { formatCount, keyText, secondsBetween, sinceFor } from './format';

describe('runs pages: formatting and filters', () => {
  it("shows a reject's key as its values, 64-bit integers and binary decoded", () => {
    expect(keyText([17])).toBe('17');
    expect(keyText([{ $int: '9223372036854775807' }, 'eu', { $bytes: 'AP8=' }])).toBe('9223372036854775807, eu, 0x00ff');
    expect(keyText([null, true])).toBe('null, true');
  });

  it('groups digits of counters, exact past 2^53', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount('12345678901234567890')).toBe('12,345,678,901,234,567,890');
    expect(formatCount(null)).toBe('—');
  });

  it('measures a duration to now while the run has not ended', () => {
    expect(secondsBetween(null, null)).toBeNull();
    expect(secondsBetween('2026-11-23T09:30:00Z', '2026-11-23T09:30:15Z')).toBe(15);
    expect(secondsBetween('2026-11-23T09:30:00Z', null, Date.parse('2026-11-23T09:31:00Z'))).toBe(60);
  });

  it("turns the list's time filter into the API's since, and nothing for any time", () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    expect(sinceFor('1h', now)).toBe('2026-11-23T11:00:00.000Z');
    expect(sinceFor('7d', now)).toBe('2026-11-16T12:00:00.000Z');
    expect(sinceFor(null, now)).toBeUndefined();
    expect(sinceFor('forever', now)).toBeUndefined();
  });
});
