import { parseReplication } from './replication-file';

const env = { SRC_URL: 'postgres://app:s3cret@db.example.com/sales', DST_URL: 'sqlite:///tmp/out.db' };

describe('parseReplication', () => {
  it('reads connections from variables, defaults, and per-table overrides', () => {
    const file = parseReplication(
      [
        'name: nightly',
        'source: SRC_URL',
        'target: ${DST_URL}',
        'defaults:',
        '  writeMode: upsert',
        '  batchSize: 100',
        'tables:',
        '  sales.orders:',
        '    where: "id > 10"',
        '    writeMode: replace',
        '  sales.customers:',
        '    target: crm.customers',
        '    keyColumns: [id]',
      ].join('\n'),
      env,
    );
    expect(file.name).toBe('nightly');
    expect(file.source.spec).toMatchObject({ dialect: 'postgres', host: 'db.example.com', database: 'sales', password: 's3cret' });
    expect(file.target.spec).toMatchObject({ dialect: 'sqlite', database: '/tmp/out.db' });
    expect(file.defaults).toMatchObject({ writeMode: 'upsert', batchSize: 100, mode: 'full', createTables: true });
    expect(file.tables).toEqual([
      { source: 'sales.orders', where: 'id > 10', settings: { writeMode: 'replace' } },
      { source: 'sales.customers', target: 'crm.customers', keyColumns: ['id'], settings: {} },
    ]);
  });

  it('takes a literal URL and sling\'s "streams"', () => {
    const file = parseReplication('source: postgres://a@h/d\ntarget: sqlite:x.db\nstreams:\n  public.t: {}\n', {});
    expect(file.tables.map((t) => t.source)).toEqual(['public.t']);
    expect(file.target.spec.database).toBe('x.db');
  });

  it.each([
    ['source: SRC_URL\ntarget: NOPE\ntables: {a.b: {}}', 'target: the environment variable NOPE is not set'],
    ['source: SRC_URL\ntarget: DST_URL\ntables: {}', 'tables: list at least one table'],
    ['source: SRC_URL\ntarget: DST_URL\ntables:\n  a.b: {wher: x}', 'tables.a.b.wher: unknown key'],
    ['source: SRC_URL\ntarget: DST_URL\ndefaults: {writeMode: merge}\ntables: {a.b: {}}', 'defaults.writeMode: must be one of insert, upsert, replace'],
    ['source: SRC_URL\ntarget: DST_URL\ntables:\n  a.b: {batchSize: 0}', 'tables.a.b.batchSize: must be a whole number'],
    ['source: SRC_URL\ntarget: DST_URL\ntables:\n  a.b: {keyColumns: id}', 'tables.a.b.keyColumns: must be a list'],
    ['source: [1\n', '-f: not valid YAML'],
    ['source: ftp://x/y\ntarget: DST_URL\ntables: {a.b: {}}', 'source: unknown scheme "ftp:"'],
  ])('refuses %j as a usage error naming the field', (text, message) => {
    expect(() => parseReplication(text, env)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining(message) }));
  });
});
