import { type NeutralColumn, type NeutralType, type NeutralValue, TerminalDbError, ValueLossCounter } from '@dbferry/dialects-core';
import { LoadDataLines } from './mysql.load-data';
import { LoadDataEncoder } from './mysql.load-data-encoder';

const col = (name: string, type: NeutralType): NeutralColumn => ({ name, nativeType: '', nullable: true, type });

/** Every kind, each with values of the forms readers hand the writer, awkward ones included. */
const CASES: [NeutralType, NeutralValue[]][] = [
  [{ kind: 'bool' }, [true, false, 't', 'f', '1', '0', 'true', 'false', 'yes', 1, 0]],
  [{ kind: 'int16' }, [0, -32768, 32767, '42', '+42', '-7', 'x\ty']],
  [{ kind: 'int32' }, [0, -0, 7, -7, 10, -10, 2147483647, -2147483648, 12.5, -0.5, '2147483647', '+0']],
  [{ kind: 'int64' }, [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 53, 1e21, -1e21, 1e300]],
  [{ kind: 'int64' }, [9223372036854775807n, -9223372036854775808n, 0n, '9007199254740993', '+9007199254740993', 5]],
  [{ kind: 'uint64' }, [18446744073709551615n, '18446744073709551615']],
  [{ kind: 'decimal', precision: 38, scale: 10 }, ['12345678901234567890.0123456789', '+1.50', '-0.0000000001', '.5', 'NaN', 'Infinity', '-Infinity', '1e5', 1.25, -0]],
  [{ kind: 'float32' }, [0.1, 3.4028234663852886e38, '0.1', '+1.5', '3.4028235e+38', 'NaN']],
  [{ kind: 'float64' }, [0.1, 1e300, -5e-324, '1.7976931348623157e308', '+2.5', 'Infinity']],
  [{ kind: 'string', length: 40 }, ['', 'plain', 'café ü 東京 ✓', '😀 four bytes 𝄞', 'tab\tnl\ncr\rnul\u0000back\\slash', '\\N', 'lone \ud800 high', 'lone \udc00 low', 'end \ud83d', 7, 8n, true]],
  [{ kind: 'text' }, ['x'.repeat(70), `${'é'.repeat(40)}\\${'y'.repeat(40)}`, `${'a'.repeat(100)}😀${'b'.repeat(100)}`, `${'a'.repeat(80)}\ud800`, 'short']],
  [{ kind: 'char', length: 3 }, ['abc', 'a\tb']],
  [{ kind: 'uuid' }, ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']],
  [{ kind: 'json' }, ['{"a": "b\\n", "ü": [1, 2.5, null]}', ['a', 1, null], '{"big": 9007199254740993}']],
  [{ kind: 'xml' }, ['<a>\n</a>']],
  [{ kind: 'binary', length: 4 }, [Buffer.from([0, 1, 0xfe, 0xff]), 'text as bytes ü']],
  [{ kind: 'blob' }, [Buffer.alloc(0), Buffer.from('héllo\t\\')]],
  [{ kind: 'bit', length: 5 }, ['10101', '', '1']],
  [{ kind: 'date' }, ['2024-02-29', '0001-01-01', '10000-01-01']],
  [{ kind: 'time', precision: 6 }, ['12:34:56', '12:34:56.123456789', '23:59:59.5+02:00', '838:59:59']],
  [{ kind: 'timestamp', precision: 6 }, ['2024-01-01 00:00:00', '2024-01-01T12:00:00.123456', '2024-01-01 12:00:00.1234567', '2024-01-01 12:00:00.000001', '12024-01-01 00:00:00', '2024-01-01 00:00:00 BC', '2024-01-01 01:30:00+01:30', 'infinity']],
  [{ kind: 'timestamptz', precision: 6 }, ['2024-01-01 00:00:00+00', '2024-06-30 23:59:59.999999-07:00', '2024-01-01 00:00:00.5Z', '2024-01-01 00:00:00']],
  [{ kind: 'interval' }, ['1 year 2 mons', 'P1Y2M']],
  [{ kind: 'enum', values: ['a', 'b'] }, ['a', 'b\tc']],
  [{ kind: 'set', values: ['a', 'b'] }, [['a', 'b'], [], 'a,b']],
  [{ kind: 'array', of: { kind: 'int32' } }, [[1, 2, null], ['x"y', 'z'], '{1,2}']],
];

/** The reference: LoadDataLines' text as Buffer.from would encode it, or the error it throws. */
function reference(columns: NeutralColumn[], rows: NeutralValue[][], losses?: ValueLossCounter): Buffer {
  const lines = new LoadDataLines(columns, losses);
  for (const row of rows) lines.add(row);
  return Buffer.from(lines.take(), 'utf8');
}

function encoded(columns: NeutralColumn[], rows: NeutralValue[][], losses?: ValueLossCounter, chunkBytes?: number): Buffer {
  const encoder = new LoadDataEncoder(columns, losses, chunkBytes);
  for (const row of rows) encoder.add(row);
  return encoder.take();
}

const outcome = (work: () => Buffer): { bytes: string } | { error: string } => {
  try {
    return { bytes: work().toString('hex') };
  } catch (error) {
    return { error: `${(error as Error).constructor.name}: ${(error as Error).message}` };
  }
};

describe('LoadDataEncoder', () => {
  it.each(CASES.map(([type, values]) => [type.kind, type, values] as const))('writes %s values byte for byte as LoadDataLines does', (_kind, type, values) => {
    const columns = [col('id', { kind: 'int64' }), col('v', type)];
    for (const [i, value] of [...values, null].entries()) {
      const rows = [[BigInt(i), value]];
      const lossesA = new ValueLossCounter();
      const lossesB = new ValueLossCounter();
      expect({ value, ...outcome(() => encoded(columns, rows, lossesB)) }).toEqual({ value, ...outcome(() => reference(columns, rows, lossesA)) });
      expect(lossesB.list()).toEqual(lossesA.list());
    }
  });

  it('writes whole tables of every kind as LoadDataLines does, growing past its chunk and across takes', () => {
    const columns = CASES.map(([type], i) => col(`c${i}`, type));
    let seed = 7;
    const pick = <T>(list: T[]): T => list[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % list.length] as T;
    const fine = (type: NeutralType, value: NeutralValue) => {
      try {
        reference([col('v', type)], [[value]]);
        return true;
      } catch {
        return false;
      }
    };
    const usable = CASES.map(([type, values]) => [...values.filter((v) => fine(type, v)), null]);
    const rows = Array.from({ length: 3000 }, () => usable.map((values) => pick(values)));
    const lossesA = new ValueLossCounter();
    const lossesB = new ValueLossCounter();
    const expected = reference(columns, rows, lossesA);

    const encoder = new LoadDataEncoder(columns, lossesB, 1024);
    const parts: Buffer[] = [];
    for (const row of rows) {
      encoder.add(row);
      if (encoder.pending() >= 1024) parts.push(encoder.take());
    }
    parts.push(encoder.take());
    expect(parts.length).toBeGreaterThan(100);
    expect(Buffer.concat(parts).equals(expected)).toBe(true);
    expect(lossesB.list()).toEqual(lossesA.list());
    expect(encoder.pending()).toBe(0);
  });

  it('refuses what LoadDataLines refuses, naming the column', () => {
    const columns = [col('bits', { kind: 'bit', length: 4 })];
    expect(() => encoded(columns, [['102']])).toThrow(TerminalDbError);
    expect(() => encoded(columns, [['102']])).toThrow('column bits');
    expect(() => encoded([col('f', { kind: 'float64' })], [[Infinity]])).toThrow('MySQL cannot store Infinity');
  });
});
