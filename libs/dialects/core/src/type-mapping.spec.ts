import {
  boundDecimal,
  clampFraction,
  combineLoss,
  loss,
  LOSS_KINDS,
  mergeColumnInfo,
  parseTypeText,
  splitTypeArgs,
  sqlStringLiteral,
  unquoteSqlString,
  widenUnsigned,
} from './type-mapping';

describe('parseTypeText', () => {
  it.each([
    ['numeric(12,2)', { name: 'numeric', args: ['12', '2'], arrayDims: 0 }],
    ['timestamp(3) with time zone', { name: 'timestamp with time zone', args: ['3'], arrayDims: 0 }],
    ['tinyint(1) unsigned zerofill', { name: 'tinyint unsigned zerofill', args: ['1'], arrayDims: 0 }],
    ['INTERVAL DAY(2) TO SECOND(6)', { name: 'interval day to second', args: ['2', '6'], arrayDims: 0 }],
    ['character varying(20)[]', { name: 'character varying', args: ['20'], arrayDims: 1 }],
    ['int4[][]', { name: 'int4', args: [], arrayDims: 2 }],
    ["enum('a','b,c','it''s')", { name: 'enum', args: ["'a'", "'b,c'", "'it''s'"], arrayDims: 0 }],
    ['VARCHAR2(20 CHAR)', { name: 'varchar2', args: ['20 CHAR'], arrayDims: 0 }],
    ['', { name: '', args: [], arrayDims: 0 }],
  ])('%s', (text, expected) => {
    expect(parseTypeText(text)).toEqual(expected);
  });
});

describe('string helpers', () => {
  it('splits arguments outside quotes only', () => {
    expect(splitTypeArgs("'a,b', 'c'")).toEqual(["'a,b'", "'c'"]);
    expect(splitTypeArgs('')).toEqual([]);
  });

  it('quotes and unquotes SQL strings', () => {
    expect(sqlStringLiteral("it's")).toBe("'it''s'");
    expect(unquoteSqlString("'it''s'")).toBe("it's");
    expect(unquoteSqlString('12')).toBe('12');
  });
});

describe('widenUnsigned', () => {
  it('widens each unsigned kind one size and bigint unsigned to decimal(20,0)', () => {
    expect(widenUnsigned({ kind: 'uint8' })).toEqual({ kind: 'int16' });
    expect(widenUnsigned({ kind: 'uint16' })).toEqual({ kind: 'int32' });
    expect(widenUnsigned({ kind: 'uint32' })).toEqual({ kind: 'int64' });
    expect(widenUnsigned({ kind: 'uint64' })).toEqual({ kind: 'decimal', precision: 20, scale: 0 });
    expect(widenUnsigned({ kind: 'int32' })).toEqual({ kind: 'int32' });
  });
});

describe('boundDecimal', () => {
  it('keeps a decimal that fits', () => {
    expect(boundDecimal(12, 2, 38, 38)).toEqual({ precision: 12, scale: 2, reduced: false });
  });

  it('gives up fractional digits before integer digits', () => {
    expect(boundDecimal(70, 10, 38, 38)).toEqual({ precision: 38, scale: 0, reduced: true });
    expect(boundDecimal(65, 30, 38, 38)).toEqual({ precision: 38, scale: 3, reduced: true });
    expect(boundDecimal(40, 35, 65, 30)).toEqual({ precision: 40, scale: 30, reduced: true });
  });
});

describe('clampFraction', () => {
  it('defaults to microseconds and notes a truncation', () => {
    expect(clampFraction(undefined, 6)).toEqual({ precision: 6 });
    expect(clampFraction(3, 6)).toEqual({ precision: 3 });
    const { precision, lossy } = clampFraction(7, 6);
    expect(precision).toBe(6);
    expect(lossy?.kind).toBe('fractional-seconds-truncated');
    expect(lossy?.description).toContain('100 ns');
  });
});

describe('loss notes', () => {
  it('describes every kind with what happens at run time', () => {
    for (const entry of Object.values(LOSS_KINDS)) {
      expect(entry.summary.length).toBeGreaterThan(20);
      expect(entry.atRunTime.length).toBeGreaterThan(20);
    }
  });

  it('combines two notes into one, keeping the first kind', () => {
    const both = combineLoss(loss('timezone-offset-dropped', 'a.'), loss('fractional-seconds-truncated', 'b.'));
    expect(both).toEqual({ kind: 'timezone-offset-dropped', description: 'a. Also: b.' });
    expect(combineLoss(undefined, loss('set-as-text'))?.kind).toBe('set-as-text');
  });
});

describe('mergeColumnInfo', () => {
  it('lets catalogue fields win, except the parsed type name, and drops nulls', () => {
    const merged = mergeColumnInfo(
      { dataType: 'numeric', columnType: 'numeric(12,2)', precision: 12, scale: 2 },
      { dataType: 'USER-DEFINED', precision: 14, scale: null },
    );
    expect(merged).toEqual({ dataType: 'numeric', columnType: 'numeric(12,2)', precision: 14, scale: 2 });
  });
});
