import { createHmac } from 'node:crypto';
import type { NeutralColumn } from '@dbferry/dialects-core';
import { checkTransformShape, hashValue, keepLast, parseTransformFlag, parseTransforms, planTransforms, rowTransformer, TransformError } from './column-transforms';

const col = (name: string, type: NeutralColumn['type'], nativeType = '', nullable = true): NeutralColumn => ({ name, type, nativeType, nullable });
const columns = [
  col('id', { kind: 'int64' }, 'bigint', false),
  col('email', { kind: 'string', length: 120 }, 'varchar(120)'),
  col('card', { kind: 'int64' }, 'bigint'),
  col('phone', { kind: 'text' }, 'text'),
  col('notes', { kind: 'text' }, 'text'),
  col('updated_at', { kind: 'timestamp' }, 'timestamp'),
];
const plan = (transforms: Parameters<typeof planTransforms>[0]['transforms']) =>
  planTransforms({ columns, all: columns, keyColumns: ['id'], incrementalColumn: 'updated_at', transforms });
const fieldOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof TransformError) return error.field;
    throw error;
  }
  return undefined;
};

describe('planTransforms', () => {
  it('renames keep the type and the rows pass unchanged (no row function)', () => {
    const { read, plan: p } = plan([{ column: 'id', rename: 'customer_id' }, { column: 'email', rename: 'mail' }]);
    expect(read.map((c) => c.name)).toEqual(columns.map((c) => c.name));
    expect(p.columns.map((c) => c.name)).toEqual(['customer_id', 'mail', 'card', 'phone', 'notes', 'updated_at']);
    expect(p.columns[1]).toMatchObject({ type: { kind: 'string', length: 120 }, nativeType: 'varchar(120)' });
    expect(p.keyColumns).toEqual(['customer_id']);
    expect(p.ops).toBeUndefined();
    expect(rowTransformer(p)).toBeUndefined();
    expect(p.notes).toEqual({ customer_id: 'renamed from id', mail: 'renamed from email' });
  });

  it('types a hashed int as 64-character text, keepLast on a non-text column as text, a null mask as nullable', () => {
    const { plan: p } = plan([{ column: 'card', mask: 'hash' }, { column: 'phone', mask: { keepLast: 2 } }, { column: 'email', mask: 'last4', rename: 'email4' }, { column: 'notes', mask: 'null' }]);
    const byName = Object.fromEntries(p.columns.map((c) => [c.name, c]));
    expect(byName['card']).toMatchObject({ type: { kind: 'string', length: 64 }, nativeType: '' });
    expect(byName['phone'].type).toEqual({ kind: 'text' });
    expect(byName['email4']).toMatchObject({ type: { kind: 'string', length: 120 }, nativeType: 'varchar(120)' });
    expect(byName['notes'].nullable).toBe(true);
    expect(p.hashes).toBe(true);
    expect(p.unchanged).toEqual({ id: 'id', updated_at: 'updated_at' });
  });

  it('excludes columns from the read, adds constants (typed) as new columns at the end', () => {
    const { read, plan: p } = plan([{ column: 'notes', exclude: true }, { column: 'tenant', set: { value: 7 } }, { column: 'region', set: { value: 'eu' } }, { column: 'day', set: { value: '2026-01-02', type: 'date' } }]);
    expect(read.map((c) => c.name)).not.toContain('notes');
    expect(p.columns.slice(-3).map((c) => [c.name, c.type.kind])).toEqual([
      ['tenant', 'int64'],
      ['region', 'text'],
      ['day', 'date'],
    ]);
  });

  it('applies the row function: hash under the salt, keep last, null, constants', () => {
    const { plan: p } = plan([{ column: 'card', mask: 'hash' }, { column: 'phone', mask: 'last4' }, { column: 'notes', mask: 'null' }, { column: 'tenant', set: { value: 7 } }, { column: 'email', exclude: true }]);
    const salt = Buffer.from('salt-one');
    const apply = rowTransformer(p, salt);
    const out = apply?.({ columns, rows: [[1n, 4111111111111111n, '+44 20 7946 0958', 'secret', '2026-01-01 00:00:00'], [2n, null, null, null, '2026-01-01 00:00:00']] });
    expect(out?.columns).toBe(p.columns);
    expect(out?.rows[0]).toEqual([1n, hashValue(salt, 4111111111111111n), '************0958', null, '2026-01-01 00:00:00', 7n]);
    expect(out?.rows[0][1]).toHaveLength(64);
    expect(out?.rows[1]).toEqual([2n, null, null, null, '2026-01-01 00:00:00', 7n]);
    // Another salt, another hash; the same salt, the same.
    expect(hashValue(Buffer.from('salt-two'), 4111111111111111n)).not.toEqual(hashValue(salt, 4111111111111111n));
    expect(hashValue(salt, '4111111111111111')).toEqual(hashValue(salt, 4111111111111111n));
    expect(() => rowTransformer(p)).toThrow(/salt/);
  });

  it('hashes as HMAC-SHA256 for any salt length', () => {
    for (const salt of [Buffer.alloc(0), Buffer.from('k'), Buffer.alloc(32, 7), Buffer.alloc(64, 1), Buffer.alloc(100, 3)]) {
      for (const value of ['', 'person1@example.com', 'żółć', Buffer.from([0, 255])]) {
        expect(hashValue(salt, value)).toBe(createHmac('sha256', salt).update(value).digest('hex'));
      }
    }
  });

  it('keeps the last characters by code point', () => {
    expect(keepLast('żółć1234', 4)).toBe('****1234');
    expect(keepLast('12', 4)).toBe('12');
  });

  it('refuses masking, setting or excluding a key or the incremental column, naming the field', () => {
    expect(fieldOf(() => plan([{ column: 'id', mask: 'hash' }]))).toBe('transforms[0].mask');
    expect(fieldOf(() => plan([{ column: 'email', rename: 'e' }, { column: 'id', exclude: true }]))).toBe('transforms[1].exclude');
    expect(fieldOf(() => plan([{ column: 'updated_at', set: { value: '2026-01-01 00:00:00' } }]))).toBe('transforms[0].set');
    expect(fieldOf(() => plan([{ column: 'nope', mask: 'null' }]))).toBe('transforms[0].column');
    expect(fieldOf(() => plan([{ column: 'email', rename: 'phone' }]))).toBe('transforms[0].rename');
  });

  it('checks the shape of each entry without the table', () => {
    expect(checkTransformShape([{ column: 'a', mask: 'hash', exclude: true }])?.field).toBe('transforms[0].mask');
    expect(checkTransformShape([{ column: 'a' }])?.field).toBe('transforms[0].column');
    expect(checkTransformShape([{ column: 'a', mask: { keepLast: -1 } }])?.field).toBe('transforms[0].mask');
    expect(checkTransformShape([{ column: 'a', mask: 'sha1' as never }])?.field).toBe('transforms[0].mask');
    expect(checkTransformShape([{ column: 'a', set: { value: 'x', type: 'int64' } }])?.field).toBe('transforms[0].set.value');
    expect(checkTransformShape([{ column: 'a', set: { value: 'x', type: 'money' as never } }])?.field).toBe('transforms[0].set.type');
    expect(checkTransformShape([{ column: 'a', set: { value: {} as never } }])?.field).toBe('transforms[0].set.value');
    expect(checkTransformShape([{ column: 'a', set: { value: null } }])).toBeNull();
    expect(checkTransformShape([{ column: 'a', rename: 'b' }, { column: 'a', mask: 'null' }])?.field).toBe('transforms[1].column');
    expect(checkTransformShape([{ column: 'a', rename: 'b', mask: 'hash' }])).toBeNull();
  });
});

describe('transforms from the CLI', () => {
  it('parses flags', () => {
    expect(parseTransformFlag('email:rename=email_hash,mask=hash')).toEqual({ column: 'email', rename: 'email_hash', mask: 'hash' });
    expect(parseTransformFlag('iban:mask=keepLast:4')).toEqual({ column: 'iban', mask: { keepLast: 4 } });
    expect(parseTransformFlag('notes:exclude')).toEqual({ column: 'notes', exclude: true });
    expect(parseTransformFlag('tenant:set=7')).toEqual({ column: 'tenant', set: { value: 7 } });
    expect(parseTransformFlag('day:set=2026-01-02:date')).toEqual({ column: 'day', set: { value: '2026-01-02', type: 'date' } });
    expect(parseTransformFlag('region:set=eu')).toEqual({ column: 'region', set: { value: 'eu' } });
    expect(() => parseTransformFlag('email')).toThrow(TransformError);
    expect(() => parseTransformFlag('email:mask=sha1')).toThrow(/mask/);
    expect(() => parseTransformFlag('email:frobnicate')).toThrow(/not rename/);
  });

  it('checks a replication file list, naming the entry', () => {
    expect(parseTransforms([{ column: 'id', rename: 'customer_id' }])).toEqual([{ column: 'id', rename: 'customer_id' }]);
    expect(parseTransforms(undefined)).toEqual([]);
    expect(() => parseTransforms({ column: 'a' })).toThrow(/list/);
    expect(fieldOf(() => parseTransforms([{ column: 'a', rename: 'b' }, { column: 'c', hash: true }]))).toBe('transforms[1].hash');
    expect(fieldOf(() => parseTransforms([{ column: 'a', exclude: 'yes' }]))).toBe('transforms[0].exclude');
  });
});
