import { type NeutralColumn, type NeutralType, TerminalDbError } from '@dbferry/dialects-core';
import { ValueLossCounter } from '@dbferry/dialects-core';
import { bitsFromBytes, isZeroDate, type RawValue, type ResultField, RowDecoder, shortestFloat32, sqlLiteral, stringLiteral, type TextRowPacket, utcDatetimeText } from './mysql.values';
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

/**
 * The row parser (RowDecoder.textRowParser) against `decode` of the same bytes: every decoder
 * input (bytes, latin1, utf8, mysql2's integer parse, a BIGINT's text), NULLs, values longer than
 * 250 bytes (a 3-byte length) and multi-byte UTF-8, read from mysql2's real Packet.
 */
describe('RowDecoder.textRowParser', () => {
  const Packet = require(join(dirname(require.resolve('mysql2')), 'lib/packets/packet.js')) as new (
    id: number,
    buffer: Buffer,
    start: number,
    end: number,
  ) => TextRowPacket;

  const lengthCoded = (bytes: Buffer): Buffer => {
    if (bytes.length < 251) return Buffer.concat([Buffer.from([bytes.length]), bytes]);
    const head = Buffer.alloc(4);
    head[0] = 0xfd;
    head.writeUIntLE(bytes.length, 1, 3);
    return Buffer.concat([head, bytes]);
  };
  /** Row packets one after another in one buffer (as they arrive), each with its 4-byte header. */
  const packets = (rows: RawValue[][]) => {
    const bodies = rows.map((values) => Buffer.concat(values.map((v) => (v === null ? Buffer.from([0xfb]) : lengthCoded(v)))));
    const buffer = Buffer.concat(bodies.flatMap((body) => [Buffer.alloc(4), body]));
    let start = 0;
    return bodies.map((body) => {
      const packet = new Packet(0, buffer, start, start + 4 + body.length);
      start += 4 + body.length;
      return packet;
    });
  };

  const TYPE = { TINY: 1, SHORT: 2, LONG: 3, DOUBLE: 5, TIMESTAMP: 7, LONGLONG: 8, INT24: 9, DATETIME: 12, YEAR: 13, NEWDECIMAL: 246, BLOB: 252, VAR_STRING: 253, STRING: 254 };
  const columns = [
    col('id', { kind: 'int32' }),
    col('i8', { kind: 'int8' }),
    col('i24', { kind: 'int32' }),
    col('yr', { kind: 'int16' }),
    col('flag', { kind: 'bool' }, 'tinyint(1)'),
    col('bit1', { kind: 'bool' }, 'bit(1)'),
    col('big', { kind: 'int64' }),
    col('ubig', { kind: 'uint64' }),
    col('expr', { kind: 'int32' }),
    col('dec', { kind: 'decimal', precision: 38, scale: 10 }),
    col('f', { kind: 'float64' }),
    col('f32', { kind: 'float32' }),
    col('ts', { kind: 'timestamptz', precision: 6 }, 'timestamp(6)'),
    col('dt', { kind: 'timestamp', precision: 6 }, 'datetime(6)'),
    col('t', { kind: 'text' }),
    col('j', { kind: 'json' }),
    col('bin', { kind: 'binary', length: 4 }),
    col('bits', { kind: 'bit', length: 10 }, 'bit(10)'),
    col('s', { kind: 'set', values: ['a', 'b'] }),
    col('u', { kind: 'uuid' }),
  ];
  const fields: ResultField[] = columns.map((c, i) => ({
    name: c.name,
    columnType: [TYPE.LONG, TYPE.TINY, TYPE.INT24, TYPE.YEAR, TYPE.TINY, 16, TYPE.LONGLONG, TYPE.LONGLONG, TYPE.NEWDECIMAL, TYPE.NEWDECIMAL,
      TYPE.DOUBLE, TYPE.DOUBLE, TYPE.TIMESTAMP, TYPE.DATETIME, TYPE.VAR_STRING, TYPE.BLOB, TYPE.STRING, 16, TYPE.STRING, TYPE.STRING][i] as number,
  }));
  const text = (v: string) => Buffer.from(v, 'utf8');
  const rows: RawValue[][] = [
    ['1', '-128', '-8388608', '2155', '1', '\x01', '-9223372036854775808', '18446744073709551615', '-7', '-12345678901234567890123456.0123456789',
      '1.5e-300', '3.4028234663852886e38', '2021-03-04 05:06:07.000001', '9999-12-31 23:59:59.999999', 'emoji 😀 café 東京 ✓',
      '{"κλειδί": "值", "n": [1, 2]}', '\x00\xff\x00\x00', '\x02\xaa', 'a,b', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'].map((v, i) =>
      i === 5 || i === 16 || i === 17 ? Buffer.from(v, 'latin1') : text(v),
    ),
    [text('2'), text('127'), text('0'), text('0000'), text('0'), Buffer.from([0]), text('999999999999999'), text('1000000000000000'), text('2147483647'),
      text('0.0000000001'), text('-0'), text('0.1'), text('1970-01-01 00:00:01.000000'), text('1000-01-01 00:00:00.000000'), text('ü'.repeat(300)),
      text(`{"long": "${'值'.repeat(200)}"}`), Buffer.alloc(0), Buffer.from([0, 0]), text(''), text('00000000-0000-0000-0000-000000000000')],
    [text('3'), ...Array.from({ length: columns.length - 1 }, () => null)],
    [text('4'), text('005'), text('-1'), text('1999'), text('-3'), Buffer.from([1]), text('-99999999999999'), text('0'), text('0'),
      text('5'), text('1e308'), text('-2.5'), text('0000-00-00 00:00:00'), text('2000-00-01 00:00:00'), text('a'.repeat(70_000)),
      text('[]'), Buffer.alloc(300, 7), Buffer.from([3, 255]), text('b'), text('ffffffff-ffff-ffff-ffff-ffffffffffff')],
  ];

  it('gives the values decode gives for the same bytes, of the same JS types, and the same zero-date warnings', () => {
    const viaParser = new RowDecoder(columns, 'db.t');
    const viaDecode = new RowDecoder(columns, 'db.t');
    const counter = { bytes: 0 };
    const parse = viaParser.textRowParser(counter);
    const packetRows = packets(rows);
    rows.forEach((values, r) => {
      const packet = packetRows[r] as TextRowPacket;
      const parsed = parse(packet, fields);
      const decoded = viaDecode.decode(values);
      expect(parsed).toEqual(decoded);
      expect(parsed.map((v) => typeof v)).toEqual(decoded.map((v) => typeof v));
      parsed.forEach((v, i) => {
        if (typeof v === 'number') expect(Object.is(v, decoded[i])).toBe(true);
      });
    });
    // Every field consumed: each packet's cursor is at its end.
    for (const packet of packetRows) expect(packet.offset).toBe((packet as unknown as { end: number }).end);
    expect(viaParser.takeWarnings()).toEqual(viaDecode.takeWarnings());
    const total = rows.flat().reduce((sum, v) => sum + (v === null ? 1 : v.length + 1), 0);
    expect(counter.bytes).toBe(total);
  });

  it('copies binary values out of the packet buffer', () => {
    const decoder = new RowDecoder([col('bin', { kind: 'blob' })], 'db.t');
    const [packet] = packets([[Buffer.from([1, 2, 3])]]);
    const [value] = decoder.textRowParser({ bytes: 0 })(packet as TextRowPacket, [{ name: 'bin', columnType: TYPE.BLOB }]);
    (packet as TextRowPacket).buffer.fill(0);
    expect(value).toEqual(Buffer.from([1, 2, 3]));
  });

  it('keeps 64-bit integers exact at every length around the double shortcut', () => {
    const decoder = new RowDecoder([col('big', { kind: 'int64' })], 'db.t');
    const parse = decoder.textRowParser({ bytes: 0 });
    for (let digits = 1; digits <= 19; digits++) {
      // The last: a ZEROFILL column's text.
      for (const t of ['9'.repeat(digits), `-${'9'.repeat(Math.min(digits, 18))}`, `1${'0'.repeat(digits - 1)}`, `-${'8'.repeat(Math.min(digits, 18))}7`, `${'0'.repeat(digits)}42`]) {
        const [packet] = packets([[text(t)]]);
        expect(parse(packet as TextRowPacket, [{ name: 'big', columnType: TYPE.LONGLONG }])).toEqual([BigInt(t)]);
      }
    }
  });

  it('refuses a result whose columns are not the ones asked for', () => {
    const decoder = new RowDecoder([col('a', { kind: 'int32' }), col('b', { kind: 'text' })], 'db.t');
    const [packet] = packets([[text('1'), text('x')]]);
    expect(() =>
      decoder.textRowParser({ bytes: 0 })(packet as TextRowPacket, [
        { name: 'b', columnType: TYPE.VAR_STRING },
        { name: 'a', columnType: TYPE.LONG },
      ]),
    ).toThrow(/not the ones asked for/);
  });
});
