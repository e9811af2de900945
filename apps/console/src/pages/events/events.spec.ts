import { formatFields, parseFields, parseHeaders } from './events';

describe('event source form helpers', () => {
  it('reads column=payload.path lines, naming a bad line', () => {
    expect(parseFields('name = payload.name\n\nctx=payload.limits.context\n')).toEqual({ fields: { name: 'payload.name', ctx: 'payload.limits.context' } });
    expect(parseFields('  \n')).toEqual({});
    expect(parseFields('name=payload.name\nbroken')).toEqual({ error: 'line 2: write column=payload.path' });
    expect(parseFields('=payload.x').error).toContain('line 1');
    expect(formatFields({ a: 'payload.a', b: 'payload.b.c' })).toBe('a=payload.a\nb=payload.b.c');
  });

  it('reads Name: value header lines (a value may hold colons)', () => {
    expect(parseHeaders('Authorization: Bearer abc:def\nX-Tenant: 7')).toEqual({ headers: { Authorization: 'Bearer abc:def', 'X-Tenant': '7' } });
    expect(parseHeaders('')).toEqual({});
    expect(parseHeaders('nocolon').error).toBe('line 1: write Name: value');
  });
});
