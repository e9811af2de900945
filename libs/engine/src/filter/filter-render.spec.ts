import { FilterError } from './filter-error';
import type { FilterExpr } from './filter-ir';
import { renderFilter } from './filter-render';

// validateFilter refuses backslashes, so these escapes are only reachable from here: they stay
// as a second line of defence in case the scanner is ever relaxed.
describe('renderFilter', () => {
  const filter: FilterExpr = {
    kind: 'compare',
    op: '=',
    left: { kind: 'column', name: 'x' },
    right: { kind: 'string', value: "a\\' OR 1=1", national: false },
  };

  it.each([
    ['postgres', `"x" = E'a\\\\'' OR 1=1'`],
    ['mysql', "`x` = 'a\\\\'' OR 1=1'"],
    ['mssql', "[x] = 'a\\'' OR 1=1'"],
    ['oracle', `"x" = 'a\\'' OR 1=1'`],
    ['sqlite', `"x" = 'a\\'' OR 1=1'`],
  ] as const)('keeps a backslash and a quote inside the %s literal', (dialect, sql) => {
    expect(renderFilter(dialect, filter)).toBe(sql);
  });

  it('never emits "--" for a negated negative number', () => {
    const e: FilterExpr = { kind: 'compare', op: '>', left: { kind: 'negate', expr: { kind: 'number', text: '-1' } }, right: { kind: 'number', text: '0' } };
    expect(renderFilter('postgres', e)).toBe('-(-1) > 0');
  });

  it('refuses a column name it cannot quote', () => {
    const e: FilterExpr = { kind: 'is', expr: { kind: 'column', name: 'a\0b' }, negated: false, value: 'NULL' };
    expect(() => renderFilter('postgres', e)).toThrow(FilterError);
  });
});
