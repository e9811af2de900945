import 'reflect-metadata';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BadRequestException } from '@nestjs/common';
import { InputGuardPipe, nullProblems, textProblems, tooDeep, UuidParamPipe } from './input-guard';

class Inner {
  @ApiProperty() source!: string;
  @ApiPropertyOptional() target?: string;
}

class Outer {
  @ApiPropertyOptional() name?: string;
  @ApiPropertyOptional({ nullable: true, type: String }) schedule?: string | null;
  @ApiPropertyOptional({ type: [Inner] }) tables?: Inner[];
}

const nest = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: [value] };
  return value;
};

describe('input guard', () => {
  it('finds the first path deeper than the bound without recursing, even 100,000 levels down', () => {
    expect(tooDeep(nest(16))).toBeUndefined();
    expect(tooDeep(nest(17))).toBe('a[0].a[0].a[0].a[0].a[0].a[0].a[0].a[0].a[0].a[0].a[0].a[0].a[0].a[0].a[0].a[0]');
    expect(tooDeep(nest(100_000))).toMatch(/^a\[0\]/);
  });

  it('names each string holding NUL or a lone surrogate, keys included', () => {
    expect(textProblems({ options: { note: 'a\u0000b' }, ok: '😀', tables: [{ source: 'x\ud800' }], types: { 'k\u0000': 'text' } }, '').map((p) => p.field).sort()).toEqual([
      'options.note',
      'tables[0].source',
      'types.k\\u0000',
    ]);
    expect(textProblems('\udc00', 'schema', 'param')).toEqual([{ field: 'schema', message: 'schema must be valid Unicode (it holds a lone surrogate)' }]);
  });

  it('refuses null where the DTO does not document it as nullable, nested ones too', () => {
    expect(nullProblems({ name: null, schedule: null, tables: [{ source: 's', target: null }] }, Outer).map((p) => p.field)).toEqual(['name', 'tables[0].target']);
    expect(nullProblems({ schedule: null }, Outer)).toEqual([]);
  });

  it('throws a 400 naming the field from the pipe, and refuses a body that is not an object', () => {
    const pipe = new InputGuardPipe();
    const call = (value: unknown, type: 'body' | 'query' | 'param', data?: string) => () => pipe.transform(value, { type, metatype: Outer, data });
    expect(call({ name: 'ok' }, 'body')()).toEqual({ name: 'ok' });
    expect(call({ name: null }, 'body')).toThrow(BadRequestException);
    expect(call([{ name: 'ok' }], 'body')).toThrow('body must be a JSON object');
    expect(call('a\u0000', 'param', 'table')).toThrow('table must not contain NUL');
  });

  it('names the parameter that is not a UUID', () => {
    const pipe = new UuidParamPipe();
    expect(pipe.transform('6f1c2a9e-6b0d-4e8f-9a7c-1d2e3f4a5b6c', { type: 'param', data: 'id' })).toBe('6f1c2a9e-6b0d-4e8f-9a7c-1d2e3f4a5b6c');
    expect(() => pipe.transform('nope', { type: 'param', data: 'runId' })).toThrow('runId must be a UUID');
  });
});
