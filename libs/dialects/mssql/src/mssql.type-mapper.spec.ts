import { NEUTRAL_TYPE_SAMPLES, renderNeutralType, roundTripType, type NeutralType } from '@dbferry/dialects-core';
import { mssqlTypeMapper as ms } from './mssql.type-mapper';

const mappedOf = (text: string) => ms.toNeutral(ms.parseNativeType(text));

describe('mssql toNeutral', () => {
  it.each([
    ['bit', 'bool'],
    ['tinyint', 'uint8'],
    ['smallint', 'int16'],
    ['int', 'int32'],
    ['bigint', 'int64'],
    ['decimal(18,4)', 'decimal(18,4)'],
    ['numeric', 'decimal(18,0)'],
    ['money', 'decimal(19,4)'],
    ['smallmoney', 'decimal(10,4)'],
    ['real', 'float32'],
    ['float', 'float64'],
    ['float(24)', 'float32'],
    ['nchar(10)', 'char(10)'],
    ['varchar(100)', 'string(100)'],
    ['nvarchar(100)', 'string(100)'],
    ['nvarchar(max)', 'text'],
    ['varchar(MAX)', 'text'],
    ['ntext', 'text'],
    ['binary(16)', 'binary(16)'],
    ['varbinary(256)', 'varbinary(256)'],
    ['varbinary(max)', 'blob'],
    ['image', 'blob'],
    ['uniqueidentifier', 'uuid'],
    ['xml', 'xml'],
    ['date', 'date'],
    ['time', 'time(7)'],
    ['datetime2', 'timestamp(7)'],
    ['datetime2(7)', 'timestamp(7)'],
    ['datetime2(3)', 'timestamp(3)'],
    ['datetimeoffset', 'timestamptz(7)'],
    ['[datetimeoffset](3)', 'timestamptz(3)'],
  ])('%s → %s', (native, neutral) => {
    expect(renderNeutralType(mappedOf(native).type)).toBe(neutral);
  });

  it('takes INFORMATION_SCHEMA lengths, with -1 for max', () => {
    expect(ms.toNeutral({ dataType: 'nvarchar', length: -1 }).type).toEqual({ kind: 'text' });
    expect(ms.toNeutral({ dataType: 'nvarchar', length: 40 }).type).toEqual({ kind: 'string', length: 40 });
    expect(ms.toNeutral({ dataType: 'datetime2', precision: 2 }).type).toEqual({ kind: 'timestamp', precision: 2 });
  });

  it.each([
    ['datetime', 'timestamp(3)', '1/300'],
    ['smalldatetime', 'timestamp(0)', 'minute'],
    ['rowversion', 'binary(8)', 'server'],
    ['timestamp', 'binary(8)', 'rowversion'],
    ['sql_variant', 'text', 'base type'],
    ['geography', 'blob', 'serialization'],
  ])('%s → %s with a warning', (native, neutral, warning) => {
    const mapped = mappedOf(native);
    expect(renderNeutralType(mapped.type)).toBe(neutral);
    expect(mapped.warnings.join(' ')).toContain(warning);
  });
});

describe('mssql fromNeutral', () => {
  it.each<[NeutralType, string, string | undefined]>([
    [{ kind: 'bool' }, 'bit', undefined],
    [{ kind: 'int8' }, 'smallint', undefined],
    [{ kind: 'uint8' }, 'tinyint', undefined],
    [{ kind: 'uint16' }, 'int', undefined],
    [{ kind: 'uint32' }, 'bigint', undefined],
    [{ kind: 'int64' }, 'bigint', undefined],
    [{ kind: 'uint64' }, 'decimal(20,0)', undefined],
    [{ kind: 'decimal' }, 'decimal(38,10)', 'unbounded-decimal-bounded'],
    [{ kind: 'decimal', precision: 38, scale: 10 }, 'decimal(38,10)', undefined],
    [{ kind: 'decimal', precision: 50, scale: 20 }, 'decimal(38,8)', 'decimal-precision-reduced'],
    [{ kind: 'float32' }, 'real', undefined],
    [{ kind: 'float64' }, 'float', undefined],
    [{ kind: 'string', length: 4000 }, 'nvarchar(4000)', undefined],
    [{ kind: 'string', length: 4001 }, 'nvarchar(max)', undefined],
    [{ kind: 'string' }, 'nvarchar(max)', undefined],
    [{ kind: 'char', length: 2 }, 'nchar(2)', undefined],
    [{ kind: 'text' }, 'nvarchar(max)', undefined],
    [{ kind: 'uuid' }, 'uniqueidentifier', undefined],
    [{ kind: 'json', binary: true }, 'nvarchar(max)', undefined],
    [{ kind: 'xml' }, 'xml', undefined],
    [{ kind: 'binary', length: 16, fixed: true }, 'binary(16)', undefined],
    [{ kind: 'binary', length: 9000 }, 'varbinary(max)', undefined],
    [{ kind: 'blob' }, 'varbinary(max)', undefined],
    [{ kind: 'bit', length: 12 }, 'binary(2)', 'bit-string-reshaped'],
    [{ kind: 'time', precision: 3 }, 'time(3)', undefined],
    [{ kind: 'time', withTimeZone: true }, 'time(6)', 'timezone-offset-dropped'],
    [{ kind: 'timestamp', precision: 7 }, 'datetime2(7)', undefined],
    [{ kind: 'timestamp', precision: 9 }, 'datetime2(7)', 'fractional-seconds-truncated'],
    [{ kind: 'timestamp' }, 'datetime2(6)', undefined],
    [{ kind: 'timestamptz', precision: 3 }, 'datetimeoffset(3)', undefined],
    [{ kind: 'interval' }, 'nvarchar(64)', 'interval-as-text'],
    [{ kind: 'set', values: ['read', 'write'] }, 'nvarchar(10)', 'set-as-text'],
    [{ kind: 'array', of: { kind: 'int32' } }, 'nvarchar(max)', 'array-as-json'],
  ])('%j → %s', (type, native, lossKind) => {
    const result = ms.fromNeutral(type);
    expect(result.native).toBe(native);
    expect(result.lossy?.kind).toBe(lossKind);
  });

  it('keeps an enum as nvarchar with a CHECK of N-prefixed labels', () => {
    const result = ms.fromNeutral({ kind: 'enum', values: ['klein', 'größer'] });
    expect(result.native).toBe('nvarchar(6)');
    expect(result.check?.('[size]')).toBe(`[size] IN (N'klein', N'größer')`);
  });

  it('adds an ISJSON check on request', () => {
    expect(ms.fromNeutral({ kind: 'json' }).check).toBeUndefined();
    expect(ms.fromNeutral({ kind: 'json' }, { jsonCheck: true }).check?.('[doc]')).toBe('ISJSON([doc]) = 1');
    expect(ms.fromNeutral({ kind: 'array', of: { kind: 'text' } }, { jsonCheck: true }).check?.('[a]')).toBe('ISJSON([a]) = 1');
  });

  it('returns an override verbatim', () => {
    expect(ms.fromNeutral({ kind: 'string', length: 10 }, { override: 'varchar(10)' })).toEqual({ native: 'varchar(10)' });
  });
});

const DOCUMENTED_ROUND_TRIP: Record<string, string> = {
  int8: 'int16',
  uint16: 'int32',
  uint32: 'int64',
  uint64: 'decimal(20,0)',
  'decimal(70,10)': 'decimal(38,0)',
  decimal: 'decimal(38,10)',
  'string(5000)': 'text',
  string: 'text',
  'text(65535)': 'text',
  json: 'text',
  jsonb: 'text',
  'bit(8)': 'binary(1)',
  'varbit(16)': 'varbinary(2)',
  'timetz(3)': 'time(3)',
  timestamp: 'timestamp(6)',
  interval: 'string(64)',
  'interval year to month': 'string(64)',
  'interval day to second': 'string(64)',
  "set('read','write')": 'string(10)',
  'array<int32>': 'text',
  'array<text>': 'text',
  'array<decimal(10,2)>': 'text',
};

describe('mssql round trip', () => {
  it.each(NEUTRAL_TYPE_SAMPLES.map((t) => [renderNeutralType(t), t] as const))('%s', (text, type) => {
    const { back } = roundTripType(ms, type);
    expect(renderNeutralType(back.type)).toBe(DOCUMENTED_ROUND_TRIP[text] ?? text);
  });
});
