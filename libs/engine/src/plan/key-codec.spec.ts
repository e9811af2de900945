import { decodeKey, encodeKey } from './key-codec';

describe('key codec', () => {
  it('round-trips every key form through JSON exactly', () => {
    const key = [9223372036854775807n, -9223372036854775808n, 'a "quoted" 🐘', 42, 1.5, true, null, Buffer.from([0, 255]), '2024-01-01 00:00:00.000001'];
    const stored = JSON.parse(JSON.stringify(encodeKey(key)));
    expect(decodeKey(stored)).toEqual(key);
    expect(JSON.stringify(stored)).toContain('"$int":"9223372036854775807"');
  });

  it('keeps open bounds open', () => {
    expect(encodeKey(undefined)).toBeNull();
    expect(decodeKey(null)).toBeUndefined();
  });

  it('refuses non-finite numbers', () => {
    expect(() => encodeKey([Number.NaN])).toThrow(/cannot hold NaN/);
  });
});
