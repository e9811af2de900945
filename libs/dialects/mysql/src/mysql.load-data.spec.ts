import { type NeutralColumn, type NeutralType, ValueLossCounter } from '@dbferry/dialects-core';
import { escapeLoadField, LoadDataLines, loadDataSql, loadDataWarningError } from './mysql.load-data';

const col = (name: string, type: NeutralType): NeutralColumn => ({ name, nativeType: '', nullable: true, type });

describe('LOAD DATA lines', () => {
  it('escapes the escape character, the terminators, CR and NUL, and nothing else', () => {
    expect(escapeLoadField('plain ü 😀 , " \'')).toBe('plain ü 😀 , " \'');
    expect(escapeLoadField('a\\b\tc\nd\re\u0000f')).toBe('a\\\\b\\tc\\nd\\re\\0f');
    expect(escapeLoadField('\\N')).toBe('\\\\N');
  });

  it('writes one line per row, NULL as \\N, each field as the INSERT literal would read', () => {
    const lines = new LoadDataLines([
      col('id', { kind: 'int64' }),
      col('amount', { kind: 'decimal', precision: 10, scale: 2 }),
      col('at', { kind: 'timestamptz' }),
      col('bin', { kind: 'blob' }),
      col('bits', { kind: 'bit', length: 4 }),
      col('tags', { kind: 'set', values: ['a', 'b'] }),
      col('flag', { kind: 'bool' }),
      col('note', { kind: 'text' }),
    ]);
    lines.add([9007199254740993n, '+12.50', '2024-01-01 01:30:00.5+01:30', Buffer.from([0, 255]), '', ['a', 'b'], 't', 'x\ty']);
    lines.add([1n, null, null, null, null, null, null, null]);
    expect(lines.take()).toBe(
      '9007199254740993\t12.50\t2024-01-01 00:00:00.5\t00ff\t0\ta,b\t1\tx\\ty\n' + '1\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n',
    );
    expect(lines.pending()).toBe(0);
    expect(() => lines.add([1n, null, null, null, '102', null, null, null])).toThrow('not a string of bits');
  });

  it('cuts fractions to microseconds as the INSERT path does, counting the values cut', () => {
    const losses = new ValueLossCounter();
    const lines = new LoadDataLines([col('at', { kind: 'timestamptz', precision: 9 }), col('clock', { kind: 'time', precision: 7 })], losses);
    lines.add(['2024-01-01 01:30:00.123456789+01:30', '12:00:00.1234560']);
    expect(lines.take()).toBe('2024-01-01 00:00:00.123456\t12:00:00.123456\n');
    expect(losses.list()).toEqual([{ column: 'at', kind: 'fractional-seconds-truncated', count: 1 }]);
  });

  it('loads binary and bit columns through SET expressions', () => {
    const sql = loadDataSql({ schema: 'db', name: 't' }, [col('id', { kind: 'int32' }), col('b', { kind: 'binary' }), col('f', { kind: 'bit', length: 3 })]);
    expect(sql).toBe(
      "LOAD DATA LOCAL INFILE 'dbferry-rows' INTO TABLE `db`.`t` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' " +
        '(`id`, @dbferry_1, @dbferry_2) SET `b` = UNHEX(@dbferry_1), `f` = CAST(CONV(@dbferry_2, 2, 10) AS UNSIGNED)',
    );
  });

  it('turns the first warning into the error INSERT would have raised; notes pass', () => {
    const columns = [col('s', { kind: 'string', length: 5 }), col('e', { kind: 'enum', values: ['a'] })];
    expect(loadDataWarningError([{ level: 'Note', code: 1265, message: "Data truncated for column 'n' at row 1" }], columns)).toBeNull();
    expect(loadDataWarningError([{ level: 'Warning', code: 1264, message: "Out of range value for column 'n' at row 2" }], columns)).toMatchObject({
      errno: 1264,
      message: "Out of range value for column 'n' at row 2",
    });
    expect(loadDataWarningError([{ level: 'Warning', code: 1265, message: "Data truncated for column 's' at row 3" }], columns)).toMatchObject({
      errno: 1406,
      message: "Data too long for column 's' at row 3",
    });
    expect(loadDataWarningError([{ level: 'Warning', code: 1265, message: "Data truncated for column 'e' at row 3" }], columns)).toMatchObject({
      errno: 1265,
    });
    expect(
      loadDataWarningError([{ level: 'Warning', code: 1263, message: "Column set to default value; a NULL supplied to NOT NULL column 'nn' at row 2" }], columns),
    ).toMatchObject({ errno: 1048, message: "Column 'nn' cannot be null" });
  });
});
