import type { NeutralType, NeutralValue } from '@dbferry/dialects-core';
import {
  copyField,
  copyLine,
  decodeValue,
  encodeArrayLiteral,
  encodeParam,
  encodeText,
  parseArrayLiteral,
  POSTGRES_RAW_TYPES,
  POSTGRES_SESSION_TYPES,
  ValueWarnings,
} from './postgres.values';

const text: NeutralType = { kind: 'text' };
const int32: NeutralType = { kind: 'int32' };

describe('COPY text escaping', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a\tb', 'a\\tb'],
    ['line\nnext', 'line\\nnext'],
    ['cr\rhere', 'cr\\rhere'],
    ['back\\slash', 'back\\\\slash'],
    ['\\N', '\\\\N'],
    ['emoji 😀 тест', 'emoji 😀 тест'],
  ])('%j → %j', (value, escaped) => {
    expect(copyField(value)).toBe(escaped);
  });

  it('writes NULL as \\N and keeps the empty string distinct', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField(encodeText(text, '', 'c'))).toBe('');
  });

  it('writes bytea as escaped hex, zero bytes included', () => {
    const value = Buffer.from([0, 1, 0x5c, 0xff, 0]);
    expect(encodeText({ kind: 'blob' }, value, 'b')).toBe('\\x00015cff00');
    expect(copyField(encodeText({ kind: 'blob' }, value, 'b'))).toBe('\\\\x00015cff00');
  });

  it('writes one row per line, fields separated by tabs', () => {
    const types: NeutralType[] = [{ kind: 'int64' }, text, { kind: 'bool' }, { kind: 'float64' }, { kind: 'decimal' }];
    const row: NeutralValue[] = [-9223372036854775808n, 'a\tb\nc', false, Number.NaN, '-12.50'];
    expect(copyLine(types, ['i', 't', 'b', 'f', 'd'], row)).toBe('-9223372036854775808\ta\\tb\\nc\tf\tNaN\t-12.50\n');
  });

  it('strips NUL characters from text and names the column in a warning', () => {
    const warnings = new ValueWarnings();
    expect(copyLine([text, text], ['clean', 'dirty'], ['ok', 'a\u0000b\u0000'], warnings)).toBe('ok\tab\n');
    copyLine([text, text], ['clean', 'dirty'], ['ok', '\u0000'], warnings);
    expect(warnings.list()).toEqual([{ column: 'dirty', kind: 'nul-stripped', count: 2 }]);
  });

  it('truncates times to microseconds as the binary path does, and counts the values cut', () => {
    const warnings = new ValueWarnings();
    expect(encodeText({ kind: 'timestamp' }, '2000-01-01 23:59:59.9999999', 't', warnings)).toBe('2000-01-01 23:59:59.999999');
    expect(encodeText({ kind: 'timestamptz' }, '2000-01-01 00:00:00.123456789+02:00', 't', warnings)).toBe('2000-01-01 00:00:00.123456+02:00');
    expect(encodeText({ kind: 'time' }, '12:00:00.5000000', 't', warnings)).toBe('12:00:00.500000');
    expect(encodeText({ kind: 'time' }, '12:00:00.5', 't', warnings)).toBe('12:00:00.5');
    expect(warnings.list()).toEqual([{ column: 't', kind: 'fractional-seconds-truncated', count: 2 }]);
  });

  it('keeps NUL bytes in binary values', () => {
    const warnings = new ValueWarnings();
    expect(encodeText({ kind: 'blob' }, Buffer.from([0]), 'b', warnings)).toBe('\\x00');
    expect(warnings.list()).toEqual([]);
  });

  it('writes floats exactly, with their special values', () => {
    const f: NeutralType = { kind: 'float64' };
    expect(encodeText(f, 0.1, 'f')).toBe('0.1');
    expect(encodeText(f, Number.POSITIVE_INFINITY, 'f')).toBe('Infinity');
    expect(encodeText(f, Number.NEGATIVE_INFINITY, 'f')).toBe('-Infinity');
    expect(encodeText(f, -0, 'f')).toBe('-0');
    expect(encodeText(f, 1.7976931348623157e308, 'f')).toBe('1.7976931348623157e+308');
  });
});

describe('array literals', () => {
  it('quotes every element and escapes quotes and backslashes', () => {
    expect(encodeArrayLiteral(text, ['a', null, '', 'x"y', 'b\\c', '{,}', 'NULL'], 'c')).toBe(
      '{"a",NULL,"","x\\"y","b\\\\c","{,}","NULL"}',
    );
    expect(encodeArrayLiteral(int32, [], 'c')).toBe('{}');
    expect(encodeArrayLiteral(int32, [[1, 2], [3, null]], 'c')).toBe('{{"1","2"},{"3",NULL}}');
  });

  it('COPY-escapes the literal as one field', () => {
    expect(copyField(encodeText({ kind: 'array', of: text }, ['t\tab', 'q"\\'], 'c'))).toBe('{"t\\tab","q\\\\"\\\\\\\\"}');
  });

  it('writes a set (array or MySQL text form) as text[]', () => {
    const set: NeutralType = { kind: 'set', values: ['read', 'write'] };
    expect(encodeText(set, ['read', 'write'], 's')).toBe('{"read","write"}');
    expect(encodeText(set, 'read,write', 's')).toBe('{"read","write"}');
    expect(encodeText(set, '', 's')).toBe('{}');
  });

  it('parses what the server prints', () => {
    expect(parseArrayLiteral('{1,NULL,"a b","\\"q\\"","",null}')).toEqual(['1', null, 'a b', '"q"', '', null]);
    expect(parseArrayLiteral('{{1,2},{3,4}}')).toEqual([['1', '2'], ['3', '4']]);
    expect(parseArrayLiteral('{}')).toEqual([]);
    expect(parseArrayLiteral('[0:1]={7,8}')).toEqual(['7', '8']);
    expect(() => parseArrayLiteral('1,2')).toThrow(/malformed/);
  });

  it.each<[NeutralType, NeutralValue[]]>([
    [text, ['', null, 'NULL', 'a,b', '{x}', 'q"q', 'back\\', ' spaced ', '😀']],
    [int32, [1, null, -3]],
    [{ kind: 'int64' }, [9223372036854775807n, -9223372036854775808n]],
    [{ kind: 'blob' }, [Buffer.from([0, 255]), null]],
    [{ kind: 'decimal' }, ['-12.50', '0']],
  ])('encodes and parses back %j', (of, values) => {
    const literal = encodeArrayLiteral(of, values, 'c');
    expect(decodeValue({ kind: 'array', of }, literal)).toEqual(values);
  });

  it('decodes nested arrays element by element', () => {
    expect(decodeValue({ kind: 'array', of: { kind: 'int64' } }, '{{1,2},{NULL,4}}')).toEqual([[1n, 2n], [null, 4n]]);
  });
});

describe('decoding the server text', () => {
  it.each<[NeutralType, string, NeutralValue]>([
    [{ kind: 'bool' }, 't', true],
    [{ kind: 'bool' }, 'f', false],
    [{ kind: 'int16' }, '-32768', -32768],
    [{ kind: 'int64' }, '9223372036854775807', 9223372036854775807n],
    [{ kind: 'int64' }, '-9223372036854775808', -9223372036854775808n],
    [{ kind: 'decimal' }, '1234567890123456789012345678.1234567890', '1234567890123456789012345678.1234567890'],
    [{ kind: 'float64' }, 'NaN', Number.NaN],
    [{ kind: 'float64' }, '-Infinity', Number.NEGATIVE_INFINITY],
    [{ kind: 'float32' }, '0.1', 0.1],
    [{ kind: 'uuid' }, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    [{ kind: 'date' }, '0001-01-01', '0001-01-01'],
    [{ kind: 'timestamp' }, '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999'],
    [{ kind: 'timestamptz' }, '2024-02-29 12:00:00.000001+00', '2024-02-29 12:00:00.000001+00:00'],
    [{ kind: 'timestamptz' }, '2024-02-29 12:00:00+00:00', '2024-02-29 12:00:00+00:00'],
    [{ kind: 'interval' }, 'P1Y2M3DT4H5M6.5S', 'P1Y2M3DT4H5M6.5S'],
    [{ kind: 'json', binary: true }, '{"a": "ü"}', '{"a": "ü"}'],
    [{ kind: 'char', length: 3 }, 'a  ', 'a  '],
  ])('%j %j', (type, raw, value) => {
    expect(decodeValue(type, raw)).toEqual(value);
  });

  it('reads bytea hex (and the old escape format) into a Buffer', () => {
    expect(decodeValue({ kind: 'blob' }, '\\x00ff00')).toEqual(Buffer.from([0, 255, 0]));
    expect(decodeValue({ kind: 'blob' }, 'a\\000\\\\')).toEqual(Buffer.from([0x61, 0, 0x5c]));
  });

  it('keeps NULL as null', () => {
    expect(decodeValue({ kind: 'int64' }, null)).toBeNull();
  });

  it('encodes key parameters as text the server reads', () => {
    expect(encodeParam({ kind: 'int64' }, 9223372036854775807n)).toBe('9223372036854775807');
    expect(encodeParam({ kind: 'blob' }, Buffer.from([1]))).toBe('\\x01');
    expect(encodeParam({ kind: 'text' }, null)).toBeNull();
  });
});

describe('type parsers', () => {
  it('keep exact and temporal types as text on the session client without touching the global parsers', () => {
    const parse = (oid: number) => POSTGRES_SESSION_TYPES.getTypeParser(oid, 'text') as (v: string) => unknown;
    for (const oid of [20, 1700, 1082, 1083, 1114, 1184, 1186, 114, 3802, 2950, 790, 1016, 1185]) {
      expect(parse(oid)('x9')).toBe('x9');
    }
    expect(parse(23)('42')).toBe(42);
    expect((POSTGRES_RAW_TYPES.getTypeParser(23, 'text') as (v: string) => unknown)('42')).toBe('42');
  });
});
