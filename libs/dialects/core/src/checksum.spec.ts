import { canonicalJson, ChecksumAccumulator, normalizeDecimal, normalizeValue } from './checksum';

describe('checksum normalisation', () => {
  it.each([
    ['12.50', '12.5'], ['-0.00', '0'], ['+007.0', '7'], ['-.5', '-0.5'], ['100', '100'], ['0.000100', '0.0001'],
    ['-123456789012345678901234567890.123456780', '-123456789012345678901234567890.12345678'],
  ])('decimal %s → %s', (input, out) => expect(normalizeDecimal(input)).toBe(out));

  it('sorts JSON keys and drops whitespace', () => {
    expect(canonicalJson('{ "b": [1, {"z":1,"a":2}], "a": "ü" }')).toBe('{"a":"ü","b":[1,{"a":2,"z":1}]}');
  });

  it('normalises time fractions, zones, binaries, chars and 64-bit integers', () => {
    expect(normalizeValue({ kind: 'timestamp', precision: 6 }, '2024-01-02 03:04:05.120000')).toBe('2024-01-02 03:04:05.12');
    expect(normalizeValue({ kind: 'timestamptz', precision: 6 }, '2024-01-02 03:04:05.000000+00:00')).toBe('2024-01-02 03:04:05');
    expect(normalizeValue({ kind: 'blob' }, Buffer.from([0, 255]))).toBe('00ff');
    expect(normalizeValue({ kind: 'char', length: 5 }, 'ab   ')).toBe('ab');
    expect(normalizeValue({ kind: 'int64' }, 9223372036854775807n)).toBe('9223372036854775807');
    expect(normalizeValue({ kind: 'bool' }, false)).toBe('0');
    expect(normalizeValue({ kind: 'float64' }, 0.1)).toBe('1.00000000000000e-1');
  });

  it('is order independent and sensitive to any value', () => {
    const types = [{ kind: 'int32' as const }, { kind: 'text' as const }];
    const rows = [[1, 'a'], [2, 'b'], [3, null]];
    const forward = new ChecksumAccumulator(types);
    rows.forEach((r) => forward.add(r));
    const backward = new ChecksumAccumulator(types);
    [...rows].reverse().forEach((r) => backward.add(r));
    expect(forward.hash).toBe(backward.hash);
    expect(forward.hash).toMatch(/^[0-9a-f]{16}$/);
    const changed = new ChecksumAccumulator(types);
    [[1, 'a'], [2, 'B'], [3, null]].forEach((r) => changed.add(r));
    expect(changed.hash).not.toBe(forward.hash);
    const nullVsEmpty = new ChecksumAccumulator(types);
    [[1, 'a'], [2, 'b'], [3, '']].forEach((r) => nullVsEmpty.add(r));
    expect(nullVsEmpty.hash).not.toBe(forward.hash);
  });
});
