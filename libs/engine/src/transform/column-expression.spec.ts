import type { DialectName, NeutralColumn } from '@dbferry/dialects-core';
import { FilterError } from '../filter/filter-error';
import { validateColumnExpression } from './column-expression';
import { parseTransformFlag, planTransforms, rowTransformer, TransformError } from './column-transforms';

const col = (name: string, type: NeutralColumn['type'], nativeType = ''): NeutralColumn => ({ name, type, nativeType, nullable: true });
const columns = [
  col('id', { kind: 'int64' }, 'bigint'),
  col('first_name', { kind: 'string', length: 40 }, 'varchar(40)'),
  col('last_name', { kind: 'string', length: 40 }, 'varchar(40)'),
  col('price', { kind: 'decimal', precision: 10, scale: 2 }, 'numeric(10,2)'),
  col('qty', { kind: 'int32' }, 'integer'),
  col('My Col', { kind: 'text' }, 'text'),
];

const accept = (dialect: DialectName, expression: string) => validateColumnExpression({ dialect, expression, columns });
function refusal(dialect: DialectName, expression: string): string {
  try {
    accept(dialect, expression);
  } catch (error) {
    if (error instanceof FilterError) return error.message;
    throw error;
  }
  throw new Error(`accepted: ${expression}`);
}

describe('validateColumnExpression', () => {
  it('re-renders a concatenation with every column quoted by the dialect', () => {
    expect(accept('postgres', "first_name || ' ' || last_name")).toMatchObject({ sql: `"first_name" || ' ' || "last_name"`, columns: ['first_name', 'last_name'], inferred: { kind: 'text' } });
    expect(accept('sqlite', `"first_name" || ' ' || last_name`).sql).toBe(`"first_name" || ' ' || "last_name"`);
    expect(accept('mysql', "CONCAT(first_name, ' ', `last_name`)").sql).toBe("CONCAT(`first_name`, ' ', `last_name`)");
  });

  it('keeps arithmetic under || in parentheses (the dialects bind them differently)', () => {
    expect(accept('postgres', "price * qty || ' EUR'").sql).toBe(`("price" * "qty") || ' EUR'`);
    expect(accept('sqlite', "'#' || (id + 1)").sql).toBe(`'#' || ("id" + 1)`);
  });

  it('accepts CASE, CAST, the filter functions and the dialect allowlist', () => {
    expect(accept('postgres', "CASE WHEN qty > 10 THEN 'bulk' ELSE 'single' END").sql).toBe(`CASE WHEN "qty" > 10 THEN 'bulk' ELSE 'single' END`);
    expect(accept('postgres', "CASE qty WHEN 1 THEN 'one' END").sql).toBe(`CASE WHEN "qty" = 1 THEN 'one' END`);
    expect(accept('postgres', 'CAST(price * qty AS numeric(12, 2))')).toMatchObject({ inferred: { kind: 'decimal', precision: 12, scale: 2 } });
    expect(accept('postgres', "upper(left(first_name, 1)) || lower(\"My Col\")").sql).toBe(`UPPER(LEFT("first_name", 1)) || LOWER("My Col")`);
    expect(accept('sqlite', "iif(qty > 1, 'many', 'one')").sql).toBe(`IIF("qty" > 1, 'many', 'one')`);
    expect(accept('mysql', 'IFNULL(first_name, last_name)').sql).toBe('IFNULL(`first_name`, `last_name`)');
  });

  it('infers a type from the expression for a source that cannot describe it', () => {
    expect(accept('sqlite', 'qty * 2').inferred).toEqual({ kind: 'int64' });
    expect(accept('sqlite', 'price * qty').inferred).toEqual({ kind: 'decimal' });
    expect(accept('sqlite', 'length(first_name)').inferred).toEqual({ kind: 'int64' });
    expect(accept('sqlite', 'qty > 1').inferred).toEqual({ kind: 'bool' });
  });

  const hostile: [DialectName, string, RegExp][] = [
    ['postgres', 'pg_sleep(10)', /function pg_sleep is not allowed/],
    ['postgres', "pg_read_file('/etc/passwd')", /function pg_read_file is not allowed/],
    ['postgres', "dblink('host=evil', 'select 1')", /function dblink is not allowed/],
    ['postgres', "nextval('s')", /function nextval is not allowed/],
    ['postgres', "setval('s', 1)", /function setval is not allowed/],
    ['postgres', 'lo_import(first_name)', /function lo_import is not allowed/],
    ['postgres', 'pg_catalog.upper(first_name)', /function pg_catalog.upper is not allowed/],
    ['postgres', 'random()', /function random is not allowed/],
    ['mysql', 'SLEEP(5)', /function SLEEP is not allowed/],
    ['mysql', "BENCHMARK(1000000, MD5('x'))", /function BENCHMARK is not allowed/],
    ['mysql', "LOAD_FILE('/etc/passwd')", /function LOAD_FILE is not allowed/],
    ['mysql', 'first_name || last_name', /logical OR here.*CONCAT/],
    ['mssql', "xp_cmdshell('dir')", /cannot evaluate transform expressions/],
    ['oracle', "utl_http.request('http://evil')", /cannot evaluate transform expressions/],
    ['postgres', 'first_name; DROP TABLE t', /';' is not allowed/],
    ['postgres', 'first_name -- comment', /comments/],
    ['postgres', 'first_name /* x */', /comments/],
    ['mysql', 'first_name # x', /comments/],
    ['postgres', '(SELECT max(id) FROM t)', /subqueries/],
    ['postgres', 'EXISTS (SELECT 1)', /subqueries/],
    ['postgres', 'first_name UNION SELECT password FROM users', /UNION/],
    ['postgres', 'count(*)', /aggregate|not allowed/],
    ['postgres', 'first_name AS x', /alias/],
    ['postgres', 'first_name, last_name', /single expression|not allowed|syntax/],
    ['postgres', 'u.first_name', /qualified column/],
    ['postgres', 'password', /unknown column "password"/],
    ['postgres', '$1', /variables/],
    ['mysql', '@@version', /variables/],
    ['postgres', 'first_name::text', /CAST/],
    ['postgres', "'a' || '\u202e'", /character U\+202E/],
    ['postgres', 'first_name | 1', /character '\|'/],
    ['postgres', "'constant'", /for a constant, use set.value/],
    ['postgres', '', /empty/],
  ];
  it.each(hostile)('refuses on %s: %s', (dialect, expression, reason) => {
    expect(refusal(dialect, expression)).toMatch(reason);
  });
});

describe('planTransforms with an expression', () => {
  const resolved = new Map([['full_name', { sql: `"first_name" || ' ' || "last_name"`, type: { kind: 'text' as const }, nativeType: 'text' }]]);

  it('reads a new column as the source evaluates it, after the others, and copies it unchanged', () => {
    const { read, plan } = planTransforms({ columns, all: columns, keyColumns: ['id'], transforms: [{ column: 'full_name', set: { expr: "first_name || ' ' || last_name" } }], expressions: resolved });
    expect(read.at(-1)).toMatchObject({ name: 'full_name', expression: `"first_name" || ' ' || "last_name"`, type: { kind: 'text' } });
    expect(plan.columns.at(-1)).toMatchObject({ name: 'full_name', type: { kind: 'text' }, nativeType: 'text', nullable: true });
    expect(plan.ops).toBeUndefined();
    expect(plan.unchanged.full_name).toBeUndefined();
    expect(plan.notes.full_name).toBe(`new column, set to the source's expression "first_name" || ' ' || "last_name"`);
  });

  it('converts to a declared type, failing on a value that is not one, naming the column', () => {
    const declared = new Map([['qty', { sql: `"qty" * 2`, type: { kind: 'int64' as const }, nativeType: 'bigint' }]]);
    const { plan } = planTransforms({ columns, all: columns, keyColumns: ['id'], transforms: [{ column: 'qty', rename: 'qty_text', set: { expr: 'qty * 2', type: 'text' } }], expressions: declared });
    const at = plan.columns.findIndex((c) => c.name === 'qty_text');
    expect(plan.columns[at]).toMatchObject({ type: { kind: 'text' } });
    const transform = rowTransformer(plan) as NonNullable<ReturnType<typeof rowTransformer>>;
    expect(transform({ columns: [], rows: [[1n, 'a', 'b', '1.00', 8n, 'x']] }).rows[0][at]).toBe('8');
    const dated = new Map([['qty', { sql: `"qty"`, type: { kind: 'text' as const }, nativeType: 'text' }]]);
    const { plan: p2 } = planTransforms({ columns, all: columns, keyColumns: ['id'], transforms: [{ column: 'qty', set: { expr: 'qty', type: 'date' } }], expressions: dated });
    const t2 = rowTransformer(p2) as NonNullable<ReturnType<typeof rowTransformer>>;
    expect(() => t2({ columns: [], rows: [[1n, 'a', 'b', '1.00', 'soon', 'x']] })).toThrow(/column qty: .*"soon" is not a date value/);
  });

  it('refuses an expression on a key column and one not checked against the source', () => {
    expect(() => planTransforms({ columns, all: columns, keyColumns: ['id'], transforms: [{ column: 'id', set: { expr: 'id + 1' } }], expressions: new Map() })).toThrow(/id is a key column/);
    expect(() => planTransforms({ columns, all: columns, keyColumns: ['id'], transforms: [{ column: 'x', set: { expr: 'qty' } }] })).toThrow(TransformError);
  });
});

describe('parseTransformFlag', () => {
  it('reads expr= as the rest of the flag, commas included, with an optional type before it', () => {
    expect(parseTransformFlag("full_name:expr=concat(first_name, ' ', last_name)")).toEqual({ column: 'full_name', set: { expr: "concat(first_name, ' ', last_name)" } });
    expect(parseTransformFlag('total:rename=amount,type=decimal,expr=price * qty')).toEqual({ column: 'total', rename: 'amount', set: { expr: 'price * qty', type: 'decimal' } });
  });

  it('reads COLUMN=ACTION:ARG like COLUMN:ACTION=ARG', () => {
    expect(parseTransformFlag('email=mask:hash')).toEqual({ column: 'email', mask: 'hash' });
    expect(parseTransformFlag('iban=mask:keepLast:2,rename:iban2')).toEqual({ column: 'iban', mask: { keepLast: 2 }, rename: 'iban2' });
    expect(parseTransformFlag("full_name=expr:first_name || ' ' || last_name")).toEqual({ column: 'full_name', set: { expr: "first_name || ' ' || last_name" } });
  });

  it('refuses a type without an expression, and value with expr', () => {
    expect(() => parseTransformFlag('total:type=decimal')).toThrow(/goes before expr/);
    expect(() => parseTransformFlag('total:type=money,expr=qty')).toThrow(/type must be one of/);
  });
});
