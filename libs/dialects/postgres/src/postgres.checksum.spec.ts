import { join } from 'node:path';
import { goldenSql, type NeutralColumn, type TableRef } from '@dbferry/dialects-core';
import { buildBucketChecksumSql, buildChecksumSql, buildTypedChecksumSql, typedHashExpression } from './postgres.sql';

const GOLDEN_DIR = join(__dirname, '..', 'golden');
const table: TableRef = { schema: 'public', name: 'Orders' };
const col = (name: string, type: NeutralColumn['type'], nativeType: string): NeutralColumn => ({ name, type, nativeType, nullable: true });

/** One column of every kind the typed digest hashes by its type, then some it hashes by their text, as the introspector types them. */
const typed: NeutralColumn[] = [
  col('id', { kind: 'int64' }, 'bigint'),
  col('i4', { kind: 'int32' }, 'integer'),
  col('i2', { kind: 'int16' }, 'smallint'),
  col('amount', { kind: 'decimal', precision: 12, scale: 2 }, 'numeric(12,2)'),
  col('f8', { kind: 'float64' }, 'double precision'),
  col('f4', { kind: 'float32' }, 'real'),
  col('paid', { kind: 'bool' }, 'boolean'),
  col('status', { kind: 'string', length: 40 }, 'character varying(40)'),
  col('note', { kind: 'text' }, 'text'),
  col('code', { kind: 'char', length: 6 }, 'character(6)'),
  col('uid', { kind: 'uuid' }, 'uuid'),
  col('day', { kind: 'date' }, 'date'),
  col('at', { kind: 'timestamp', precision: 6 }, 'timestamp(6) without time zone'),
  col('at_tz', { kind: 'timestamptz', precision: 3 }, 'timestamp(3) with time zone'),
  col('t', { kind: 'time', precision: 6 }, 'time(6) without time zone'),
  col('doc', { kind: 'json' }, 'json'),
  col('docb', { kind: 'json', binary: true }, 'jsonb'),
];
const byText: NeutralColumn[] = [
  col('span', { kind: 'interval' }, 'interval'),
  col('mood', { kind: 'enum', values: ['sad', 'ok'] }, 'mood'),
  col('cash', { kind: 'decimal', precision: 19, scale: 2 }, 'money'),
  col('raw', { kind: 'blob' }, 'bytea'),
];

describe('PostgreSQL typed digest (ChecksumRequest.digest "typed")', () => {
  it('hashes each value by its type, XORs the columns and mixes the row once more (golden)', () => {
    const query = buildChecksumSql({ table, columns: [...typed, ...byText], keyColumns: ['id'], range: { lower: [1n], upper: [100n] }, digest: 'typed' });
    expect(query?.params).toEqual(['1', '100']);
    const { actual, expected } = goldenSql(GOLDEN_DIR, 'checksum-typed', query?.sql ?? '');
    expect(actual).toBe(expected);
    // No row text: neither concat_ws nor md5, and every text hash under "C".
    expect(query?.sql).not.toMatch(/concat_ws|md5\(/);
    expect(query?.sql).toContain('sum(hashint8extended(COALESCE(hashint8extended("id", 1), 1)\n  # COALESCE(hashint4extended("i4", 2), 2)');
    expect(query?.sql).toContain(`current_setting('server_encoding') AS "encoding"`);
  });

  it('uses the type\'s own hash where that equality is no looser than the diff\'s rules', () => {
    const hash = (c: NeutralColumn) => typedHashExpression(c, 7);
    expect(hash(typed[3])).toBe('hash_numeric_extended("amount", 7)');
    expect(hash(typed[7])).toBe('hashtextextended("status" COLLATE "C", 7)');
    expect(hash(typed[9])).toBe('hashbpcharextended("code" COLLATE "C", 7)');
    expect(hash(typed[13])).toBe(`timestamp_hash_extended("at_tz" AT TIME ZONE 'UTC', 7)`);
    expect(hash(typed[15])).toBe('jsonb_hash_extended("doc"::jsonb, 7)');
    expect(hash(typed[16])).toBe('jsonb_hash_extended("docb", 7)');
    // interval equality holds '1 day' = '24 hours'; an enum hashes by its OID: their normalised text instead.
    expect(hash(byText[0])).toBe('hashtextextended(("span"::text) COLLATE "C", 7)');
    expect(hash(byText[1])).toBe('hashtextextended(("mood"::text) COLLATE "C", 7)');
    expect(hash(byText[2])).toContain('"cash"::numeric');
    expect(hash(byText[3])).toBe(`hashtextextended((encode("raw", 'hex')) COLLATE "C", 7)`);
    // A native type whose neutral kind is not the expected one (a domain, say) is never trusted by name.
    expect(hash(col('n', { kind: 'text' }, 'integer'))).toBe('hashtextextended(("n"::text) COLLATE "C", 7)');
    // A quoted name (an enum called "integer") is not the built-in type.
    expect(hash(col('n', { kind: 'enum', values: ['a'] }, '"integer"'))).toBe('hashtextextended(("n"::text) COLLATE "C", 7)');
  });

  it('checksums every bucket of an integer key in one statement, the buckets hashed by the planner (golden)', () => {
    const columns = typed.slice(0, 4);
    const query = buildBucketChecksumSql({ table, columns, keyColumns: ['id'], range: { lower: [0n] }, where: 'i4 > 0', digest: 'typed' }, [[10n], [20], ['30']]);
    // (lower, upper] buckets: width_bucket counts the bounds <= the key, so each bound is shifted by one.
    expect(query?.params).toEqual(['0', '{11,21,31}']);
    const { actual, expected } = goldenSql(GOLDEN_DIR, 'checksum-buckets', query?.sql ?? '');
    expect(actual).toBe(expected);
    // The same row digest as the one-range statement, per digest.
    for (const digest of ['typed', 'native', undefined] as const) {
      const one = buildChecksumSql({ table, columns, keyColumns: ['id'], ...(digest && { digest }) })?.sql ?? '';
      const row = /sum\((.*)\), 0\)::text AS "digest_sum"/s.exec(one)?.[1];
      expect(buildBucketChecksumSql({ table, columns, keyColumns: ['id'], ...(digest && { digest }) }, [[5n]])?.sql).toContain(`sum(${row ?? 'missing'})`);
    }
    // An unsigned 64-bit key compares as numeric; other keys and bounds are not bucketed.
    expect(buildBucketChecksumSql({ table, columns: [col('u', { kind: 'uint64' }, 'numeric(20,0)')], keyColumns: ['u'] }, [[1n]])?.sql).toContain('width_bucket("u"::numeric, $1::numeric[])');
    expect(buildBucketChecksumSql({ table, columns: typed, keyColumns: ['status'] }, [['m']])).toBeNull();
    expect(buildBucketChecksumSql({ table, columns: typed, keyColumns: ['id', 'i4'] }, [[1n, 2]])).toBeNull();
    expect(buildBucketChecksumSql({ table, columns: typed, keyColumns: ['id'] }, [[1.5]])).toBeNull();
    expect(buildBucketChecksumSql({ table, columns: typed, keyColumns: ['id'] }, [])).toBeNull();
  });

  it('leaves to the worker a table with a column it can neither hash nor write as text', () => {
    const tags = col('tags', { kind: 'array', of: { kind: 'int32' } }, 'integer[]');
    expect(typedHashExpression(tags, 1)).toBeNull();
    expect(buildTypedChecksumSql({ table, columns: [typed[0], tags], keyColumns: ['id'] })).toBeNull();
    // The native and portable digests are unchanged (and never hash floats or json in SQL).
    expect(buildChecksumSql({ table, columns: [typed[0], typed[4]], keyColumns: ['id'], digest: 'native' })).toBeNull();
    expect(buildChecksumSql({ table, columns: [typed[0], typed[1]], keyColumns: ['id'], digest: 'native' })?.sql).toContain('hashtextextended(concat_ws(');
  });
});
