import { NEUTRAL_TYPE_SAMPLES, renderNeutralType, roundTripType, type NeutralType } from '@dbferry/dialects-core';
import { postgresTypeMapper as pg } from './postgres.type-mapper';

const neutralOf = (text: string): string => renderNeutralType(pg.toNeutral(pg.parseNativeType(text)).type);

describe('postgres toNeutral', () => {
  it.each([
    ['boolean', 'bool'],
    ['int2', 'int16'],
    ['integer', 'int32'],
    ['int8', 'int64'],
    ['numeric(12,2)', 'decimal(12,2)'],
    ['numeric(20)', 'decimal(20,0)'],
    ['numeric', 'decimal'],
    ['real', 'float32'],
    ['double precision', 'float64'],
    ['float(10)', 'float32'],
    ['character varying(20)', 'string(20)'],
    ['varchar', 'string'],
    ['character(3)', 'char(3)'],
    ['text', 'text'],
    ['uuid', 'uuid'],
    ['json', 'json'],
    ['jsonb', 'jsonb'],
    ['xml', 'xml'],
    ['bytea', 'blob'],
    ['bit(8)', 'bit(8)'],
    ['bit varying(5)', 'varbit(5)'],
    ['date', 'date'],
    ['time(3)', 'time(3)'],
    ['time with time zone', 'timetz'],
    ['timestamp(3) without time zone', 'timestamp(3)'],
    ['timestamptz(6)', 'timestamptz(6)'],
    ['timestamp with time zone', 'timestamptz'],
    ['interval', 'interval'],
    ['interval year to month', 'interval year to month'],
    ['integer[]', 'array<int32>'],
    ['_int4', 'array<int32>'],
    ['character varying(10)[]', 'array<string(10)>'],
    ['numeric(10,2)[][]', 'array<decimal(10,2)>'],
  ])('%s → %s', (native, neutral) => {
    expect(neutralOf(native)).toBe(neutral);
  });

  it('reads a user-defined enum from the labels the catalogue gives', () => {
    const { type } = pg.toNeutral({ dataType: 'USER-DEFINED', columnType: 'mood', enumValues: ['sad', 'ok'] });
    expect(type).toEqual({ kind: 'enum', values: ['sad', 'ok'] });
  });

  it('takes catalogue fields when there is no full type text', () => {
    expect(pg.toNeutral({ dataType: 'numeric', precision: 9, scale: 3 }).type).toEqual({ kind: 'decimal', precision: 9, scale: 3 });
    expect(pg.toNeutral({ dataType: 'ARRAY', elementType: { dataType: 'uuid' } }).type).toEqual({ kind: 'array', of: { kind: 'uuid' } });
  });

  it.each([
    ['tsvector', 'text', 'text-search'],
    ['money', 'decimal(19,2)', 'currency'],
    ['inet', 'string(43)', 'network address'],
    ['cidr', 'string(43)', 'network address'],
    ['macaddr', 'string(17)', 'network address'],
    ['point', 'text', 'unknown type'],
  ])('%s → %s with a warning', (native, neutral, warning) => {
    const mapped = pg.toNeutral(pg.parseNativeType(native));
    expect(renderNeutralType(mapped.type)).toBe(neutral);
    expect(mapped.warnings.join(' ')).toContain(warning);
  });

  it('flags serial types as identity', () => {
    expect(pg.toNeutral(pg.parseNativeType('serial'))).toEqual({ type: { kind: 'int32' }, warnings: [], identity: true });
    expect(pg.toNeutral(pg.parseNativeType('bigserial')).identity).toBe(true);
  });
});

describe('postgres fromNeutral', () => {
  it.each<[NeutralType, string, string | undefined]>([
    [{ kind: 'bool' }, 'boolean', undefined],
    [{ kind: 'int8' }, 'smallint', undefined],
    [{ kind: 'uint8' }, 'smallint', undefined],
    [{ kind: 'uint16' }, 'integer', undefined],
    [{ kind: 'uint32' }, 'bigint', undefined],
    [{ kind: 'uint64' }, 'numeric(20,0)', undefined],
    [{ kind: 'decimal' }, 'numeric', undefined],
    [{ kind: 'decimal', precision: 12, scale: 2 }, 'numeric(12,2)', undefined],
    [{ kind: 'float32' }, 'real', undefined],
    [{ kind: 'float64' }, 'double precision', undefined],
    [{ kind: 'string', length: 20 }, 'varchar(20)', undefined],
    [{ kind: 'string', length: 20_000_000 }, 'text', undefined],
    [{ kind: 'json' }, 'json', undefined],
    [{ kind: 'json', binary: true }, 'jsonb', undefined],
    [{ kind: 'binary', length: 16, fixed: true }, 'bytea', undefined],
    [{ kind: 'blob' }, 'bytea', undefined],
    [{ kind: 'time', precision: 3, withTimeZone: true }, 'time(3) with time zone', undefined],
    [{ kind: 'timestamp', precision: 7 }, 'timestamp(6)', 'fractional-seconds-truncated'],
    [{ kind: 'timestamptz', precision: 7 }, 'timestamptz(6)', 'fractional-seconds-truncated'],
    [{ kind: 'timestamptz' }, 'timestamptz', undefined],
    [{ kind: 'interval', fields: 'day-second' }, 'interval day to second', undefined],
    [{ kind: 'set', values: ['a', 'b'] }, 'text[]', undefined],
    [{ kind: 'array', of: { kind: 'int32' } }, 'integer[]', undefined],
    [{ kind: 'array', of: { kind: 'timestamp', precision: 7 } }, 'timestamp(6)[]', 'fractional-seconds-truncated'],
  ])('%j → %s', (type, native, lossKind) => {
    const result = pg.fromNeutral(type);
    expect(result.native).toBe(native);
    expect(result.lossy?.kind).toBe(lossKind);
  });

  it('says 100 ns ticks are dropped when datetime2(7) lands in PostgreSQL', () => {
    expect(pg.fromNeutral({ kind: 'timestamp', precision: 7 }).lossy?.description).toContain('100 ns');
  });

  it('keeps an enum as text with a CHECK of its labels', () => {
    const result = pg.fromNeutral({ kind: 'enum', values: ['a', "it's"] });
    expect(result.native).toBe('text');
    expect(result.check?.('"size"')).toBe(`"size" IN ('a', 'it''s')`);
  });

  it('returns an override verbatim', () => {
    expect(pg.fromNeutral({ kind: 'text' }, { override: 'citext' })).toEqual({ native: 'citext' });
  });
});

/** What a PostgreSQL column brings back when its neutral type is not native here. */
const DOCUMENTED_ROUND_TRIP: Record<string, string> = {
  int8: 'int16',
  uint8: 'int16',
  uint16: 'int32',
  uint32: 'int64',
  uint64: 'decimal(20,0)',
  'text(65535)': 'text',
  'binary(16)': 'blob',
  'varbinary(200)': 'blob',
  'timestamp(7)': 'timestamp(6)',
  'timestamptz(7)': 'timestamptz(6)',
  "set('read','write')": 'array<text>',
};

describe('postgres round trip', () => {
  it.each(NEUTRAL_TYPE_SAMPLES.map((t) => [renderNeutralType(t), t] as const))('%s', (text, type) => {
    const { back } = roundTripType(pg, type);
    expect(renderNeutralType(back.type)).toBe(DOCUMENTED_ROUND_TRIP[text] ?? text);
  });
});
