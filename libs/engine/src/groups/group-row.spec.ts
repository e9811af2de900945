import type { NeutralColumn, NeutralType, TableSchema } from '@dbferry/dialects-core';
import { type GroupMemberSnapshot, groupKey, groupMembership, groupRow, GroupRowError, memberRow, typedValue } from './group-row';

const col = (name: string, type: NeutralType, extra: Partial<NeutralColumn> = {}): NeutralColumn => ({ name, type, nativeType: type.kind, nullable: true, ...extra });
const table = (name: string, columns: NeutralColumn[], primaryKey = ['id']): TableSchema => ({ schema: 's', name, columns, primaryKey, indexes: [], rowEstimate: null });
const member = (connectionId: string, schema: TableSchema | null, extra: { readOnly?: boolean } = {}) => ({ connectionId, dialect: 'postgres' as const, table: { schema: 's', name: 't' }, schema, ...extra });

/** Membership and typing of group rows: what a member must share with the first, and how JSON becomes each member's values. */
describe('groupMembership', () => {
  const pg = table('t', [col('id', { kind: 'int32' }, { nullable: false }), col('email', { kind: 'string', length: 100 }, { nullable: false }), col('score', { kind: 'decimal', precision: 10, scale: 2 })]);

  it('takes the first member\'s columns every member has, keys first, and lists the rest as differences', () => {
    const maria = table('t', [col('email', { kind: 'text' }), col('id', { kind: 'int64' }, { nullable: false }), col('extra', { kind: 'int32' }, { default: '7' })]);
    const m = groupMembership(['id'], [member('a', pg), member('b', maria)]);
    expect(m.problems).toEqual([]);
    expect(m.columns.map((c) => c.name)).toEqual(['id', 'email']);
    expect(m.members[1].columns.map((c) => c.type.kind)).toEqual(['int64', 'text']);
    expect(m.differences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ connectionId: 'b', column: 'score' }),
        expect.objectContaining({ connectionId: 'b', column: 'extra' }),
        expect.objectContaining({ connectionId: 'b', column: 'id', note: 'int64 here, int32 on the first member' }),
      ]),
    );
  });

  it('names a member whose key is of another family, whose table is missing or read-only, or that needs a column the group does not write', () => {
    const textKey = table('t', [col('id', { kind: 'text' }), col('email', { kind: 'text' }), col('score', { kind: 'decimal' })]);
    expect(groupMembership(['id'], [member('a', pg), member('b', textKey)]).problems).toEqual([{ index: 1, message: expect.stringContaining('key column id is text here but int32') }]);
    expect(groupMembership(['id'], [member('a', pg), member('b', null)]).problems).toEqual([{ index: 1, message: expect.stringContaining('does not exist') }]);
    expect(groupMembership(['id'], [member('a', pg), member('b', pg, { readOnly: true })]).problems).toEqual([{ index: 1, message: expect.stringContaining('read-only') }]);
    const strict = table('t', [...pg.columns, col('must', { kind: 'int32' }, { nullable: false })]);
    expect(groupMembership(['id'], [member('a', pg), member('b', strict)]).problems).toEqual([{ index: 1, message: expect.stringContaining('column must is NOT NULL without a default') }]);
    expect(groupMembership(['nope'], [member('a', pg), member('b', pg)]).problems).toEqual([{ index: 0, message: expect.stringContaining('key column nope') }]);
  });

  it('refuses a MySQL member with a second unique index (its upsert would overwrite the colliding row) and lists it elsewhere', () => {
    const withUnique: TableSchema = { ...pg, indexes: [{ name: 'ux_email', columns: ['email'], unique: true }, { name: 'ix_score', columns: ['score'], unique: false }, { name: 'pk_copy', columns: ['ID'], unique: true }] };
    const maria = { ...member('b', withUnique), dialect: 'mysql' as const };
    expect(groupMembership(['id'], [member('a', pg), maria]).problems).toEqual([{ index: 1, message: expect.stringContaining('unique index ux_email (email) besides the group\'s key: this member\'s upsert matches a row by any unique key') }]);
    const onPg = groupMembership(['id'], [member('a', pg), member('b', withUnique)]);
    expect(onPg.problems).toEqual([]);
    expect(onPg.differences).toEqual([{ connectionId: 'b', column: 'email', note: expect.stringContaining('refused on this member and owed as a task') }]);
  });
});

describe('group rows and keys', () => {
  const first: GroupMemberSnapshot = { connectionId: 'a', dialect: 'postgres', table: { schema: 'public', name: 't' }, columns: [col('id', { kind: 'int32' }, { nullable: false }), col('email', { kind: 'string' }, { nullable: false }), col('score', { kind: 'decimal' })] };
  const second: GroupMemberSnapshot = { connectionId: 'b', dialect: 'mysql', table: { schema: 'db', name: 't' }, columns: [col('id', { kind: 'int64' }, { nullable: false }), col('email', { kind: 'text' }, { nullable: false }), col('score', { kind: 'decimal' })] };

  it('gives one digest to a key however it is spelled (text from a path, a number from a row, an object)', () => {
    const digests = [groupKey(first, 1, '42'), groupKey(first, 1, 42), groupKey(first, 1, { id: '42' }), groupRow([first, second], 1, { id: 42, email: 'x' })].map((k) => k.digest);
    expect(new Set(digests).size).toBe(1);
  });

  it('types each member\'s values by its own columns', () => {
    const row = groupRow([first, second], 1, { id: 7, email: 'a@b', score: 1.5 }).row;
    expect(memberRow(first, ['id', 'email', 'score'], row).values).toEqual([7, 'a@b', '1.5']);
    expect(memberRow(second, ['id', 'email', 'score'], row).values).toEqual([7n, 'a@b', '1.5']);
  });

  it.each([
    [{ id: 7, email: 'x', nope: 1 }, 'row.nope'],
    [{ id: 'seven', email: 'x' }, 'row.id'],
    [{ email: 'x' }, 'row.id'],
    [{ id: 7 }, 'row.email'],
    [{ id: 7, email: null }, 'row.email'],
    [{ id: 7, email: 'x', score: 'lots' }, 'row.score'],
    [{ id: 7, email: 'a\u0000b' }, 'row.email'],
  ])('refuses %j naming %s', (row, field) => {
    const error = (() => {
      try {
        groupRow([first, second], 1, row);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(GroupRowError);
    expect((error as GroupRowError).field).toBe(field);
  });

  it('holds JSON, bytes and floats in their lossless forms', () => {
    expect(typedValue(col('doc', { kind: 'json' }), { a: 1 }, 'row.doc', false)).toBe('{"a":1}');
    expect(typedValue(col('doc', { kind: 'json' }), '{"a":1}', 'row.doc', false)).toBe('{"a":1}');
    expect(typedValue(col('raw', { kind: 'binary' }), 'AP8=', 'row.raw', false)).toEqual(Buffer.from([0, 255]));
    expect(typedValue(col('f', { kind: 'float64' }), '2.5', 'row.f', false)).toBe(2.5);
    expect(() => typedValue(col('raw', { kind: 'binary' }), 'not base64!', 'row.raw', false)).toThrow(GroupRowError);
  });
});
