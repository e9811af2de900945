import { NEUTRAL_TYPE_SAMPLES } from './type-mapping';
import { NEUTRAL_KINDS, renderNeutralType, sameType, type NeutralType } from './types';

describe('renderNeutralType', () => {
  it.each<[NeutralType, string]>([
    [{ kind: 'decimal', precision: 38, scale: 10 }, 'decimal(38,10)'],
    [{ kind: 'decimal', precision: 20 }, 'decimal(20,0)'],
    [{ kind: 'decimal' }, 'decimal'],
    [{ kind: 'timestamptz', precision: 6 }, 'timestamptz(6)'],
    [{ kind: 'timestamp' }, 'timestamp'],
    [{ kind: 'time', precision: 3, withTimeZone: true }, 'timetz(3)'],
    [{ kind: 'array', of: { kind: 'int32' } }, 'array<int32>'],
    [{ kind: 'array', of: { kind: 'array', of: { kind: 'string', length: 5 } } }, 'array<array<string(5)>>'],
    [{ kind: 'string' }, 'string'],
    [{ kind: 'char', length: 2 }, 'char(2)'],
    [{ kind: 'json', binary: true }, 'jsonb'],
    [{ kind: 'binary', length: 16, fixed: true }, 'binary(16)'],
    [{ kind: 'binary', length: 16 }, 'varbinary(16)'],
    [{ kind: 'bit', length: 5, varying: true }, 'varbit(5)'],
    [{ kind: 'interval', fields: 'year-month' }, 'interval year to month'],
    [{ kind: 'enum', values: ['a', "it's"] }, "enum('a','it''s')"],
    [{ kind: 'set', values: ['x,y'] }, "set('x,y')"],
    [{ kind: 'uint64' }, 'uint64'],
  ])('%j renders as %s', (type, text) => {
    expect(renderNeutralType(type)).toBe(text);
  });

  it('renders every sample differently, so sameType can compare renderings', () => {
    const rendered = NEUTRAL_TYPE_SAMPLES.map(renderNeutralType);
    expect(new Set(rendered).size).toBe(rendered.length);
  });

  it('has samples of every kind', () => {
    expect(new Set(NEUTRAL_TYPE_SAMPLES.map((t) => t.kind))).toEqual(new Set(NEUTRAL_KINDS));
  });
});

describe('sameType', () => {
  it('treats absent and default flags alike', () => {
    expect(sameType({ kind: 'json' }, { kind: 'json', binary: false })).toBe(true);
    expect(sameType({ kind: 'binary', length: 4 }, { kind: 'binary', length: 4, fixed: false })).toBe(true);
    expect(sameType({ kind: 'decimal', precision: 9 }, { kind: 'decimal', precision: 9, scale: 0 })).toBe(true);
  });

  it('tells apart what a target would create differently', () => {
    expect(sameType({ kind: 'json' }, { kind: 'json', binary: true })).toBe(false);
    expect(sameType({ kind: 'decimal' }, { kind: 'decimal', precision: 38, scale: 0 })).toBe(false);
    expect(sameType({ kind: 'timestamp', precision: 6 }, { kind: 'timestamptz', precision: 6 })).toBe(false);
    expect(sameType({ kind: 'enum', values: ['a', 'b'] }, { kind: 'enum', values: ['b', 'a'] })).toBe(false);
    expect(sameType({ kind: 'array', of: { kind: 'int32' } }, { kind: 'array', of: { kind: 'int64' } })).toBe(false);
  });
});
