import { fitIdentifier } from './plan-tables';

describe('fitIdentifier (index names the plan makes up)', () => {
  it('keeps a name that fits, byte for byte', () => {
    expect(fitIdentifier('orders_customer_id_idx', 63)).toBe('orders_customer_id_idx');
    expect(fitIdentifier('x'.repeat(63), 63)).toBe('x'.repeat(63));
  });

  it('cuts a longer one to the limit with a hash suffix: deterministic, and distinct for distinct names', () => {
    const a = fitIdentifier(`${'p_'.repeat(32)}_a_idx`, 63);
    const b = fitIdentifier(`${'p_'.repeat(32)}_b_idx`, 63);
    expect(Buffer.byteLength(a)).toBe(63);
    expect(a).toMatch(/_[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(fitIdentifier(`${'p_'.repeat(32)}_a_idx`, 63)).toBe(a);
  });

  it('never splits a multi-byte character', () => {
    const fitted = fitIdentifier('é'.repeat(40), 63);
    expect(Buffer.byteLength(fitted)).toBeLessThanOrEqual(63);
    expect(fitted).toMatch(/^é+_[0-9a-f]{8}$/);
  });
});
