import { formatTable } from './output';
import { addSecret, redact, safeUrl } from './redact';

describe('redact and safeUrl', () => {
  it('masks a URL password, and any secret it was given wherever it appears', () => {
    expect(safeUrl('postgres://app:p%40ss@db:5432/sales?schema=x')).toBe('postgres://app:***@db:5432/sales?schema=x');
    expect(safeUrl('mysql://root@127.0.0.1/wh')).toBe('mysql://root@127.0.0.1/wh');
    expect(safeUrl('sqlite:///tmp/a.db')).toBe('sqlite:///tmp/a.db');
    addSecret('p@ss-word');
    expect(redact('login failed for p@ss-word (p%40ss-word)')).toBe('login failed for *** (***)');
  });
});

describe('formatTable', () => {
  it('aligns text left and numbers right under a rule', () => {
    expect(formatTable(['table', 'rows'], [['public.a', 5], ['public.bb', 500]]).split('\n')).toEqual(['table      rows', '---------  ----', 'public.a      5', 'public.bb   500']);
  });
});
