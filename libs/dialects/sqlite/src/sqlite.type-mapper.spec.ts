import { NEUTRAL_TYPE_SAMPLES, renderNeutralType, roundTripType, type NeutralType } from '@dbferry/dialects-core';
import { sqliteTypeMapper as lite } from './sqlite.type-mapper';

const mappedOf = (text: string) => lite.toNeutral(lite.parseNativeType(text));

describe('sqlite toNeutral', () => {
  it.each([
    ['INTEGER', 'int64'],
    ['INT', 'int32'],
    ['BIGINT', 'int64'],
    ['INT UNSIGNED', 'uint32'],
    ['UNSIGNED BIG INT', 'uint64'],
    ['BOOLEAN', 'bool'],
    ['BIT', 'bool'],
    ['REAL', 'float64'],
    ['DOUBLE PRECISION', 'float64'],
    ['FLOAT', 'float64'],
    ['FLOAT4', 'float32'],
    ['NUMERIC', 'decimal'],
    ['DECIMAL(12,2)', 'decimal(12,2)'],
    ['DECIMAL_TEXT(38,10)', 'decimal(38,10)'],
    ['TEXT', 'text'],
    ['VARCHAR(20)', 'string(20)'],
    ['NVARCHAR(20)', 'string(20)'],
    ['CHARACTER(3)', 'char(3)'],
    ['CLOB', 'text'],
    ['BLOB', 'blob'],
    ['DATE', 'date'],
    ['DATETIME', 'timestamp'],
    ['TIMESTAMP(6)', 'timestamp(6)'],
    ['TIMESTAMPTZ(3)', 'timestamptz(3)'],
    ['UUID', 'uuid'],
    ['JSON', 'json'],
    ['JSONB', 'jsonb'],
    ['ARRAY_INT', 'array<int32>'],
    ['INTEGER[]', 'array<int64>'],
  ])('%s → %s', (declared, neutral) => {
    expect(renderNeutralType(mappedOf(declared).type)).toBe(neutral);
  });

  it.each([
    ['MEDIUM INTEGER THING', 'int64', 'INTEGER affinity'],
    ['STRING', 'decimal', 'NUMERIC affinity'],
    ['FLOATING POINT', 'int64', 'INTEGER affinity'],
    ['NATIVE TEXTUAL', 'text', 'TEXT affinity'],
    ['BLOBBY', 'blob', 'BLOB affinity'],
    ['DOUB', 'float64', 'REAL affinity'],
    ['', 'text', 'no declared type'],
    ['DECIMAL(20,2)', 'decimal(20,2)', '15 significant digits'],
  ])('falls back to affinity: %s → %s', (declared, neutral, warning) => {
    const mapped = mappedOf(declared);
    expect(renderNeutralType(mapped.type)).toBe(neutral);
    expect(mapped.warnings.join(' ')).toContain(warning);
  });

  it('reads enum labels that the introspector found in a CHECK, or falls back to text', () => {
    expect(lite.toNeutral({ dataType: 'ENUM_TEXT', enumValues: ['a', 'b'] }).type).toEqual({ kind: 'enum', values: ['a', 'b'] });
    const bare = mappedOf('ENUM_TEXT');
    expect(bare.type).toEqual({ kind: 'text' });
    expect(bare.warnings).toHaveLength(1);
  });
});

describe('sqlite fromNeutral', () => {
  it.each<[NeutralType, string]>([
    [{ kind: 'bool' }, 'BOOLEAN'],
    [{ kind: 'int64' }, 'BIGINT'],
    [{ kind: 'uint32' }, 'INT UNSIGNED'],
    [{ kind: 'uint64' }, 'UNSIGNED64_TEXT'],
    [{ kind: 'decimal', precision: 12, scale: 2 }, 'DECIMAL_TEXT(12,2)'],
    [{ kind: 'decimal', precision: 38, scale: 10 }, 'DECIMAL_TEXT(38,10)'],
    [{ kind: 'decimal' }, 'DECIMAL_TEXT'],
    [{ kind: 'float32' }, 'FLOAT4'],
    [{ kind: 'float64' }, 'REAL'],
    [{ kind: 'string', length: 20 }, 'VARCHAR(20)'],
    [{ kind: 'uuid' }, 'UUID'],
    [{ kind: 'json' }, 'JSON_TEXT'],
    [{ kind: 'json', binary: true }, 'JSONB_TEXT'],
    [{ kind: 'timestamp', precision: 6 }, 'TIMESTAMP(6)'],
    [{ kind: 'timestamptz', precision: 3 }, 'TIMESTAMPTZ(3)'],
    [{ kind: 'time', precision: 3, withTimeZone: true }, 'TIMETZ(3)'],
    [{ kind: 'interval', fields: 'year-month' }, 'INTERVAL_YEAR_TO_MONTH'],
    [{ kind: 'bit', length: 12 }, 'BIT_TEXT(12)'],
    [{ kind: 'array', of: { kind: 'uint8' } }, 'ARRAY_TINYINT_UNSIGNED'],
    [{ kind: 'array', of: { kind: 'decimal', precision: 30, scale: 2 } }, 'ARRAY_DECIMAL_TEXT(30,2)'],
  ])('%j → %s', (type, native) => {
    const result = lite.fromNeutral(type);
    expect(result).toEqual({ native });
  });

  it('writes an enum as ENUM_TEXT with a CHECK of its labels', () => {
    const result = lite.fromNeutral({ kind: 'enum', values: ['a', 'b'] });
    expect(result.native).toBe('ENUM_TEXT');
    expect(result.check?.('"c"')).toBe(`"c" IN ('a', 'b')`);
  });

  it('never writes a declared type whose affinity would change the values', () => {
    // https://www.sqlite.org/datatype3.html#determination_of_column_affinity, in its order.
    const affinity = (declared: string): string => {
      const t = declared.toUpperCase();
      if (t.includes('INT')) return 'INTEGER';
      if (/CHAR|CLOB|TEXT/.test(t)) return 'TEXT';
      if (t.includes('BLOB') || t === '') return 'BLOB';
      if (/REAL|FLOA|DOUB/.test(t)) return 'REAL';
      return 'NUMERIC';
    };
    const needsText = (t: NeutralType): boolean =>
      t.kind === 'uint64' ||
      t.kind === 'json' ||
      t.kind === 'bit' ||
      t.kind === 'enum' ||
      t.kind === 'set' ||
      t.kind === 'decimal';
    for (const type of NEUTRAL_TYPE_SAMPLES.filter(needsText)) {
      expect([renderNeutralType(type), affinity(lite.fromNeutral(type).native)]).toEqual([renderNeutralType(type), 'TEXT']);
    }
    // NUMERIC affinity would store 77.70 as the REAL 77.7 even at 12 digits.
    for (const precision of [1, 12, 15]) expect(affinity(lite.fromNeutral({ kind: 'decimal', precision, scale: 0 }).native)).toBe('TEXT');
  });

  it('returns an override verbatim', () => {
    expect(lite.fromNeutral({ kind: 'int64' }, { override: 'INTEGER' })).toEqual({ native: 'INTEGER' });
  });
});

/** SQLite keeps declared types, so everything comes back but a set's labels (no CHECK holds them). */
const DOCUMENTED_ROUND_TRIP: Record<string, string> = {
  "set('read','write')": 'text',
};

describe('sqlite round trip', () => {
  it.each(NEUTRAL_TYPE_SAMPLES.map((t) => [renderNeutralType(t), t] as const))('%s', (text, type) => {
    const { back } = roundTripType(lite, type);
    expect(renderNeutralType(back.type)).toBe(DOCUMENTED_ROUND_TRIP[text] ?? text);
  });
});
