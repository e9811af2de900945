import { checkedLabels, nativeColumnInfo } from './postgres.introspector';
import { postgresTypeMapper } from './postgres.type-mapper';

describe('checkedLabels', () => {
  it.each([
    [`CHECK (("M m" = ANY (ARRAY['a'::text, 'it''s, ok'::text])))`, ['a', "it's, ok"]],
    [`CHECK ((mood = ANY (ARRAY['sad'::text, 'ok'::text])))`, ['sad', 'ok']],
    [`CHECK (((v)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[])))`, ['a', 'b']],
    [`CHECK ((w = 'z'::text))`, ['z']],
    [`CHECK (("a""b" = 'x = y'::text))`, ['x = y']],
  ])('reads %s', (definition, labels) => {
    expect(checkedLabels(definition)).toEqual(labels);
  });

  it.each([`CHECK ((n > 0))`, `CHECK ((lower(w) = 'z'::text))`, `CHECK (((a = 'x'::text) OR (b = 'y'::text)))`])('ignores %s', (definition) => {
    expect(checkedLabels(definition)).toBeUndefined();
  });
});

describe('nativeColumnInfo', () => {
  it('passes enum labels, also of an enum array, to the type mapper', () => {
    expect(postgresTypeMapper.toNeutral(nativeColumnInfo('mood', ['a', 'b'], null)).type).toEqual({ kind: 'enum', values: ['a', 'b'] });
    expect(postgresTypeMapper.toNeutral(nativeColumnInfo('mood[]', null, ['a'])).type).toEqual({ kind: 'array', of: { kind: 'enum', values: ['a'] } });
    expect(postgresTypeMapper.toNeutral(nativeColumnInfo('text', ['x'], null)).type).toEqual({ kind: 'enum', values: ['x'] });
  });
});
