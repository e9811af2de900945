import { NEUTRAL_TYPE_SAMPLES, renderNeutralType, roundTripType, type NeutralType } from '@dbferry/dialects-core';
import { oracleTypeMapper as ora } from './oracle.type-mapper';

const mappedOf = (text: string) => ora.toNeutral(ora.parseNativeType(text));

describe('oracle toNeutral', () => {
  it.each([
    ['NUMBER(1)', 'int16'],
    ['NUMBER(4)', 'int16'],
    ['NUMBER(5)', 'int32'],
    ['NUMBER(9,0)', 'int32'],
    ['NUMBER(10)', 'int64'],
    ['NUMBER(18)', 'int64'],
    ['NUMBER(19)', 'decimal(19,0)'],
    ['NUMBER(38)', 'decimal(38,0)'],
    ['NUMBER(12,2)', 'decimal(12,2)'],
    ['NUMBER', 'decimal'],
    ['NUMBER(*,0)', 'decimal(38,0)'],
    ['INTEGER', 'decimal(38,0)'],
    ['BINARY_FLOAT', 'float32'],
    ['BINARY_DOUBLE', 'float64'],
    ['FLOAT(49)', 'float64'],
    ['VARCHAR2(50 CHAR)', 'string(50)'],
    ['NVARCHAR2(50)', 'string(50)'],
    ['CHAR(2)', 'char(2)'],
    ['NCHAR(2)', 'char(2)'],
    ['CLOB', 'text'],
    ['NCLOB', 'text'],
    ['BLOB', 'blob'],
    ['RAW(16)', 'binary(16)'],
    ['RAW(200)', 'varbinary(200)'],
    ['DATE', 'timestamp(0)'],
    ['TIMESTAMP', 'timestamp(6)'],
    ['TIMESTAMP(3)', 'timestamp(3)'],
    ['TIMESTAMP(9)', 'timestamp(9)'],
    ['TIMESTAMP(6) WITH TIME ZONE', 'timestamptz(6)'],
    ['TIMESTAMP(6) WITH LOCAL TIME ZONE', 'timestamptz(6)'],
    ['INTERVAL YEAR(2) TO MONTH', 'interval year to month'],
    ['INTERVAL DAY(2) TO SECOND(6)', 'interval day to second'],
    ['XMLTYPE', 'xml'],
    ['JSON', 'jsonb'],
    ['BOOLEAN', 'bool'],
  ])('%s → %s', (native, neutral) => {
    expect(renderNeutralType(mappedOf(native).type)).toBe(neutral);
  });

  it('reads ALL_TAB_COLUMNS fields', () => {
    expect(ora.toNeutral({ dataType: 'NUMBER', precision: 12, scale: 2 }).type).toEqual({ kind: 'decimal', precision: 12, scale: 2 });
    expect(ora.toNeutral({ dataType: 'NUMBER', precision: null, scale: null }).type).toEqual({ kind: 'decimal' });
    expect(ora.toNeutral({ dataType: 'TIMESTAMP(3) WITH TIME ZONE' }).type).toEqual({ kind: 'timestamptz', precision: 3 });
  });

  it('reads RAW(16) as uuid on request', () => {
    expect(ora.toNeutral(ora.parseNativeType('RAW(16)'), { raw16AsUuid: true }).type).toEqual({ kind: 'uuid' });
    expect(ora.toNeutral(ora.parseNativeType('RAW(8)'), { raw16AsUuid: true }).type).toEqual({ kind: 'binary', length: 8 });
  });

  it('warns that byte-semantics lengths count bytes', () => {
    const mapped = ora.toNeutral({ dataType: 'VARCHAR2', length: 20, charSemantics: 'byte' });
    expect(mapped.type).toEqual({ kind: 'string', length: 20 });
    expect(mapped.warnings.join(' ')).toContain('counts bytes');
    expect(mappedOf('VARCHAR2(20 BYTE)').warnings).toHaveLength(1);
    expect(mappedOf('VARCHAR2(20 CHAR)').warnings).toHaveLength(0);
  });

  it('warns about FLOAT beyond double precision and negative scales', () => {
    expect(mappedOf('FLOAT(126)').warnings.join(' ')).toContain('38 digits');
    const negative = mappedOf('NUMBER(5,-2)');
    expect(negative.type).toEqual({ kind: 'int32' });
    expect(negative.warnings).toHaveLength(1);
  });
});

describe('oracle fromNeutral', () => {
  it.each<[NeutralType, string, string | undefined]>([
    [{ kind: 'bool' }, 'NUMBER(1)', undefined],
    [{ kind: 'int16' }, 'NUMBER(5)', undefined],
    [{ kind: 'int32' }, 'NUMBER(10)', undefined],
    [{ kind: 'int64' }, 'NUMBER(19)', undefined],
    [{ kind: 'uint64' }, 'NUMBER(20)', undefined],
    [{ kind: 'decimal', precision: 12, scale: 2 }, 'NUMBER(12,2)', undefined],
    [{ kind: 'decimal', precision: 50, scale: 10 }, 'NUMBER(38,0)', 'decimal-precision-reduced'],
    [{ kind: 'decimal' }, 'NUMBER', 'unbounded-decimal-bounded'],
    [{ kind: 'float32' }, 'BINARY_FLOAT', undefined],
    [{ kind: 'float64' }, 'BINARY_DOUBLE', undefined],
    [{ kind: 'string', length: 4000 }, 'VARCHAR2(4000 CHAR)', 'oracle-empty-is-null'],
    [{ kind: 'string', length: 4001 }, 'CLOB', 'oracle-empty-is-null'],
    [{ kind: 'char', length: 3 }, 'CHAR(3 CHAR)', 'oracle-empty-is-null'],
    [{ kind: 'text' }, 'CLOB', 'oracle-empty-is-null'],
    [{ kind: 'uuid' }, 'VARCHAR2(36)', undefined],
    [{ kind: 'xml' }, 'XMLTYPE', undefined],
    [{ kind: 'binary', length: 16, fixed: true }, 'RAW(16)', 'oracle-empty-is-null'],
    [{ kind: 'binary', length: 3000 }, 'BLOB', 'oracle-empty-is-null'],
    [{ kind: 'blob' }, 'BLOB', 'oracle-empty-is-null'],
    [{ kind: 'date' }, 'DATE', undefined],
    [{ kind: 'time', precision: 3 }, 'INTERVAL DAY(0) TO SECOND(3)', 'time-as-interval'],
    [{ kind: 'timestamp', precision: 0 }, 'DATE', undefined],
    [{ kind: 'timestamp', precision: 3 }, 'TIMESTAMP(3)', undefined],
    [{ kind: 'timestamp' }, 'TIMESTAMP(6)', undefined],
    [{ kind: 'timestamptz', precision: 7 }, 'TIMESTAMP(7) WITH TIME ZONE', undefined],
    [{ kind: 'interval' }, 'INTERVAL DAY(9) TO SECOND(6)', 'interval-months-folded'],
    [{ kind: 'interval', fields: 'year-month' }, 'INTERVAL YEAR(9) TO MONTH', undefined],
    [{ kind: 'interval', fields: 'day-second' }, 'INTERVAL DAY(9) TO SECOND(6)', undefined],
    [{ kind: 'set', values: ['read', 'write'] }, 'VARCHAR2(10 CHAR)', 'set-as-text'],
    [{ kind: 'array', of: { kind: 'int32' } }, 'CLOB', 'array-as-json'],
    [{ kind: 'bit', length: 12 }, 'RAW(2)', 'bit-string-reshaped'],
  ])('%j → %s', (type, native, lossKind) => {
    const result = ora.fromNeutral(type);
    expect(result.native).toBe(native);
    expect(result.lossy?.kind).toBe(lossKind);
  });

  it('notes that an empty string becomes NULL on every string and text column', () => {
    for (const type of NEUTRAL_TYPE_SAMPLES.filter((t) => t.kind === 'string' || t.kind === 'text' || t.kind === 'char')) {
      expect(ora.fromNeutral(type).lossy?.description).toContain("'' and NULL");
    }
  });

  it('checks booleans, JSON and enums', () => {
    expect(ora.fromNeutral({ kind: 'bool' }).check?.('"FLAG"')).toBe('"FLAG" IN (0, 1)');
    expect(ora.fromNeutral({ kind: 'json' }).check?.('"DOC"')).toBe('"DOC" IS JSON');
    const e = ora.fromNeutral({ kind: 'enum', values: ['s', "it's"] });
    expect(e.native).toBe('VARCHAR2(4 CHAR)');
    expect(e.check?.('"SIZE"')).toBe(`"SIZE" IN ('s', 'it''s')`);
    expect(e.lossy).toBeUndefined();
    expect(ora.fromNeutral({ kind: 'enum', values: ['', 'x'] }).lossy?.kind).toBe('oracle-empty-is-null');
  });

  it('writes uuid as RAW(16) on request, and overrides verbatim', () => {
    expect(ora.fromNeutral({ kind: 'uuid' }, { uuidAsBinary: true }).native).toBe('RAW(16)');
    expect(ora.fromNeutral({ kind: 'json' }, { override: 'JSON' })).toEqual({ native: 'JSON' });
  });
});

/** Oracle has no unsigned, boolean, time, or date without time, and reads NUMBER(p) by digits. */
const DOCUMENTED_ROUND_TRIP: Record<string, string> = {
  bool: 'int16',
  int8: 'int16',
  int16: 'int32',
  int32: 'int64',
  int64: 'decimal(19,0)',
  uint8: 'int16',
  uint16: 'int32',
  uint32: 'int64',
  uint64: 'decimal(20,0)',
  'decimal(70,10)': 'decimal(38,0)',
  'string(5000)': 'text',
  string: 'text',
  'text(65535)': 'text',
  uuid: 'string(36)',
  json: 'text',
  jsonb: 'text',
  'bit(8)': 'varbinary(1)',
  'varbit(16)': 'varbinary(2)',
  date: 'timestamp(0)',
  'time(3)': 'interval day to second',
  'timetz(3)': 'interval day to second',
  timestamp: 'timestamp(6)',
  interval: 'interval day to second',
  "set('read','write')": 'string(10)',
  'array<int32>': 'text',
  'array<text>': 'text',
  'array<decimal(10,2)>': 'text',
};

describe('oracle round trip', () => {
  it.each(NEUTRAL_TYPE_SAMPLES.map((t) => [renderNeutralType(t), t] as const))('%s', (text, type) => {
    const { back } = roundTripType(ora, type);
    expect(renderNeutralType(back.type)).toBe(DOCUMENTED_ROUND_TRIP[text] ?? text);
  });
});
