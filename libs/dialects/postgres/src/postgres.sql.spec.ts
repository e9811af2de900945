import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IdentifierError, type NeutralColumn, type NeutralType, type TableRef } from '@dbferry/dialects-core';
import { PostgresDdlBuilder } from './postgres.ddl';
import {
  buildChecksumSql,
  buildCopyOutSql,
  buildCopySql,
  buildDeleteRangeSql,
  buildSelectSql,
  buildSplitPointsSql,
  buildStageSql,
  buildUpsertSql,
  checksumExpression,
  digestFromSignedSum,
  fitIdentifier,
  literalRangePredicate,
} from './postgres.sql';

const GOLDEN_DIR = join(__dirname, '..', 'golden');

/** Compares with golden/<name>.sql; UPDATE_GOLDEN=1 rewrites the file instead. */
function expectGolden(name: string, sql: string): void {
  const file = join(GOLDEN_DIR, `${name}.sql`);
  const text = `${sql.trim()}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing; run with UPDATE_GOLDEN=1`);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

const col = (name: string, type: NeutralColumn['type'], nullable = true): NeutralColumn => ({
  name,
  type,
  nativeType: '',
  nullable,
});

const ddl = new PostgresDdlBuilder();
const torture: TableRef = { schema: 'Sales Data', name: 'order' };
const tortureColumns: NeutralColumn[] = [
  col('id', { kind: 'int64' }, false),
  col('MixedCase', { kind: 'int32' }, false),
  col('with space', { kind: 'string', length: 40 }),
  col('a"b', { kind: 'text' }),
  col('таблица', { kind: 'decimal', precision: 38, scale: 10 }),
  col('flag', { kind: 'bool' }),
  col('big_unsigned', { kind: 'uint64' }),
  col('ratio', { kind: 'float64' }),
  col('code', { kind: 'char', length: 3 }),
  col('guid', { kind: 'uuid' }),
  col('doc', { kind: 'json', binary: true }),
  col('raw', { kind: 'blob' }),
  col('born', { kind: 'date' }),
  col('at', { kind: 'timestamp', precision: 7 }),
  col('at_utc', { kind: 'timestamptz', precision: 6 }),
  col('span', { kind: 'interval' }),
  col('mood', { kind: 'enum', values: ['sad', "it's"] }),
  col('tags', { kind: 'array', of: { kind: 'int32' } }),
  col('perms', { kind: 'set', values: ['read', 'write'] }),
  col('custom', { kind: 'text' }),
];

describe('PostgresDdlBuilder', () => {
  it('creates a table with every kind, quoted names, key and indexes', () => {
    const plan = ddl.createTable(
      torture,
      {
        columns: tortureColumns,
        primaryKey: ['MixedCase', 'id'],
        indexes: [
          { name: 'src_idx', columns: ['with space', 'a"b'], unique: false },
          { name: 'src_key', columns: ['guid'], unique: true },
          { name: 'dup', columns: ['guid'], unique: true },
          { name: 'pk_again', columns: ['MixedCase', 'id'], unique: true },
        ],
      },
      { typeOverrides: { custom: 'citext' } },
    );
    expectGolden('create-table', plan.statements.join(';\n\n'));
    expect(plan.statements).toHaveLength(3);
    expect(plan.losses).toEqual([{ column: 'at', note: expect.objectContaining({ kind: 'fractional-seconds-truncated' }) }]);
  });

  it('with deferKey, creates the table bare and returns the key and indexes to build after the load', () => {
    const shape = {
      columns: tortureColumns,
      primaryKey: ['MixedCase', 'id'],
      indexes: [
        { name: 'src_idx', columns: ['with space', 'a"b'], unique: false },
        { name: 'src_key', columns: ['guid'], unique: true },
      ],
    };
    const plan = ddl.createTable(torture, shape, { typeOverrides: { custom: 'citext' }, deferKey: true });
    expectGolden('create-table-deferred-key', `${plan.statements.join(';\n\n')};\n\n-- after the load\n${(plan.deferred ?? []).join(';\n\n')}`);
    expect(plan.statements).toHaveLength(1);
    expect(plan.statements[0]).not.toMatch(/PRIMARY KEY|INDEX/);
    expect(plan.deferred).toEqual([
      'ALTER TABLE "Sales Data"."order" ADD PRIMARY KEY ("MixedCase", "id")',
      expect.stringMatching(/^CREATE INDEX "order_with space_a""b_idx" ON "Sales Data"."order"/),
      expect.stringMatching(/^CREATE UNIQUE INDEX "order_guid_key" ON "Sales Data"."order" \("guid"\)$/),
    ]);
    // The same table keyed at once, as without deferKey: the same CREATE TABLE with the key inside.
    const direct = ddl.createTable(torture, shape, { typeOverrides: { custom: 'citext' } });
    expect(direct.deferred).toBeUndefined();
    expect(direct.statements[0]).toContain('PRIMARY KEY ("MixedCase", "id")');
    // Nothing to defer: no deferred list.
    expect(ddl.createTable(torture, { columns: [col('id', { kind: 'int32' })], primaryKey: [], indexes: [] }, { deferKey: true }).deferred).toBeUndefined();
  });

  it('adds missing columns as nullable', () => {
    const plan = ddl.addColumns({ schema: 'public', name: 'таблица' }, [col('new one', { kind: 'int64' }, false), col('e', { kind: 'enum', values: ['x'] })]);
    expectGolden('add-columns', plan.statements.join(';\n'));
    expect(ddl.addColumns(torture, []).statements).toEqual([]);
  });

  it('refuses names over 63 bytes before building anything, counting bytes not characters', () => {
    const cyrillic32 = 'я'.repeat(32); // 64 bytes, 32 characters
    const ascii63 = 'a'.repeat(63);
    expect(() => ddl.createTable({ schema: 'public', name: cyrillic32 }, { columns: [col('id', { kind: 'int32' })], primaryKey: [], indexes: [] })).toThrow(IdentifierError);
    expect(() => ddl.createTable({ schema: 'public', name: 't' }, { columns: [col('a'.repeat(64), { kind: 'int32' })], primaryKey: [], indexes: [] })).toThrow(
      /64 bytes long; PostgreSQL allows at most 63/,
    );
    expect(() => ddl.addColumns({ schema: 'public', name: 't' }, [col(cyrillic32, { kind: 'int32' })])).toThrow(IdentifierError);
    expect(() => ddl.qualify({ schema: 'x'.repeat(70), name: 't' })).toThrow(IdentifierError);
    const ok = ddl.createTable({ schema: 'public', name: ascii63 }, { columns: [col(ascii63, { kind: 'int32' })], primaryKey: [ascii63], indexes: [] });
    expect(ok.statements[0]).toContain(`"${ascii63}" integer`);
  });

  it('refuses a key or index column that is not a column', () => {
    expect(() => ddl.createTable(torture, { columns: [col('id', { kind: 'int32' })], primaryKey: ['nope'], indexes: [] })).toThrow(/"nope"/);
  });

  it('names indexes within 63 bytes, distinct by a hash when cut', () => {
    const long = 'т'.repeat(30);
    const plan = ddl.createTable(
      { schema: 'public', name: long },
      {
        columns: [col('alpha_column_name', { kind: 'int32' }), col('beta_column_name', { kind: 'int32' })],
        primaryKey: [],
        indexes: [
          { name: 'i1', columns: ['alpha_column_name'], unique: false },
          { name: 'i2', columns: ['beta_column_name'], unique: false },
        ],
      },
    );
    const names = plan.statements.slice(1).map((s) => /INDEX "([^"]+)"/.exec(s)?.[1] ?? '');
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
    for (const name of names) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    expect(fitIdentifier('short')).toBe('short');
    expect(fitIdentifier('я'.repeat(40))).toMatch(/^я{27}_[0-9a-f]{8}$/);
  });
});

describe('data SQL', () => {
  const table: TableRef = { schema: 'public', name: 'Orders' };
  const columns = [col('tenant', { kind: 'int32' }), col('order no', { kind: 'int64' }), col('note', { kind: 'text' }), col('price', { kind: 'decimal' })];
  columns[3] = { ...columns[3], nativeType: 'money' };

  it('reads a composite-key range as row-value comparisons with a filter', () => {
    const { sql, params } = buildSelectSql({
      table,
      columns,
      keyColumns: ['tenant', 'order no'],
      range: { lower: [1, 10n], upper: [2, 9223372036854775807n] },
      where: "note <> ''",
    });
    expectGolden('select-range', sql);
    expect(params).toEqual(['1', '10', '2', '9223372036854775807']);
    expect(buildSelectSql({ table, columns, keyColumns: ['tenant'], range: { upper: [5] } }).sql).toContain('WHERE "tenant" <= $1 ORDER BY "tenant"');
    expect(buildSelectSql({ table, columns, keyColumns: [] }).sql).not.toContain('ORDER BY');
  });

  it('leaves out ORDER BY for an unordered read, keeping the range', () => {
    const range = { lower: [1], upper: [5] };
    expect(buildSelectSql({ table, columns, keyColumns: ['tenant'], range, unordered: true }).sql).toMatch(/WHERE "tenant" > \$1 AND "tenant" <= \$2$/);
    const copy = buildCopyOutSql({ table, columns, keyColumns: ['tenant'], range, unordered: true });
    expect(copy).toContain(`WHERE "tenant" > '1' AND "tenant" <= '5') TO STDOUT (FORMAT binary)`);
    expect(copy).not.toContain('ORDER BY');
    expect(buildCopyOutSql({ table, columns, keyColumns: ['tenant'], range })).toContain('ORDER BY "tenant") TO STDOUT');
  });

  it('refuses a bound with the wrong number of values', () => {
    expect(() => buildSelectSql({ table, columns, keyColumns: ['tenant', 'order no'], range: { lower: [1] } })).toThrow(/1 values for 2 key columns/);
  });

  it('upserts from a staging table', () => {
    expectGolden(
      'upsert',
      [
        buildStageSql('dbferry_stage_0123456789ab', table),
        buildUpsertSql('dbferry_stage_0123456789ab', table, ['tenant', 'order no', 'note', 'a"b'], ['tenant', 'order no']),
      ].join(';\n\n'),
    );
    expect(buildUpsertSql('s', table, ['k'], ['k'])).toContain('ON CONFLICT ("k") DO NOTHING');
  });

  it('deletes a range for replace-range', () => {
    const { sql, params } = buildDeleteRangeSql(table, ['order no'], columns, { lower: [5n] });
    expect(sql).toBe('DELETE FROM "public"."Orders" WHERE "order no" > $1');
    expect(params).toEqual(['5']);
    expect(buildDeleteRangeSql(table, ['order no'], columns).sql).toBe('DELETE FROM "public"."Orders"');
  });

  it('copies into a range only (the row-count guard: COPY stores and counts only the rows the target orders into it)', () => {
    const where = literalRangePredicate(['tenant', 'order no'], columns, { lower: [1, 10n], upper: [2, 9223372036854775807n] });
    expect(buildCopySql('"public"."Orders"', ['tenant', 'order no'], 'binary', where)).toBe(
      `COPY "public"."Orders" ("tenant", "order no") FROM STDIN (FORMAT binary) WHERE ("tenant", "order no") > ('1', '10') AND ("tenant", "order no") <= ('2', '9223372036854775807')`,
    );
    expect(buildCopySql('"public"."Orders"', ['note'], 'text', literalRangePredicate(['note'], columns, { upper: ["it's"] }))).toBe(
      `COPY "public"."Orders" ("note") FROM STDIN WHERE "note" <= 'it''s'`,
    );
    expect(buildCopySql('"public"."Orders"', ['note'], 'text', literalRangePredicate(['note'], columns, undefined))).toBe('COPY "public"."Orders" ("note") FROM STDIN');
  });

  it('splits on every n-th key', () => {
    expectGolden('split-points', buildSplitPointsSql(table, [columns[0], columns[1]], 'tenant > 0'));
  });

  it('checksums in SQL the kinds it can normalise like checksum.ts', () => {
    const all = [
      col('b', { kind: 'bool' }),
      col('i', { kind: 'int64' }),
      { ...col('m', { kind: 'decimal', precision: 19, scale: 2 }), nativeType: 'money' },
      col('d', { kind: 'decimal', precision: 38, scale: 10 }),
      col('c', { kind: 'char', length: 3 }),
      col('s', { kind: 'text' }),
      col('u', { kind: 'uuid' }),
      col('bin', { kind: 'blob' }),
      col('dt', { kind: 'date' }),
      col('ts', { kind: 'timestamp' }),
      col('tz', { kind: 'timestamptz' }),
      col('iv', { kind: 'interval' }),
      col('e', { kind: 'enum', values: ['a'] }),
    ];
    const query = buildChecksumSql({ table, columns: all, keyColumns: ['i'], range: { lower: [1n], upper: [100n] } });
    expect(query).not.toBeNull();
    expectGolden('checksum', query?.sql ?? '');
    expect(query?.params).toEqual(['1', '100']);
    // The native digest (every side PostgreSQL): the same row text, hashtextextended under "C".
    const native = buildChecksumSql({ table, columns: all, keyColumns: ['i'], digest: 'native' })?.sql ?? '';
    const row = /md5\((concat_ws\(.*\))\), 1, 16\)/.exec(query?.sql ?? '')?.[1];
    expect(row).toBeDefined();
    expect(native).toContain(`sum(hashtextextended(${row} COLLATE "C", 0))`);
    expect(native).not.toContain('md5(');
  });

  it.each<[NeutralType]>([
    [{ kind: 'float64' }],
    [{ kind: 'json' }],
    [{ kind: 'array', of: { kind: 'int32' } }],
    [{ kind: 'set', values: ['a'] }],
  ])('leaves %j to the worker', (type) => {
    expect(checksumExpression(col('x', type))).toBeNull();
    expect(buildChecksumSql({ table, columns: [col('id', { kind: 'int32' }), col('x', type)], keyColumns: ['id'] })).toBeNull();
  });

  it('turns the signed SQL sum into the unsigned 64-bit digest', () => {
    expect(digestFromSignedSum('0')).toBe('0000000000000000');
    expect(digestFromSignedSum('-1')).toBe('ffffffffffffffff');
    expect(digestFromSignedSum('18446744073709551617')).toBe('0000000000000001');
    expect(digestFromSignedSum('-9223372036854775808')).toBe('8000000000000000');
  });
});
