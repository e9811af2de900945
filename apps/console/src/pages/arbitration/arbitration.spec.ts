import { checkDiffForm } from './diff-form';
import { arbiterKey, valueText } from './values';

type Entries = Parameters<typeof checkDiffForm>[2];
const entry = (reference: string) => ({ uid: 1, reference, others: {}, keyColumns: [], columns: [], where: '' });

describe('arbitration pages: values, keys and the diff form', () => {
  it("shows a row's lossless JSON values as text: 64-bit integers, bytes as hex, NULL said, JSON as written", () => {
    expect(valueText({ $int: '9007199254740993' })).toBe('9007199254740993');
    expect(valueText({ $bytes: 'AP8=' })).toBe('0x00ff');
    expect(valueText(null)).toBe('NULL');
    expect(valueText('')).toBe('');
    expect(valueText('10.50')).toBe('10.50');
    expect(valueText(6250)).toBe('6250');
    expect(valueText(true)).toBe('true');
  });

  it("writes a one-column key as its value for the arbiter's key, a composite key as an object by column", () => {
    expect(arbiterKey([{ $int: '42' }], [])).toBe('42');
    expect(arbiterKey(['Apple'], ['name'])).toBe('Apple');
    expect(JSON.parse(arbiterKey(['eu', { $int: '9007199254740993' }], ['region', 'seq']))).toEqual({ region: 'eu', seq: '9007199254740993' });
  });

  it('names the fields the API would name before any call', () => {
    expect(checkDiffForm('', [], [], '', '')).toEqual({
      referenceId: expect.any(String),
      otherIds: expect.any(String),
      tables: expect.any(String),
    });
    const entries: Entries = [entry('public.orders'), entry('orders'), entry('sales.*')];
    expect(Object.keys(checkDiffForm('a', ['b'], entries, '1', '0'))).toEqual(['tables[1].reference', 'options.bisectionFactor', 'options.bisectionThreshold']);
    expect(checkDiffForm('a', ['b'], [entry('public.orders')], '32', '16384')).toEqual({});
  });
});
