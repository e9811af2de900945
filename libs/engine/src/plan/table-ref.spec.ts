import { formatTableRef, matchesPattern, parseTableRef } from './table-ref';

describe('parseTableRef', () => {
  it.each([
    ['public.orders', { schema: 'public', name: 'orders', pattern: false }],
    ['sales.*', { schema: 'sales', name: '*', pattern: true }],
    ['sales.order_?', { schema: 'sales', name: 'order_?', pattern: true }],
    ['"my.schema"."a""b"', { schema: 'my.schema', name: 'a"b', pattern: false }],
    ['"s"."*"', { schema: 's', name: '*', pattern: false }],
    ['main.таблица', { schema: 'main', name: 'таблица', pattern: false }],
  ])('%s', (text, expected) => expect(parseTableRef(text)).toEqual(expected));

  it.each(['orders', 'a.b.c', '.t', 's.', '"unterminated.t', '*.t', 's."t'])('refuses %s', (text) => {
    expect(parseTableRef(text)).toBeNull();
  });
});

describe('matchesPattern', () => {
  it('globs * and ? and treats the rest literally', () => {
    expect(matchesPattern('order_*', 'order_2024')).toBe(true);
    expect(matchesPattern('order_?', 'order_10')).toBe(false);
    expect(matchesPattern('a.b', 'axb')).toBe(false);
    expect(matchesPattern('*', 'anything at all')).toBe(true);
  });
});

describe('formatTableRef', () => {
  it.each([['public', 'orders'], ['my.schema', 'a"b'], ['s', '*'], ['main', 'таблица']])('%s.%s reads back exactly', (schema, name) => {
    expect(parseTableRef(formatTableRef({ schema, name }))).toEqual({ schema, name, pattern: false });
  });
});
