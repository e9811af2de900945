import type { NeutralColumn, NeutralType } from '@dbferry/dialects-core';
import { LiteralError, sqlLiteral } from './sql-literal';
import type { EncodedValue } from '../plan/key-codec';
import { laterTypedWatermark, type TypedWatermark } from '../run/copy-chunk';
import { compareIncremental, incrementalBound, keyInPredicate, laterWatermark, lookbackFrom, sincePredicate } from './watermark';

const col = (name: string, type: NeutralType, nativeType = ''): NeutralColumn => ({ name, type, nativeType, nullable: true });
const ts = col('updated_at', { kind: 'timestamp', precision: 6 });
const tstz = col('seen', { kind: 'timestamptz', precision: 6 });
const day = col('day', { kind: 'date' });
const big = col('seq', { kind: 'int64' });
const dec = col('amount', { kind: 'decimal', precision: 38, scale: 10 });
const id = col('id', { kind: 'int64' });

describe('incremental ordering', () => {
  it('orders 64-bit integers beyond 2^53 exactly', () => {
    expect(compareIncremental(big, 9007199254740993n, 9007199254740992n)).toBe(1);
    expect(compareIncremental(big, -1n, 1)).toBe(-1);
  });

  it('orders decimals digit by digit, signs and scales included', () => {
    expect(compareIncremental(dec, '10.5', '9.99')).toBe(1);
    expect(compareIncremental(dec, '-10.5', '-9.99')).toBe(-1);
    expect(compareIncremental(dec, '1.50', '1.5')).toBe(0);
    expect(compareIncremental(dec, '12345678901234567890.0000000001', '12345678901234567890')).toBe(1);
  });

  it('orders timestamps by their text, fractions digit by digit', () => {
    expect(compareIncremental(ts, '2024-01-01 00:00:00.5', '2024-01-01 00:00:00.25')).toBe(1);
    expect(compareIncremental(ts, '2024-01-01 00:00:00', '2024-01-01 00:00:00.000001')).toBe(-1);
  });

  it('breaks ties on the value by the key', () => {
    const a = { value: '2024-01-01 00:00:00', key: [5n] };
    const b = { value: '2024-01-01 00:00:00', key: [7n] };
    expect(laterWatermark(ts, [id], a, b)).toBe(b);
    expect(laterWatermark(ts, [id], null, a)).toBe(a);
  });

  it('orders stored watermarks by their stored neutral types, never by the shape of a value', () => {
    const stored = (value: EncodedValue, key: EncodedValue[], keyKind: 'int64' | 'text') =>
      ({ value, key, type: { kind: 'timestamp' }, keyTypes: [{ kind: keyKind }] }) as TypedWatermark;
    const day2 = stored('2024-01-02 00:00:00', [{ $int: '1' }], 'int64');
    expect(laterTypedWatermark(day2, stored('2024-01-01 00:00:00', [{ $int: '9' }], 'int64'))).toBe(day2);
    expect(laterTypedWatermark(null, day2)).toBe(day2);
    // A text key that looks like a number orders as text: '9' after '10'.
    const nine = stored('2024-01-01 00:00:00', ['9'], 'text');
    expect(laterTypedWatermark(stored('2024-01-01 00:00:00', ['10'], 'text'), nine)).toBe(nine);
    const ten = stored('2024-01-01 00:00:00', [{ $int: '10' }], 'int64');
    expect(laterTypedWatermark(ten, stored('2024-01-01 00:00:00', [{ $int: '9' }], 'int64'))).toBe(ten);
  });
});

describe('lookback', () => {
  it('moves a timestamp back across a day, month and leap day, keeping the fraction', () => {
    expect(lookbackFrom(ts, '2024-03-01 00:00:10.123456', 20)).toBe('2024-02-29 23:59:50.123456');
    expect(lookbackFrom(tstz, '2024-01-01 00:00:00.5+00:00', 1)).toBe('2023-12-31 23:59:59.5+00:00');
    expect(lookbackFrom(day, '2024-03-01', 86400)).toBe('2024-02-29');
  });

  it('does not depend on the process time zone', () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = 'America/New_York';
      // 2024-03-10 02:30 does not exist in New York; the value is zone-free and must survive.
      expect(lookbackFrom(ts, '2024-03-10 02:30:00', 60)).toBe('2024-03-10 02:29:00');
    } finally {
      process.env.TZ = before;
    }
  });

  it('subtracts in the column units for numbers, exactly', () => {
    expect(lookbackFrom(big, 9007199254740993n, 1)).toBe(9007199254740992n);
    expect(lookbackFrom(dec, '0.25', 1)).toBe('-0.75');
    expect(lookbackFrom(dec, '100', 1)).toBe('99');
    expect(lookbackFrom(ts, '2024-01-01 00:00:00', 0)).toBe('2024-01-01 00:00:00');
  });
});

describe('SQL for watermarks and key lookups (golden)', () => {
  it('writes the inclusive read predicate in each dialect', () => {
    expect(sincePredicate('postgres', ts, '2024-01-01 10:00:00.000001')).toBe(`"updated_at" >= TIMESTAMP '2024-01-01 10:00:00.000001'`);
    expect(sincePredicate('postgres', tstz, '2024-01-01 10:00:00+00:00')).toBe(`"seen" >= TIMESTAMPTZ '2024-01-01 10:00:00+00:00'`);
    expect(sincePredicate('mysql', tstz, '2024-01-01 10:00:00+00:00')).toBe("`seen` >= TIMESTAMP '2024-01-01 10:00:00'");
    expect(sincePredicate('mssql', ts, '2024-01-01 10:00:00')).toBe(`[updated_at] >= CAST('2024-01-01 10:00:00' AS datetime2(7))`);
    expect(sincePredicate('oracle', tstz, '2024-01-01 10:00:00+00:00')).toBe(`"seen" >= TIMESTAMP '2024-01-01 10:00:00 +00:00'`);
    expect(sincePredicate('sqlite', big, 9223372036854775807n)).toBe(`"seq" >= '9223372036854775807'`);
  });

  it('quotes text keys per dialect and lists composite keys', () => {
    const name = col('na"me', { kind: 'text' });
    expect(keyInPredicate('postgres', [name], [["it's"], ['a\\b']])).toBe(`"na""me" IN ('it''s', E'a\\\\b')`);
    expect(keyInPredicate('mysql', [id, name], [[1n, "o'k"]])).toBe("((`id` = 1 AND `na\"me` = 'o''k'))");
    expect(keyInPredicate('mssql', [col('n', { kind: 'string' }, 'nvarchar(10)')], [['ü']])).toBe(`[n] IN (N'ü')`);
    expect(keyInPredicate('postgres', [id], [])).toBe('1 = 0');
  });

  it('spells each kind the way the dialect SqlStyle says (booleans, uuids, wide numbers, dates)', () => {
    const flag = col('ok', { kind: 'bool' });
    const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(sqlLiteral('postgres', flag, true)).toBe('TRUE');
    expect(sqlLiteral('mysql', flag, false)).toBe('0');
    expect(sqlLiteral('mssql', flag, true)).toBe('1');
    expect(sqlLiteral('oracle', col('u', { kind: 'uuid' }, 'RAW(16)'), uuid)).toBe(`HEXTORAW('${uuid.replace(/-/g, '')}')`);
    expect(sqlLiteral('postgres', col('u', { kind: 'uuid' }, 'uuid'), uuid)).toBe(`'${uuid}'`);
    expect(sqlLiteral('sqlite', dec, '12.50')).toBe("'12.50'");
    expect(sqlLiteral('oracle', dec, '12.50')).toBe('12.50');
    expect(sqlLiteral('mssql', day, '2024-02-29')).toBe("CAST('2024-02-29' AS date)");
    expect(sqlLiteral('sqlite', day, '2024-02-29')).toBe("'2024-02-29'");
    expect(sqlLiteral('mssql', col('s', { kind: 'string' }, 'varchar(5)'), "o'k")).toBe("'o''k'");
    expect(sqlLiteral('mysql', col('s', { kind: 'text' }), 'a\\b')).toBe("'a\\\\b'");
  });

  it('refuses values that are not what the column holds, instead of writing them into SQL', () => {
    expect(() => sqlLiteral('postgres', big, '1; DROP TABLE x')).toThrow(LiteralError);
    expect(() => sqlLiteral('postgres', ts, "2024-01-01' OR 1=1 --")).toThrow(LiteralError);
    expect(() => sqlLiteral('postgres', col('f', { kind: 'float64' }), 1.5)).toThrow(LiteralError);
  });
});

describe('incremental lower bounds from another database or the command line', () => {
  it('keeps a timestamp to the microsecond and spells it for the source', () => {
    expect(incrementalBound('postgres', ts, '2024-05-01 10:00:00.123456')).toBe('2024-05-01 10:00:00.123456');
    expect(sincePredicate('postgres', ts, incrementalBound('postgres', ts, '2024-05-01T10:00:00.123456'))).toBe(`"updated_at" >= TIMESTAMP '2024-05-01 10:00:00.123456'`);
  });

  it('moves between zone-free UTC times and instants, and refuses other offsets', () => {
    expect(incrementalBound('postgres', tstz, '2024-05-01 10:00:00.5')).toBe('2024-05-01 10:00:00.5+00:00');
    expect(incrementalBound('postgres', tstz, '2024-05-01T10:00:00Z')).toBe('2024-05-01 10:00:00+00:00');
    expect(incrementalBound('mysql', ts, '2024-05-01 10:00:00+00:00')).toBe('2024-05-01 10:00:00');
    expect(incrementalBound('mysql', ts, '2024-05-01')).toBe('2024-05-01 00:00:00');
    expect(incrementalBound('sqlite', day, '2024-05-01 00:00:00')).toBe('2024-05-01');
    expect(() => incrementalBound('postgres', tstz, '2024-05-01 10:00:00+02:00')).toThrow(LiteralError);
    expect(() => incrementalBound('postgres', ts, 'yesterday')).toThrow(LiteralError);
  });

  it('takes numbers as given and checks them against the kind', () => {
    expect(incrementalBound('mysql', big, 9007199254740993n)).toBe(9007199254740993n);
    expect(incrementalBound('mysql', big, ' 42 ')).toBe('42');
    expect(incrementalBound('mysql', dec, '12.50')).toBe('12.50');
    expect(() => incrementalBound('mysql', big, '12.5')).toThrow(LiteralError);
    expect(() => incrementalBound('mysql', big, null)).toThrow(LiteralError);
    expect(() => incrementalBound('mysql', col('name', { kind: 'text' }), 'x')).toThrow(LiteralError);
  });
});
