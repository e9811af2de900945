import { type NeutralColumn, type NeutralType, TerminalDbError } from '@dbferry/dialects-core';
import { ValueLossCounter } from '@dbferry/dialects-core';
import { bitsFromBytes, isZeroDate, RowDecoder, shortestFloat32, sqlLiteral, stringLiteral, utcDatetimeText } from './mysql.values';
import { selectSql } from './mysql.reader';
import { dirname, join } from 'node:path';

const col = (name: string, type: NeutralType, nativeType = 'x'): NeutralColumn => ({ name, type, nativeType, nullable: true });
const raw = (text: string) => Buffer.from(text, 'utf8');

describe('RowDecoder', () => {
  it('decodes every kind from the bytes the server prints into the neutral forms', () => {
    const columns = [
      col('big', { kind: 'int64' }),
      col('ubig', { kind: 'uint64' }),
      col('i', { kind: 'int32' }),
      col('dec', { kind: 'decimal', precision: 38, scale: 10 }),
      col('flag', { kind: 'bool' }, 'tinyint(1)'),
      col('bit1', { kind: 'bool' }, 'bit(1)'),
      col('bits', { kind: 'bit', length: 10 }, 'bit(10)'),
      col('ts', { kind: 'timestamptz', precision: 6 }, 'timestamp(6)'),
      col('dt', { kind: 'timestamp', precision: 6 }, 'datetime(6)'),
      col('d', { kind: 'date' }),
      col('t', { kind: 'text' }),
      col('bin', { kind: 'binary', length: 4 }),
      col('s', { kind: 'set', values: ['a', 'b'] }),
      col('empty_set', { kind: 'set', values: ['a', 'b'] }),
      col('f', { kind: 'float64' }),
      col('n', { kind: 'text' }),
    ];
    const decoder = new RowDecoder(columns, 'db.t');
    const binary = Buffer.from([0, 1, 0, 255]);
    const row = decoder.decode([
      raw('-9223372036854775808'),
      raw('18446744073709551615'),
      raw('-2147483648'),
      raw('-12345678901234567890123456.0123456789'),
      raw('1'),
      Buffer.from([1]),
      Buffer.from([0x02, 0xaa]),
      raw('2021-03-04 05:06:07.000001'),
      raw('9999-12-31 23:59:59.999999'),
      raw('1900-01-01'),
      raw('emoji 😀 ok'),
      binary,
      raw('a,b'),
      raw(''),
      raw('1.5e-300'),
      null,
    ]);
    expect(row).toEqual([
      -9223372036854775808n,
      18446744073709551615n,
      -2147483648,
      '-12345678901234567890123456.0123456789',
      true,
      true,
      '1010101010',
      '2021-03-04 05:06:07.000001+00:00',
      '9999-12-31 23:59:59.999999',
      '1900-01-01',
      'emoji 😀 ok',
      binary,
      ['a', 'b'],
      [],
      1.5e-300,
      null,
    ]);
    // A copy, not a view on the driver's packet buffer.
    expect(row[11]).not.toBe(binary);
    expect(decoder.takeWarnings()).toEqual([]);
  });

  it('reads tinyint(1) 0 and bit(1) 0 as false', () => {
    const decoder = new RowDecoder([col('a', { kind: 'bool' }, 'tinyint(1)'), col('b', { kind: 'bool' }, 'bit(1)')], 't');
    expect(decoder.decode([raw('0'), Buffer.from([0])])).toEqual([false, false]);
  });

  it('turns zero dates into NULL and counts them per column for the run report', () => {
    const decoder = new RowDecoder([col('d', { kind: 'date' }), col('dt', { kind: 'timestamp' })], 'db.t');
    expect(decoder.decode([raw('0000-00-00'), raw('0000-00-00 00:00:00')])).toEqual([null, null]);
    expect(decoder.decode([raw('2020-00-10'), raw('2020-01-01 00:00:00')])).toEqual([null, '2020-01-01 00:00:00']);
    expect(decoder.takeWarnings()).toEqual([
      { column: 'd', kind: 'zero-date', count: 2 },
      { column: 'dt', kind: 'zero-date', count: 1 },
    ]);
    expect(decoder.takeWarnings()).toEqual([]);
    const bounds = new RowDecoder([col('d', { kind: 'date' })], 'db.t', { zeroDatesAsText: true });
    expect(bounds.decode([raw('0000-00-00')])).toEqual(['0000-00-00']);
    expect(bounds.takeWarnings()).toEqual([]);
  });
});

describe('value helpers', () => {
  it('knows zero dates', () => {
    expect(isZeroDate('0000-00-00')).toBe(true);
    expect(isZeroDate('2020-05-00 10:00:00')).toBe(true);
    expect(isZeroDate('0000-01-01')).toBe(false);
  });

  it('reads bit strings at their declared length', () => {
    expect(bitsFromBytes(Buffer.from([0x03, 0xff]), 10)).toBe('1111111111');
    expect(bitsFromBytes(Buffer.from([0x05]), 10)).toBe('0000000101');
    expect(bitsFromBytes(Buffer.from([0x01]), 1)).toBe('1');
  });

  it('moves an offset timestamp to UTC without touching the fraction', () => {
    expect(utcDatetimeText('2021-01-01 00:30:00.123456+02:00')).toBe('2020-12-31 22:30:00.123456');
    expect(utcDatetimeText('2021-01-01T00:30:00.5-0130')).toBe('2021-01-01 02:00:00.5');
    expect(utcDatetimeText('1000-01-01 00:00:00+00:00')).toBe('1000-01-01 00:00:00');
    expect(utcDatetimeText('9999-12-31 23:59:59.999999Z')).toBe('9999-12-31 23:59:59.999999');
  });

  it('truncates times to microseconds, never rounds, and counts the values cut', () => {
    const losses = new ValueLossCounter();
    expect(sqlLiteral({ kind: 'timestamp', precision: 7 }, '9999-12-31 23:59:59.9999999', 'at', losses)).toBe("'9999-12-31 23:59:59.999999'");
    expect(sqlLiteral({ kind: 'timestamptz', precision: 9 }, '2021-01-01 00:30:00.123456789+02:00', 'at', losses)).toBe("'2020-12-31 22:30:00.123456'");
    expect(sqlLiteral({ kind: 'time', precision: 7 }, '23:59:59.9999999', 'clock', losses)).toBe("'23:59:59.999999'");
    expect(sqlLiteral({ kind: 'time', precision: 7 }, '23:59:59.5000000', 'clock', losses)).toBe("'23:59:59.500000'");
    expect(sqlLiteral({ kind: 'time', precision: 3, withTimeZone: true }, '12:00:00.5+02', 'tz')).toBe("'12:00:00.5'");
    expect(sqlLiteral({ kind: 'time', withTimeZone: true }, '08:30Z', 'tz')).toBe("'08:30'");
    expect(sqlLiteral({ kind: 'time', withTimeZone: true }, '23:59:59-05:30', 'tz')).toBe("'23:59:59'");
    expect(sqlLiteral({ kind: 'time' }, '-12:00:00', 'tz')).toBe("'-12:00:00'");
    expect(losses.list()).toEqual([
      { column: 'at', kind: 'fractional-seconds-truncated', count: 2 },
      { column: 'clock', kind: 'fractional-seconds-truncated', count: 1 },
    ]);
  });
});

describe('float32 (MySQL FLOAT)', () => {
  it('is selected as a double, since the text protocol prints a FLOAT with 6 digits (3.40282e38)', () => {
    const sql = selectSql({ table: { schema: 'db', name: 't' }, columns: [col('id', { kind: 'int64' }), col('f', { kind: 'float32' })], keyColumns: ['id'] });
    expect(sql).toMatch(/^SELECT `id`, `f` \+ 0e0 AS `f` FROM `db`\.`t`/);
  });

  it('reads the exact double back as the shortest decimal of the same float32', () => {
    expect(shortestFloat32(3.4028234663852886e38)).toBe(3.4028235e38);
    expect(shortestFloat32(0.10000000149011612)).toBe(0.1);
    expect(shortestFloat32(123456.7890625)).toBe(123456.79);
    expect(Object.is(shortestFloat32(-0), -0)).toBe(true);
    expect(shortestFloat32(Number.NEGATIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
    const decoder = new RowDecoder([col('f', { kind: 'float32' })], 't');
    expect(decoder.decode([raw('3.4028234663852886e38')])).toEqual([3.4028235e38]);
  });

  it('writes a float32 as its float32 value, so the shortest text of FLT_MAX is not out of range', () => {
    expect(sqlLiteral({ kind: 'float32' }, 3.4028235e38)).toBe('3.4028234663852886e+38');
    expect(sqlLiteral({ kind: 'float32' }, '3.4028235e+38')).toBe('3.4028234663852886e+38');
    expect(sqlLiteral({ kind: 'float32' }, 1.5)).toBe('1.5');
    expect(sqlLiteral({ kind: 'float64' }, 0.1)).toBe('0.1');
  });
});

describe('sqlLiteral', () => {
  it('writes 64-bit integers and decimals unquoted and exact', () => {
    expect(sqlLiteral({ kind: 'uint64' }, 18446744073709551615n)).toBe('18446744073709551615');
    expect(sqlLiteral({ kind: 'int64' }, '-9223372036854775808')).toBe('-9223372036854775808');
    expect(sqlLiteral({ kind: 'decimal' }, '12345678901234567890123456.0123456789')).toBe('12345678901234567890123456.0123456789');
    expect(sqlLiteral({ kind: 'decimal' }, '1e5')).toBe("'1e5'");
    expect(sqlLiteral({ kind: 'int32' }, 42)).toBe('42');
  });

  it('writes binary as hex, zero bytes included, and booleans as 1/0', () => {
    expect(sqlLiteral({ kind: 'blob' }, Buffer.from([0, 0x27, 0x5c, 0]))).toBe("X'00275c00'");
    expect(sqlLiteral({ kind: 'blob' }, Buffer.alloc(0))).toBe("X''");
    expect(sqlLiteral({ kind: 'bool' }, true)).toBe('1');
    expect(sqlLiteral({ kind: 'bool' }, false)).toBe('0');
    expect(sqlLiteral({ kind: 'bool' }, 't')).toBe('1');
  });

  it('escapes every character MySQL treats specially in a string', () => {
    expect(stringLiteral("it's \\ \"q\" \0 \n \r \t \x1a \b 😀")).toBe("'it\\'s \\\\ \\\"q\\\" \\0 \\n \\r \\t \\Z \\b 😀'");
    expect(sqlLiteral({ kind: 'text' }, '')).toBe("''");
    expect(sqlLiteral({ kind: 'text' }, null)).toBe('NULL');
  });

  it('writes bit strings, sets, arrays and timestamps in the forms MySQL takes', () => {
    expect(sqlLiteral({ kind: 'bit', length: 10 }, '0000000101')).toBe("b'0000000101'");
    expect(sqlLiteral({ kind: 'set', values: ['a', 'b'] }, ['a', 'b'])).toBe("'a,b'");
    expect(sqlLiteral({ kind: 'json' }, [1n, 'x', null])).toBe('\'[\\"1\\",\\"x\\",null]\'');
    expect(sqlLiteral({ kind: 'timestamptz', precision: 6 }, '2020-01-01 10:00:00.5+00:00')).toBe("'2020-01-01 10:00:00.5'");
    expect(sqlLiteral({ kind: 'timestamp' }, '2020-01-01T10:00:00')).toBe("'2020-01-01 10:00:00'");
    expect(sqlLiteral({ kind: 'text' }, 12.5)).toBe("'12.5'");
  });

  it('refuses values MySQL cannot hold instead of writing something else', () => {
    expect(() => sqlLiteral({ kind: 'float64' }, Number.NaN, 'f')).toThrow(TerminalDbError);
    expect(() => sqlLiteral({ kind: 'float64' }, Number.POSITIVE_INFINITY, 'f')).toThrow(/f: MySQL cannot store Infinity/);
  });
});

/**
 * The typeCast fast paths (mysql2's own integer parse for INT-sized fields, a BIGINT's short text
 * through a double) against `decode` of the same bytes, the path without them. The fields are read
 * by mysql2's real Packet, as its text-protocol row parser reads them.
 */
describe('RowDecoder.typeCast fast paths', () => {
  // mysql2 does not export its Packet class; its file is loaded by path.
  const Packet = require(join(dirname(require.resolve('mysql2')), 'lib/packets/packet.js')) as new (
    id: number,
    buffer: Buffer,
    start: number,
    end: number,
  ) => {
    readLengthCodedString(encoding: string): string | null;
    parseLengthCodedIntNoBigCheck(): number | null;
  };

  /** One text-protocol row packet: each value length-coded (all shorter than 251 bytes here), NULL as 0xfb. */
  const rowPacket = (values: (string | null)[]) => {
    const parts = values.map((v) => (v === null ? Buffer.from([0xfb]) : Buffer.concat([Buffer.from([Buffer.byteLength(v)]), Buffer.from(v)])));
    // A packet starts with its 4-byte header (length and sequence id), which the reader skips.
    const buffer = Buffer.concat([Buffer.alloc(4), ...parts]);
    return new Packet(0, buffer, 0, buffer.length);
  };

  /** Casts one row the way mysql2's compiled parser calls typeCast, with `next` reading by the field's type. */
  const castRow = (decoder: RowDecoder, columns: NeutralColumn[], types: string[], values: (string | null)[]) => {
    const packet = rowPacket(values);
    const cast = decoder.typeCast({ bytes: 0 });
    return columns.map((column, i) => {
      const type = types[i] as string;
      const next = () =>
        ['TINY', 'SHORT', 'LONG', 'INT24', 'YEAR'].includes(type) ? packet.parseLengthCodedIntNoBigCheck() : packet.readLengthCodedString('binary');
      const field = { name: column.name, type, string: (encoding = 'utf8') => packet.readLengthCodedString(encoding), buffer: () => null };
      return cast(field, next);
    });
  };

  const columns = [
    col('i8', { kind: 'int8' }),
    col('u8', { kind: 'uint8' }),
    col('i16', { kind: 'int16' }),
    col('u16', { kind: 'uint16' }),
    col('i24', { kind: 'int32' }),
    col('i32', { kind: 'int32' }),
    col('u32', { kind: 'uint32' }),
    col('yr', { kind: 'int16' }),
    col('flag', { kind: 'bool' }, 'tinyint(1)'),
    col('big', { kind: 'int64' }),
    col('ubig', { kind: 'uint64' }),
    col('expr', { kind: 'int32' }),
  ];
  const types = ['TINY', 'TINY', 'SHORT', 'SHORT', 'INT24', 'LONG', 'LONG', 'YEAR', 'TINY', 'LONGLONG', 'LONGLONG', 'NEWDECIMAL'];
  const rows: (string | null)[][] = [
    ['-128', '255', '-32768', '65535', '-8388608', '-2147483648', '4294967295', '2155', '1', '-9223372036854775808', '18446744073709551615', '-7'],
    ['127', '0', '32767', '0', '8388607', '2147483647', '0', '0000', '0', '9223372036854775807', '0', '2147483647'],
    ['0', '1', '-1', '1', '0', '0', '1', '1901', '-3', '999999999999999', '100000000000000', '0'],
    ['-1', '9', '10', '99', '-1', '-1000000', '123456789', '1999', '127', '-99999999999999', '1000000000000000', '-2147483648'],
    ['005', '010', '-0', '00000', '0', '7', '42', '2024', '-128', '1234567890123456', '-1', '1'],
    [null, null, null, null, null, null, null, null, null, null, null, null],
  ];

  it('gives the values decode gives for the same bytes, of the same JS types', () => {
    const decoder = new RowDecoder(columns, 'db.t');
    for (const values of rows) {
      const viaCast = castRow(decoder, columns, types, values);
      const viaDecode = decoder.decode(values.map((v) => (v === null ? null : Buffer.from(v))));
      expect(viaCast).toEqual(viaDecode);
      expect(viaCast.map((v) => typeof v)).toEqual(viaDecode.map((v) => typeof v));
    }
  });

  it('keeps 64-bit integers exact at every length around the double shortcut', () => {
    const decoder = new RowDecoder([col('big', { kind: 'int64' })], 'db.t');
    for (let digits = 1; digits <= 19; digits++) {
      for (const text of ['9'.repeat(digits), `-${'9'.repeat(Math.min(digits, 18))}`, `1${'0'.repeat(digits - 1)}`, `-${'8'.repeat(Math.min(digits, 18))}7`]) {
        expect(castRow(decoder, [col('big', { kind: 'int64' })], ['LONGLONG'], [text])).toEqual([BigInt(text)]);
      }
    }
  });
});
