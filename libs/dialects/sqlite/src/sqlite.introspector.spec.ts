import { checkedLabels } from './sqlite.introspector';

describe('checkedLabels', () => {
  it('reads the labels of the CHECK the DDL builder writes for an enum, quotes and commas included', () => {
    const sql = `CREATE TABLE "t" ("a""b" ENUM_TEXT CHECK ("a""b" IN ('small', 'it''s', 'a,b', 'x)y')), "e" TEXT)`;
    expect(checkedLabels(sql, 'a"b', '"a""b"')).toEqual(['small', "it's", 'a,b', 'x)y']);
  });

  it('accepts a bare column name and any case', () => {
    expect(checkedLabels(`create table t (size text check(size in ('s','m')))`, 'size', '"size"')).toEqual(['s', 'm']);
  });

  it('ignores other columns, other checks and lists that are not all strings', () => {
    const sql = `CREATE TABLE t (xsize TEXT CHECK (xsize IN ('a')), size INT CHECK (size IN (1, 2)), n INT CHECK (n > 0))`;
    expect(checkedLabels(sql, 'size', '"size"')).toBeUndefined();
    expect(checkedLabels(sql, 'n', '"n"')).toBeUndefined();
    expect(checkedLabels(sql, 'missing', '"missing"')).toBeUndefined();
  });
});
