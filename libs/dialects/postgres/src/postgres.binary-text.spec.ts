import { type NeutralColumn, neutralTextField, type NeutralType, type NeutralValue } from '@dbferry/dialects-core';
import { BinaryCopyBuffer, type TargetColumnType } from './postgres.binary-frame';
import { planBinaryCopy, writeBinaryRow } from './postgres.binary';
import { NeutralTextTranscoder } from './postgres.binary-text';
import { ValueWarnings } from './postgres.values';

/*
 * A NEUTRAL_TEXT_ROWS field (the neutral form's UTF-8 text) must become the very bytes the row
 * path writes for the value a reader decodes from that text: the transcoder's fast paths (bytes
 * as they are, digits) and its slices into the column's own encoder, side by side with
 * writeBinaryRow over the decoded values.
 */

const base = (typname: string): TargetColumnType => ({ typname, typtype: 'b' });

interface Case {
  type: NeutralType;
  target: TargetColumnType;
  /** The field's text (null: NULL) and the neutral value a reader decodes from it. */
  values: [string | null, NeutralValue][];
}

const same = (...texts: string[]): [string, NeutralValue][] => texts.map((t) => [t, t]);

const CASES: Case[] = [
  { type: { kind: 'int16' }, target: base('int2'), values: [['0', 0], ['-32768', -32768], ['32767', 32767], ['-0', 0], ['007', 7], [null, null]] },
  { type: { kind: 'int32' }, target: base('int4'), values: [['-2147483648', -2147483648], ['2147483647', 2147483647], ['12', 12]] },
  {
    type: { kind: 'int64' },
    target: base('int8'),
    values: [
      ['9223372036854775807', 9223372036854775807n],
      ['-9223372036854775808', -9223372036854775808n],
      ['999999999999999', 999999999999999n],
      ['-9007199254740993', -9007199254740993n],
      ['1234567890123456', 1234567890123456n],
      ['-1', -1n],
    ],
  },
  { type: { kind: 'uint32' }, target: base('int8'), values: [['4294967295', 4294967295], ['0', 0]] },
  { type: { kind: 'int32' }, target: base('numeric'), values: [['-5', -5], ['2147483647', 2147483647]] },
  { type: { kind: 'bool' }, target: base('bool'), values: [['0', false], ['1', true], [null, null]] },
  { type: { kind: 'decimal', precision: 38, scale: 10 }, target: base('numeric'), values: same('-12.5000000000', '0.0000000000', '9999999999999999999999999999.9999999999', '-0.0000000001') },
  { type: { kind: 'string', length: 100 }, target: base('varchar'), values: same('héllo 🐘 𝄞', '', '🐘'.repeat(100), 'tab\tnew\nline') },
  { type: { kind: 'text' }, target: base('text'), values: same('x'.repeat(70_000), 'ok', 'é'.repeat(40)) },
  { type: { kind: 'char', length: 5 }, target: base('bpchar'), values: same('ab', 'abcde', 'é') },
  { type: { kind: 'enum', values: ['small', 'large'] }, target: { typname: 'size', typtype: 'e' }, values: same('small', 'large') },
  { type: { kind: 'json' }, target: base('jsonb'), values: same('{"ключ": "値 🎉", "n": [1, 2.5, null]}', '[]', '"s"') },
  { type: { kind: 'json' }, target: base('json'), values: same('{"b": 1, "a": 2}', 'null') },
  { type: { kind: 'date' }, target: base('date'), values: same('2024-02-29', '1000-01-01', '9999-12-31') },
  { type: { kind: 'timestamp', precision: 6 }, target: base('timestamp'), values: same('9999-12-31 23:59:59.999999', '1970-01-01 00:00:00', '1969-07-20 20:17:40.000001') },
  { type: { kind: 'time', precision: 6 }, target: base('time'), values: same('23:59:59.999999', '12:00:00.5', '00:00:00') },
  // The forms the format allows beside the neutral one: a zone-less UTC instant, a uuid in capitals, a float's digits.
  {
    type: { kind: 'timestamptz', precision: 6 },
    target: base('timestamptz'),
    values: [['2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.123456+00:00'], ['1969-07-20 20:17:40.000001', '1969-07-20 20:17:40.000001+00:00'], ['2038-01-19 03:14:07', '2038-01-19 03:14:07+00:00']],
  },
  { type: { kind: 'uuid' }, target: base('uuid'), values: [['6F1C5A4E-2B8D-4C3A-9E7F-0123456789AB', '6f1c5a4e-2b8d-4c3a-9e7f-0123456789ab'], ['00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000']] },
  { type: { kind: 'float64' }, target: base('float8'), values: [['-1.5e300', -1.5e300], ['5e-324', 5e-324], ['0.1', 0.1], ['-0', -0], ['1.7976931348623157e308', 1.7976931348623157e308]] },
  // A MySQL FLOAT is selected as a double: its digits, and the shortest float32 the row path makes of them.
  { type: { kind: 'float32' }, target: base('float4'), values: [['0.10000000149011612', 0.1], ['3.4028234663852886e38', 3.4028235e38], ['-1.401298464324817e-45', -1e-45]] },
];

const columns: NeutralColumn[] = CASES.map((c, i) => ({ name: `c${i}`, type: c.type, nativeType: '', nullable: true }));
const names = columns.map((c) => c.name);
const ROWS = Math.max(...CASES.map((c) => c.values.length));
const cell = (c: Case, row: number) => c.values[row % c.values.length] as [string | null, NeutralValue];

function plan(cases: Case[], cols = columns) {
  const planned = planBinaryCopy(cols, new Map(cols.map((c, i) => [c.name, (cases[i] as Case).target])));
  if (!('encoders' in planned)) throw new Error(planned.textBecause);
  return planned.encoders;
}

function transcoder(cases: Case[], cols = columns): NeutralTextTranscoder {
  const made = NeutralTextTranscoder.for(cols.map((c) => c.type.kind), cols.map((c) => c.type.kind), plan(cases, cols), cols.map((c) => c.name));
  if (!made) throw new Error('no transcoder');
  return made;
}

/** The same rows both ways: COPY bytes and warnings of the transcoder, and of writeBinaryRow. */
function bothWays(cases: Case[], rows: number, nul: 'strip' | 'reject' = 'strip') {
  const cols = columns.slice(0, cases.length).map((c, i) => ({ ...c, type: (cases[i] as Case).type }));
  const data = Buffer.concat(Array.from({ length: rows }, (_, r) => Buffer.concat(cases.map((c) => neutralTextField(cell(c, r)[0])))));
  const textWarnings = new ValueWarnings(nul, 't');
  const textOut = new BinaryCopyBuffer();
  const count = transcoder(cases, cols).write(textOut, data, textWarnings);
  const rowWarnings = new ValueWarnings(nul, 't');
  const rowOut = new BinaryCopyBuffer();
  const encoders = plan(cases, cols);
  for (let r = 0; r < rows; r++) writeBinaryRow(rowOut, encoders, cols.map((c) => c.name), cases.map((c) => cell(c, r)[1]), rowWarnings);
  return { count, text: textOut.take(), rows: rowOut.take(), textWarnings: textWarnings.list(), rowWarnings: rowWarnings.list() };
}

describe('NEUTRAL_TEXT_ROWS into COPY binary (NeutralTextTranscoder)', () => {
  it('writes every kind exactly as the row path writes the decoded values', () => {
    const { count, text, rows } = bothWays(CASES, ROWS);
    expect(count).toBe(ROWS);
    expect(text.length).toBeGreaterThan(70_000);
    expect(text.equals(rows)).toBe(true);
  });

  it('strips a NUL in text and jsonb as the row path does, with the same warnings; reject fails the same way', () => {
    const nuls: Case[] = [
      { type: { kind: 'text' }, target: base('text'), values: same('a\u0000b', '', 'no nul', '\u0000') },
      { type: { kind: 'json' }, target: base('jsonb'), values: same('"x\u0000"', '{}', '[]', '1') },
      { type: { kind: 'int32' }, target: base('int4'), values: [['0', 0], ['10', 10], ['-7', -7], ['0', 0]] },
    ];
    const both = bothWays(nuls, 4);
    expect(both.text.equals(both.rows)).toBe(true);
    expect(both.textWarnings).toEqual(both.rowWarnings);
    expect(both.textWarnings).toEqual(expect.arrayContaining([expect.objectContaining({ column: 'c0', kind: 'nul-stripped', count: 2 })]));
    expect(() => bothWays(nuls, 4, 'reject')).toThrow(/column "c0": a value contains a NUL character/);
  });

  it('refuses what the column cannot take with the row path’s own error', () => {
    const tooBig: Case[] = [{ type: { kind: 'int16' }, target: base('int2'), values: [['40000', 40000]] }];
    const cols = columns.slice(0, 1).map((c) => ({ ...c, type: { kind: 'int16' } as NeutralType }));
    const rowError = (() => {
      try {
        writeBinaryRow(new BinaryCopyBuffer(), plan(tooBig, cols), ['c0'], [40000]);
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    })();
    expect(rowError).toMatch(/column "c0": 40000 is not in the range of smallint/);
    // The same refusal, the value shown as the text it came as.
    expect(() => bothWays(tooBig, 1)).toThrow(/column "c0": "40000" is not in the range of smallint/);
    const notDigits: Case[] = [{ type: { kind: 'int16' }, target: base('int2'), values: [['1e3', '1e3']] }];
    expect(() => bothWays(notDigits, 1)).toThrow(/column "c0": "1e3" is not an integer/);
  });

  it('takes only rows of the columns’ own kinds', () => {
    const encoders = plan(CASES);
    const kinds = columns.map((c) => c.type.kind);
    expect(NeutralTextTranscoder.for(kinds, kinds, encoders, names)).toBeDefined();
    expect(NeutralTextTranscoder.for(['text', ...kinds.slice(1)], kinds, encoders, names)).toBeUndefined();
    expect(NeutralTextTranscoder.for(kinds.slice(1), kinds, encoders, names)).toBeUndefined();
  });
});
