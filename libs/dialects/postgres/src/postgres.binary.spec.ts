import { type NeutralColumn, type NeutralType, type NeutralValue, TerminalDbError } from '@dbferry/dialects-core';
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, BinaryCopyBuffer, type BinaryEncoder, type TargetColumnType } from './postgres.binary-frame';
import { binaryEncoderFor, binaryFieldBytes, planBinaryCopy, uuidBytes, writeBinaryRow } from './postgres.binary';
import { dateToPgDays, daysFromCivil, fractionMicros, timestampToPgMicros, timeToPgMicros } from './postgres.binary-datetime';
import { numericParts } from './postgres.binary-numeric';
import { ValueWarnings } from './postgres.values';

/*
 * Expected bytes are what PostgreSQL 15's own send functions print, e.g.
 * `SELECT encode(numeric_send('12345.6789'), 'hex')` — the receive functions read the same form.
 */

const base = (typname: string): TargetColumnType => ({ typname, typtype: 'b' });

function encoder(type: NeutralType, typname: string): BinaryEncoder {
  const found = binaryEncoderFor(type, base(typname));
  if (!found) throw new Error(`no encoder for ${type.kind} into ${typname}`);
  return found;
}

function hex(type: NeutralType, typname: string, value: Exclude<NeutralValue, null>, warnings?: ValueWarnings): string {
  return binaryFieldBytes(encoder(type, typname), value, 'c', warnings).toString('hex');
}

describe('binary COPY framing', () => {
  it('has the 11-byte signature, zero flags and no header extension, and ends with -1', () => {
    expect(BINARY_COPY_HEADER.toString('hex')).toBe('5047434f50590aff0d0a00' + '00000000' + '00000000');
    expect(BINARY_COPY_TRAILER.toString('hex')).toBe('ffff');
  });

  it('writes a row as its field count and length-prefixed fields, NULL as -1', () => {
    const out = new BinaryCopyBuffer();
    const encoders = [encoder({ kind: 'int32' }, 'int4'), encoder({ kind: 'text' }, 'text'), encoder({ kind: 'bool' }, 'bool')];
    writeBinaryRow(out, encoders, ['a', 'b', 'c'], [7, null, true]);
    expect(out.take().toString('hex')).toBe('0003' + '00000004' + '00000007' + 'ffffffff' + '00000001' + '01');
    expect(out.length).toBe(0);
  });

  it('grows past its first chunk for a large value', () => {
    const big = 'x'.repeat(200_000) + '😀';
    const bytes = binaryFieldBytes(encoder({ kind: 'text' }, 'text'), big);
    expect(bytes.length).toBe(200_004);
    expect(bytes.toString('utf8')).toBe(big);
  });
});

describe('binary encoders against the server send functions', () => {
  it.each<[string, NeutralType, string, Exclude<NeutralValue, null>, string]>([
    ['bool true', { kind: 'bool' }, 'bool', true, '01'],
    ['bool false', { kind: 'bool' }, 'bool', false, '00'],
    ['int2', { kind: 'int16' }, 'int2', -2, 'fffe'],
    ['int4 min', { kind: 'int32' }, 'int4', -2147483648, '80000000'],
    ['int8 min', { kind: 'int64' }, 'int8', -9223372036854775808n, '8000000000000000'],
    ['int8 max', { kind: 'int64' }, 'int8', 9223372036854775807n, '7fffffffffffffff'],
    ['int8 from an int32 number', { kind: 'int32' }, 'int8', -1, 'ffffffffffffffff'],
    ['float4', { kind: 'float32' }, 'float4', 0.1, '3dcccccd'],
    ['float8', { kind: 'float64' }, 'float8', 0.1, '3fb999999999999a'],
    ['float8 NaN', { kind: 'float64' }, 'float8', Number.NaN, '7ff8000000000000'],
    ['float8 -Infinity', { kind: 'float64' }, 'float8', Number.NEGATIVE_INFINITY, 'fff0000000000000'],
    ['text utf-8', { kind: 'text' }, 'text', 'emoji 😀', '656d6f6a6920f09f9880'],
    ['varchar', { kind: 'string', length: 10 }, 'varchar', 'ab', '6162'],
    ['bpchar', { kind: 'char', length: 3 }, 'bpchar', 'a  ', '612020'],
    ['bytea with zero bytes', { kind: 'blob' }, 'bytea', Buffer.from([0, 1, 0xff, 0]), '0001ff00'],
    ['uuid', { kind: 'uuid' }, 'uuid', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc999c0b4ef8bb6d6bb9bd380a11'],
    ['json', { kind: 'json' }, 'json', '{"a": 1}', '7b2261223a20317d'],
    ['jsonb (version 1)', { kind: 'json', binary: true }, 'jsonb', '{"a": 1}', '017b2261223a20317d'],
    ['date 2000-01-01', { kind: 'date' }, 'date', '2000-01-01', '00000000'],
    ['date 1970-01-01', { kind: 'date' }, 'date', '1970-01-01', 'ffffd533'],
    ['date 9999-12-31', { kind: 'date' }, 'date', '9999-12-31', '002c95d3'],
    ['date 0001-01-01', { kind: 'date' }, 'date', '0001-01-01', 'fff4dbf9'],
    ['date 1900-03-01', { kind: 'date' }, 'date', '1900-03-01', 'ffff718f'],
    ['date 2024-02-29', { kind: 'date' }, 'date', '2024-02-29', '00002279'],
    ['date 1969-07-20', { kind: 'date' }, 'date', '1969-07-20', 'ffffd48e'],
    ['date 0001-12-31 BC', { kind: 'date' }, 'date', '0001-12-31 BC', 'fff4dbf8'],
    ['date 4713-01-01 BC', { kind: 'date' }, 'date', '4713-01-01 BC', 'ffda97cd'],
    ['date infinity', { kind: 'date' }, 'date', 'infinity', '7fffffff'],
    ['date -infinity', { kind: 'date' }, 'date', '-infinity', '80000000'],
    ['time 23:59:59.999999', { kind: 'time' }, 'time', '23:59:59.999999', '000000141dd75fff'],
    ['time 24:00:00', { kind: 'time' }, 'time', '24:00:00', '000000141dd76000'],
    ['time 12:00:00.5', { kind: 'time' }, 'time', '12:00:00.5', '0000000a0ef35120'],
    ['time 00:00:00', { kind: 'time' }, 'time', '00:00:00', '0000000000000000'],
    ['timestamp 2000-01-01', { kind: 'timestamp' }, 'timestamp', '2000-01-01 00:00:00', '0000000000000000'],
    ['timestamp 1970-01-01', { kind: 'timestamp' }, 'timestamp', '1970-01-01 00:00:00', 'fffca2fec4c82000'],
    ['timestamp 9999-12-31', { kind: 'timestamp' }, 'timestamp', '9999-12-31 23:59:59.999999', '0380e70b913b7fff'],
    ['timestamp 0001-01-01', { kind: 'timestamp' }, 'timestamp', '0001-01-01 00:00:00', 'ff1fe2ffc59c6000'],
    ['timestamp BC', { kind: 'timestamp' }, 'timestamp', '0044-03-15 12:00:00 BC', 'ff1af9e8fb46d000'],
    ['timestamp 24:00:00', { kind: 'timestamp' }, 'timestamp', '2024-02-29 24:00:00', '0002b58cd363c000'],
    ['timestamp micros', { kind: 'timestamp' }, 'timestamp', '1900-03-01 01:02:03.000004', 'fff4ce923a9718c4'],
    ['timestamp infinity', { kind: 'timestamp' }, 'timestamp', 'infinity', '7fffffffffffffff'],
    ['timestamptz UTC', { kind: 'timestamptz' }, 'timestamptz', '2024-02-29 18:29:59.123456+00:00', '0002b588372a5a00'],
    ['timestamptz +05:30', { kind: 'timestamptz' }, 'timestamptz', '2024-02-29 23:59:59.123456+05:30', '0002b588372a5a00'],
    ['timestamptz -08:00', { kind: 'timestamptz' }, 'timestamptz', '2000-01-01 00:00:00-08:00', '00000006b49d2000'],
    ['timestamptz 1969', { kind: 'timestamptz' }, 'timestamptz', '1969-12-31 23:59:59.999999+00:00', 'fffca2fec4c81fff'],
    ['timestamptz 0001', { kind: 'timestamptz' }, 'timestamptz', '0001-01-01 00:00:00+00:00', 'ff1fe2ffc59c6000'],
    ['timestamptz -infinity', { kind: 'timestamptz' }, 'timestamptz', '-infinity', '8000000000000000'],
    ['numeric 12345.6789', { kind: 'decimal' }, 'numeric', '12345.6789', '0003000100000004000109291a85'],
    ['numeric -0.001', { kind: 'decimal' }, 'numeric', '-0.001', '0001ffff40000003000a'],
    ['numeric 0', { kind: 'decimal' }, 'numeric', '0', '0000000000000000'],
    ['numeric -0', { kind: 'decimal' }, 'numeric', '-0', '0000000000000000'],
    ['numeric 0.000', { kind: 'decimal' }, 'numeric', '0.000', '0000000000000003'],
    ['numeric -12.50', { kind: 'decimal' }, 'numeric', '-12.50', '0002000040000002000c1388'],
    ['numeric 100000000', { kind: 'decimal' }, 'numeric', '100000000', '00010002000000000001'],
    ['numeric 0.0000000001', { kind: 'decimal' }, 'numeric', '0.0000000001', '0001fffd0000000a0064'],
    ['numeric 38 nines', { kind: 'decimal' }, 'numeric', '9'.repeat(38), '000a0009000000000063270f270f270f270f270f270f270f270f270f'],
    [
      'numeric 38 digits',
      { kind: 'decimal' },
      'numeric',
      '12345678901234567890123456789012345678',
      '000a000900000000000c0d801ed204d2162e23340d801ed204d2162e',
    ],
    [
      'numeric -0.(38 digits)',
      { kind: 'decimal' },
      'numeric',
      '-0.12345678901234567890123456789012345678',
      '000affff4000002604d2162e23340d801ed204d2162e23340d801e78',
    ],
    [
      'numeric(38,10) max',
      { kind: 'decimal', precision: 38, scale: 10 },
      'numeric',
      '9999999999999999999999999999.9999999999',
      '000a00060000000a270f270f270f270f270f270f270f270f270f26ac',
    ],
    [
      'numeric -(28.10 digits)',
      { kind: 'decimal' },
      'numeric',
      '-1234567890123456789012345678.1234567890',
      '000a00064000000a04d2162e23340d801ed204d2162e04d2162e2328',
    ],
    ['numeric 1.5e3', { kind: 'decimal' }, 'numeric', '1.5e3', '000100000000000005dc'],
    ['numeric 1.5E-3', { kind: 'decimal' }, 'numeric', '1.5E-3', '0001ffff00000004000f'],
    ['numeric NaN', { kind: 'decimal' }, 'numeric', 'NaN', '00000000c0000000'],
    ['numeric from a uint64 bigint', { kind: 'uint64' }, 'numeric', 18446744073709551615n, '000500040000000007341a5802e103bb064f'],
  ])('%s', (_label, type, typname, value, expected) => {
    expect(hex(type, typname, value)).toBe(expected);
  });
});

describe('binary value arithmetic', () => {
  it('counts days like the proleptic Gregorian calendar, without Date', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 1, 1)).toBe(10_957);
    expect(daysFromCivil(2000, 3, 1) - daysFromCivil(2000, 2, 28)).toBe(2);
    expect(daysFromCivil(1900, 3, 1) - daysFromCivil(1900, 2, 28)).toBe(1);
    expect(dateToPgDays('1970-01-01')).toBe(-10_957);
  });

  it('gives the timestamps of the issue as microseconds since 2000-01-01 UTC', () => {
    expect(timestampToPgMicros('2000-01-01 00:00:00', false)).toBe(0n);
    expect(timestampToPgMicros('1970-01-01 00:00:00', false)).toBe(-946684800000000n);
    // SELECT ('x' || encode(timestamp_send('9999-12-31 23:59:59.999999'), 'hex'))::bit(64)::bigint
    expect(timestampToPgMicros('9999-12-31 23:59:59.999999', false)).toBe(252455615999999999n);
    expect(timestampToPgMicros('0001-01-01 00:00:00', false)).toBe(-63082281600000000n);
    // timestamp_in ignores an offset; timestamptz applies it.
    expect(timestampToPgMicros('2000-01-01 05:30:00+05:30', false)).toBe(19_800_000_000n);
    expect(timestampToPgMicros('2000-01-01 05:30:00+05:30', true)).toBe(0n);
    expect(timestampToPgMicros('2000-01-01T00:00:00Z', true)).toBe(0n);
    expect(timestampToPgMicros('2000-01-01', false)).toBe(0n);
  });

  it('gives the same result whatever the process time zone', () => {
    const before = process.env.TZ;
    try {
      const seen = new Set<string>();
      for (const tz of ['UTC', 'America/Los_Angeles', 'Asia/Kathmandu']) {
        process.env.TZ = tz;
        seen.add(String(timestampToPgMicros('1969-07-20 20:17:40.000001', false)));
      }
      expect([...seen]).toEqual(['-960867739999999']);
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  it('truncates fractions beyond microseconds, never rounds, and counts each value cut', () => {
    expect(fractionMicros('1234565')).toBe(123_456);
    expect(fractionMicros('1234575')).toBe(123_457);
    expect(fractionMicros('0000005')).toBe(0);
    expect(fractionMicros('9999999')).toBe(999_999);
    expect(fractionMicros('5')).toBe(500_000);
    // PostgreSQL's own input would round this into the next day.
    expect(timestampToPgMicros('2000-01-01 23:59:59.9999999', false)).toBe(86_399_999_999n);
    const warnings = new ValueWarnings();
    const cut = (type: NeutralType, typname: string, value: string) => hex(type, typname, value, warnings);
    expect(cut({ kind: 'timestamp' }, 'timestamp', '2000-01-01 00:00:00.1234567')).toBe(cut({ kind: 'timestamp' }, 'timestamp', '2000-01-01 00:00:00.123456'));
    cut({ kind: 'timestamptz' }, 'timestamptz', '2000-01-01 00:00:00.123456789+02:00');
    cut({ kind: 'timestamptz' }, 'timestamptz', '2000-01-01T00:00:00.1234561Z');
    cut({ kind: 'time' }, 'time', '23:59:59.9999999');
    cut({ kind: 'time' }, 'time', '23:59:59.9999990');
    expect(warnings.list()).toEqual([{ column: 'c', kind: 'fractional-seconds-truncated', count: 4 }]);
  });

  it('refuses what the input functions refuse', () => {
    for (const bad of ['2023-02-29', '2024-13-01', '2024-00-10', '0000-01-01', '2024-1-01', 'yesterday']) {
      expect(dateToPgDays(bad)).toBeNull();
    }
    expect(dateToPgDays('2024-02-29')).not.toBeNull();
    expect(timestampToPgMicros('2024-01-01 25:00:00', false)).toBeNull();
    expect(timestampToPgMicros('2024-01-01 24:00:01', false)).toBeNull();
    expect(timestampToPgMicros('2024-01-01 10:60:00', false)).toBeNull();
    expect(timeToPgMicros('24:00:00.000001')).toBeNull();
    expect(timeToPgMicros('12:00')).toBe(43_200_000_000);
    expect(uuidBytes('{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}')?.toString('hex')).toBe('a0eebc999c0b4ef8bb6d6bb9bd380a11');
    expect(uuidBytes('a0eebc99')).toBeNull();
    expect(numericParts('1.2.3')).toBeNull();
    expect(numericParts('.')).toBeNull();
    expect(numericParts('')).toBeNull();
    expect(numericParts('-Infinity')).toEqual({ digits: [], weight: 0, sign: 0xf000, dscale: 0 });
    expect(numericParts('.5')).toEqual({ digits: [5000], weight: -1, sign: 0, dscale: 1 });
  });

  it('turns a bad value into a terminal data error naming the column', () => {
    const cases: [NeutralType, string, Exclude<NeutralValue, null>][] = [
      [{ kind: 'date' }, 'date', '2023-02-30'],
      [{ kind: 'timestamp' }, 'timestamp', 'soon'],
      [{ kind: 'uuid' }, 'uuid', 'not-a-uuid'],
      [{ kind: 'decimal' }, 'numeric', '12abc'],
      [{ kind: 'int32' }, 'int4', 1.5],
      [{ kind: 'int16' }, 'int2', 40_000],
      [{ kind: 'int64' }, 'int8', 1n << 63n],
    ];
    for (const [type, typname, value] of cases) {
      let error: unknown;
      try {
        binaryFieldBytes(encoder(type, typname), value, 'col_x');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TerminalDbError);
      expect((error as TerminalDbError).code).toBe('data');
      expect((error as TerminalDbError).message).toContain('column "col_x"');
    }
  });
});

describe('NUL characters in binary text fields', () => {
  it('strips them with a warning under strip', () => {
    const warnings = new ValueWarnings('strip', '"public"."t"');
    expect(hex({ kind: 'text' }, 'text', 'a\u0000b', warnings)).toBe('6162');
    expect(hex({ kind: 'json', binary: true }, 'jsonb', '"\u0000"', warnings)).toBe('012222');
    expect(warnings.list()).toEqual([{ column: 'c', kind: 'nul-stripped', count: 2 }]);
  });

  it('throws a data error naming table and column under reject', () => {
    const warnings = new ValueWarnings('reject', '"public"."t"');
    expect(() => hex({ kind: 'text' }, 'text', 'a\u0000b', warnings)).toThrow(/table "public"\."t", column "c".*NUL/);
    expect(hex({ kind: 'blob' }, 'bytea', Buffer.from([0]), warnings)).toBe('00');
  });
});

describe('choosing binary or text', () => {
  const column = (name: string, type: NeutralType): NeutralColumn => ({ name, type, nativeType: '', nullable: true });

  it('goes binary only when every column has an encoder for its target type', () => {
    const targets = new Map<string, TargetColumnType>([
      ['id', base('int8')],
      ['m', { typname: 'mood', typtype: 'e' }],
      ['iv', base('interval')],
      ['n', base('int4')],
      ['dom', { typname: 'positive', typtype: 'd' }],
      ['tz', base('timetz')],
    ]);
    expect(planBinaryCopy([column('id', { kind: 'int64' }), column('m', { kind: 'enum', values: ['a'] })], targets)).toHaveProperty('encoders');
    expect(planBinaryCopy([column('id', { kind: 'int64' }), column('iv', { kind: 'interval' })], targets)).toEqual({
      textBecause: 'column "iv": interval into interval (typtype b) has no binary encoder',
    });
    // An int64 could overflow an int4 column: text lets the server judge each value.
    expect(planBinaryCopy([column('n', { kind: 'int64' })], targets)).toHaveProperty('textBecause');
    expect(planBinaryCopy([column('dom', { kind: 'int32' })], targets)).toHaveProperty('textBecause');
    expect(planBinaryCopy([column('tz', { kind: 'time', withTimeZone: true })], targets)).toHaveProperty('textBecause');
    expect(planBinaryCopy([column('missing', { kind: 'int32' })], targets)).toHaveProperty('textBecause');
  });

  it.each<[NeutralType, string, boolean]>([
    [{ kind: 'uint64' }, 'int8', false],
    [{ kind: 'uint64' }, 'numeric', true],
    [{ kind: 'uint32' }, 'int8', true],
    [{ kind: 'uint32' }, 'int4', false],
    [{ kind: 'float64' }, 'float4', false],
    [{ kind: 'float32' }, 'float8', true],
    [{ kind: 'timestamp' }, 'timestamptz', false],
    [{ kind: 'json' }, 'text', false],
    [{ kind: 'array', of: { kind: 'int32' } }, '_int4', false],
    [{ kind: 'bit', length: 1 }, 'bit', false],
    [{ kind: 'xml' }, 'xml', false],
    [{ kind: 'decimal' }, 'money', false],
    [{ kind: 'string' }, 'inet', false],
  ])('%j into %s: binary %s', (type, typname, expected) => {
    expect(binaryEncoderFor(type, base(typname)) !== undefined).toBe(expected);
  });
});

/**
 * numeric's fast path (a canonical decimal string straight from scratch groups into the buffer)
 * against the form numeric_send defines, computed here independently from the digits: int16
 * ndigits, weight, sign, dscale, then base-10000 digits without leading or trailing zero groups.
 */
describe('numeric fast path', () => {
  function referenceNumeric(text: string): string {
    const negative = text.startsWith('-');
    const unsigned = text.replace(/^[+-]/, '');
    const [intPart = '', fracPart = ''] = unsigned.split('.');
    const intDigits = intPart.replace(/^0+/, '');
    const padded = '0'.repeat((4 - (intDigits.length % 4)) % 4) + intDigits;
    const fraction = fracPart + '0'.repeat((4 - (fracPart.length % 4)) % 4);
    const groups = (padded + fraction).match(/.{4}/g)?.map(Number) ?? [];
    let weight = padded.length / 4 - 1;
    while (groups.length && groups[0] === 0) {
      groups.shift();
      weight--;
    }
    while (groups.length && groups[groups.length - 1] === 0) groups.pop();
    const words = groups.length === 0 ? [0, 0, 0, fracPart.length] : [groups.length, weight, negative ? 0x4000 : 0, fracPart.length, ...groups];
    const out = Buffer.alloc(words.length * 2);
    words.forEach((w, i) => out.writeInt16BE(w, i * 2));
    return out.toString('hex');
  }

  it('writes the bytes numeric_send defines for random and edge decimals, and the same as for the number or bigint', () => {
    const numeric = encoder({ kind: 'decimal' }, 'numeric');
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const digits = (n: number) => Array.from({ length: n }, () => String(random(10))).join('');
    const texts = ['0', '-0', '0.00', '1', '-1', '10000', '9999', '0.0001', '-0.00010', '12345678901234567890.123456789', '+5.5', '.5', '5.', '-.25', '00012.3400'];
    for (let i = 0; i < 2000; i++) {
      const sign = ['', '-', '+'][random(3)] as string;
      const intPart = digits(random(25));
      const frac = random(3) === 0 ? '' : `.${digits(random(20))}`;
      if (intPart === '' && (frac === '' || frac === '.')) continue;
      texts.push(sign + intPart + frac);
    }
    for (const text of texts) {
      const bytes = binaryFieldBytes(numeric, text).toString('hex');
      expect({ text, bytes }).toEqual({ text, bytes: referenceNumeric(text) });
      const parts = numericParts(text);
      expect(parts?.digits.length).toBe(Buffer.from(bytes, 'hex').readInt16BE(0));
    }
    for (const n of [0, 7, -123456789, 2 ** 53 - 1]) expect(binaryFieldBytes(numeric, n)).toEqual(binaryFieldBytes(numeric, String(n)));
    expect(binaryFieldBytes(numeric, -9223372036854775808n)).toEqual(binaryFieldBytes(numeric, '-9223372036854775808'));
  });

  it('still takes the forms outside the fast path, and refuses what is not a number', () => {
    const numeric = encoder({ kind: 'decimal' }, 'numeric');
    expect(binaryFieldBytes(numeric, '1.5e3').toString('hex')).toBe(referenceNumeric('1500'));
    expect(binaryFieldBytes(numeric, ' 42 ').toString('hex')).toBe(referenceNumeric('42'));
    expect(binaryFieldBytes(numeric, 'NaN').toString('hex')).toBe('00000000c0000000');
    expect(() => binaryFieldBytes(numeric, '1.2.3')).toThrow(TerminalDbError);
  });
});

/**
 * The timestamp encoders' canonical fast path (scratch numbers instead of an object per value)
 * against microseconds computed independently through Date.UTC, for random instants, fractions
 * of every length up to microseconds, and offsets.
 */
describe('timestamp fast path', () => {
  it('writes the microseconds since 2000-01-01 UTC that Date.UTC gives, offsets applied for timestamptz only', () => {
    const ts = encoder({ kind: 'timestamp' }, 'timestamp');
    const tstz = encoder({ kind: 'timestamptz' }, 'timestamptz');
    let seed = 99;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const int64 = (micros: bigint) => {
      const out = Buffer.alloc(8);
      out.writeBigInt64BE(micros);
      return out.toString('hex');
    };
    for (let i = 0; i < 3000; i++) {
      const [y, mo, d, h, mi, s] = [1900 + random(250), 1 + random(12), 1 + random(28), random(24), random(60), random(60)];
      const digits = random(7);
      const fraction = digits === 0 ? '' : `.${pad(random(10 ** digits), digits)}`;
      const micros = digits === 0 ? 0 : Number(fraction.slice(1).padEnd(6, '0'));
      const offsetMinutes = (random(2) ? 1 : -1) * random(14 * 60);
      const zone = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
      const text = `${pad(y, 4)}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}${fraction}`;
      const local = BigInt(Date.UTC(y, mo - 1, d, h, mi, s)) * 1000n + BigInt(micros) - 946_684_800_000_000n;
      expect({ text, bytes: binaryFieldBytes(ts, text).toString('hex') }).toEqual({ text, bytes: int64(local) });
      expect({ text, bytes: binaryFieldBytes(tstz, text + zone).toString('hex') }).toEqual({ text, bytes: int64(local - BigInt(offsetMinutes) * 60_000_000n) });
    }
  });
});
