import { NEUTRAL_TYPE_SAMPLES, renderNeutralType, roundTripType, type NeutralType } from '@dbferry/dialects-core';
import { mysqlTypeMapper as my } from './mysql.type-mapper';

const neutralOf = (text: string): string => renderNeutralType(my.toNeutral(my.parseNativeType(text)).type);

describe('mysql toNeutral', () => {
  it.each([
    ['tinyint(1)', 'bool'],
    ['tinyint(1) unsigned', 'bool'],
    ['boolean', 'bool'],
    ['tinyint', 'int8'],
    ['tinyint(4)', 'int8'],
    ['tinyint unsigned', 'uint8'],
    ['smallint unsigned', 'uint16'],
    ['mediumint', 'int32'],
    ['mediumint unsigned', 'int32'],
    ['int(11)', 'int32'],
    ['int unsigned', 'uint32'],
    ['int(10) unsigned zerofill', 'uint32'],
    ['bigint', 'int64'],
    ['bigint unsigned', 'uint64'],
    ['year', 'int16'],
    ['decimal(12,2)', 'decimal(12,2)'],
    ['decimal', 'decimal(10,0)'],
    ['float', 'float32'],
    ['double', 'float64'],
    ['bit(1)', 'bool'],
    ['bit(12)', 'bit(12)'],
    ['char(2)', 'char(2)'],
    ['varchar(255)', 'string(255)'],
    ['tinytext', 'text(255)'],
    ['text', 'text(65535)'],
    ['mediumtext', 'text(16777215)'],
    ['longtext', 'text'],
    ['binary(16)', 'binary(16)'],
    ['varbinary(20)', 'varbinary(20)'],
    ['tinyblob', 'blob(255)'],
    ['blob', 'blob(65535)'],
    ['mediumblob', 'blob(16777215)'],
    ['longblob', 'blob'],
    ["enum('a','b,c','it''s')", "enum('a','b,c','it''s')"],
    ["set('read','write')", "set('read','write')"],
    ['date', 'date'],
    ['time', 'time(0)'],
    ['time(3)', 'time(3)'],
    ['datetime', 'timestamp(0)'],
    ['datetime(6)', 'timestamp(6)'],
    ['timestamp', 'timestamptz(0)'],
    ['timestamp(3)', 'timestamptz(3)'],
    ['json', 'jsonb'],
    // MariaDB 10.7+'s own type (it was read as text, with an "unknown type" warning).
    ['uuid', 'uuid'],
  ])('%s → %s', (native, neutral) => {
    expect(neutralOf(native)).toBe(neutral);
  });

  it('reads the display width from COLUMN_TYPE when the catalogue gives DATA_TYPE and precision', () => {
    const info = { dataType: 'tinyint', columnType: 'tinyint(1)', precision: 3, scale: 0 };
    expect(my.toNeutral(info).type).toEqual({ kind: 'bool' });
    expect(my.toNeutral({ dataType: 'datetime', precision: 3 }).type).toEqual({ kind: 'timestamp', precision: 3 });
  });

  it('reads spatial types as blobs with a warning', () => {
    const mapped = my.toNeutral(my.parseNativeType('point'));
    expect(mapped.type).toEqual({ kind: 'blob' });
    expect(mapped.warnings).toHaveLength(1);
  });

  it('flags serial as identity', () => {
    expect(my.toNeutral(my.parseNativeType('serial'))).toEqual({ type: { kind: 'uint64' }, warnings: [], identity: true });
  });
});

describe('mysql fromNeutral', () => {
  it.each<[NeutralType, string, string | undefined]>([
    [{ kind: 'bool' }, 'tinyint(1)', undefined],
    [{ kind: 'uint64' }, 'bigint unsigned', undefined],
    [{ kind: 'decimal', precision: 12, scale: 2 }, 'decimal(12,2)', undefined],
    [{ kind: 'decimal' }, 'decimal(65,30)', 'unbounded-decimal-bounded'],
    [{ kind: 'decimal', precision: 70, scale: 10 }, 'decimal(65,5)', 'decimal-precision-reduced'],
    [{ kind: 'decimal', precision: 40, scale: 35 }, 'decimal(40,30)', 'decimal-precision-reduced'],
    [{ kind: 'float32' }, 'float', undefined],
    [{ kind: 'string', length: 16_383 }, 'varchar(16383)', undefined],
    [{ kind: 'string', length: 16_384 }, 'mediumtext', undefined],
    [{ kind: 'string', length: 5_000_000 }, 'longtext', undefined],
    [{ kind: 'string' }, 'longtext', undefined],
    [{ kind: 'char', length: 300 }, 'varchar(300)', undefined],
    [{ kind: 'text' }, 'longtext', undefined],
    [{ kind: 'text', length: 255 }, 'tinytext', undefined],
    [{ kind: 'text', length: 65_535 }, 'text', undefined],
    [{ kind: 'text', length: 16_777_215 }, 'mediumtext', undefined],
    [{ kind: 'uuid' }, 'char(36)', undefined],
    [{ kind: 'json' }, 'json', undefined],
    [{ kind: 'json', binary: true }, 'json', undefined],
    [{ kind: 'binary', length: 16, fixed: true }, 'binary(16)', undefined],
    [{ kind: 'binary', length: 100 }, 'varbinary(100)', undefined],
    [{ kind: 'blob' }, 'longblob', undefined],
    [{ kind: 'bit', length: 12 }, 'bit(12)', undefined],
    [{ kind: 'bit', length: 100 }, 'varbinary(13)', 'bit-string-reshaped'],
    [{ kind: 'time', precision: 3, withTimeZone: true }, 'time(3)', 'timezone-offset-dropped'],
    [{ kind: 'timestamp', precision: 0 }, 'datetime', undefined],
    [{ kind: 'timestamp' }, 'datetime(6)', undefined],
    [{ kind: 'timestamp', precision: 7 }, 'datetime(6)', 'fractional-seconds-truncated'],
    [{ kind: 'timestamptz', precision: 6 }, 'datetime(6)', 'timezone-offset-dropped'],
    [{ kind: 'interval' }, 'varchar(64)', 'interval-as-text'],
    [{ kind: 'enum', values: ['a', "it's", 'back\\slash'] }, "enum('a','it''s','back\\\\slash')", undefined],
    [{ kind: 'set', values: ['r', 'w'] }, "set('r','w')", undefined],
    [{ kind: 'array', of: { kind: 'int32' } }, 'json', 'array-as-json'],
  ])('%j → %s', (type, native, lossKind) => {
    const result = my.fromNeutral(type);
    expect(result.native).toBe(native);
    expect(result.lossy?.kind).toBe(lossKind);
  });

  it('never uses TIMESTAMP for timestamptz, and says the offset is lost', () => {
    const result = my.fromNeutral({ kind: 'timestamptz', precision: 7 });
    expect(result.native).toBe('datetime(6)');
    expect(result.lossy?.description).toMatch(/offset not kept; stored in UTC.*Also: 7 fractional-second digits/);
  });

  it('writes uuid as binary(16) on request, and overrides verbatim', () => {
    expect(my.fromNeutral({ kind: 'uuid' }, { uuidAsBinary: true }).native).toBe('binary(16)');
    expect(my.fromNeutral({ kind: 'text' }, { override: 'mediumtext' })).toEqual({ native: 'mediumtext' });
  });
});

const DOCUMENTED_ROUND_TRIP: Record<string, string> = {
  'decimal(70,10)': 'decimal(65,5)',
  decimal: 'decimal(65,30)',
  string: 'text',
  uuid: 'char(36)',
  json: 'jsonb',
  xml: 'text',
  'varbit(16)': 'bit(16)',
  'timetz(3)': 'time(3)',
  timestamp: 'timestamp(6)',
  'timestamp(7)': 'timestamp(6)',
  'timestamptz(6)': 'timestamp(6)',
  'timestamptz(7)': 'timestamp(6)',
  interval: 'string(64)',
  'interval year to month': 'string(64)',
  'interval day to second': 'string(64)',
  'array<int32>': 'jsonb',
  'array<text>': 'jsonb',
  'array<decimal(10,2)>': 'jsonb',
};

describe('mysql round trip', () => {
  it.each(NEUTRAL_TYPE_SAMPLES.map((t) => [renderNeutralType(t), t] as const))('%s', (text, type) => {
    const { back } = roundTripType(my, type);
    expect(renderNeutralType(back.type)).toBe(DOCUMENTED_ROUND_TRIP[text] ?? text);
  });
});
