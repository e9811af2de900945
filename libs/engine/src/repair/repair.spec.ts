import type { NeutralColumn } from '@dbferry/dialects-core';
import type { DiffSnapshot } from '../diff/diff-segment';
import { decodeRowValue, encodeRowValue, type RepairAction, repairSegments, repairSnapshotFrom, repairSql } from './repair';

const col = (name: string, type: NeutralColumn['type'], nativeType = ''): NeutralColumn => ({ name, type, nativeType, nullable: true });
const COLUMNS = [col('id', { kind: 'int64' }), col('ratio', { kind: 'float64' }), col('note', { kind: 'text' }), col('raw', { kind: 'binary' })];
const side = (connectionId: string, dialect: DiffSnapshot['reference']['dialect'], schema: string) => ({ connectionId, dialect, table: { schema, name: 'items' }, columns: COLUMNS });
const DIFF: DiffSnapshot = {
  v: 1,
  reference: side('ref', 'postgres', 'public'),
  others: [side('pg', 'postgres', 'public'), side('my', 'mysql', 'shop'), side('lite', 'sqlite', 'main')],
  keyCount: 1,
  partition: 'ranges',
  bisectionFactor: 32,
  bisectionThreshold: 16384,
  notes: [],
};

describe('repair plan values and SQL', () => {
  it('keeps NaN, ±Infinity, 64-bit integers and bytes through the stored JSON', () => {
    const row = [9007199254740993n, Number.NaN, 'it\'s', Buffer.from([0, 255]), [1.5, Number.POSITIVE_INFINITY], Number.NEGATIVE_INFINITY, null];
    const stored = JSON.parse(JSON.stringify(row.map(encodeRowValue)));
    const back = stored.map(decodeRowValue);
    expect(back[0]).toBe(9007199254740993n);
    expect(back[1]).toBeNaN();
    expect(back[3]).toEqual(Buffer.from([0, 255]));
    expect(back[4]).toEqual([1.5, Number.POSITIVE_INFINITY]);
    expect(back.slice(5)).toEqual([Number.NEGATIVE_INFINITY, null]);
  });

  it('cuts a target plan into segments of one kind, upserts first', () => {
    const up = (id: number): RepairAction => ({ kind: 'upsert', key: [id], row: [id, 1, 'x', null], from: 'ref' });
    const del = (id: number): RepairAction => ({ kind: 'delete', key: [id] });
    const segments = repairSegments([del(1), up(2), up(3), del(4), up(5)], 2);
    expect(segments.map((s) => s.map((a) => `${a.kind[0]}${String(a.key[0])}`))).toEqual([['u2', 'u3'], ['u5'], ['d1', 'd4']]);
  });

  it("renders each target's plan in its own dialect, values spelled by it", () => {
    const snapshot = repairSnapshotFrom(DIFF, { kind: 'source', connectionId: 'ref' }, ['pg', 'my', 'lite'], true);
    const actions: RepairAction[] = [
      { kind: 'upsert', key: [{ $int: '7' }], row: [{ $int: '7' }, { $float: 'NaN' }, "it's \\ here", { $bytes: Buffer.from([1, 2]).toString('base64') }], from: 'ref' },
      { kind: 'delete', key: [{ $int: '9' }] },
    ];
    expect(repairSql(snapshot, 'pg', actions)).toBe(
      '-- PostgreSQL: 1 upsert(s) and 1 delete(s) on public.items\n\n' +
        `INSERT INTO "public"."items" ("id", "ratio", "note", "raw") VALUES\n  (7, 'NaN', E'it''s \\\\ here', E'\\\\x0102')\n` +
        'ON CONFLICT ("id") DO UPDATE SET "ratio" = EXCLUDED."ratio", "note" = EXCLUDED."note", "raw" = EXCLUDED."raw";\n\n' +
        'DELETE FROM "public"."items" WHERE "id" IN (9);\n',
    );
    const mysql = repairSql(snapshot, 'my', actions.slice(1));
    expect(mysql).toBe('-- MySQL: 0 upsert(s) and 1 delete(s) on shop.items\n\nDELETE FROM `shop`.`items` WHERE `id` IN (9);\n');
    const sqlite = repairSql(snapshot, 'lite', [{ kind: 'upsert', key: [{ $int: '7' }], row: [{ $int: '7' }, 0.5, 'a', null], from: 'ref' }]);
    expect(sqlite).toContain(`INSERT INTO "main"."items" ("id", "ratio", "note", "raw") VALUES\n  (CAST('7' AS INTEGER), 0.5, 'a', NULL)\nON CONFLICT ("id") DO UPDATE SET`);
  });

  it('refuses a rule the compared connections cannot serve, naming the field', () => {
    expect(() => repairSnapshotFrom(DIFF, { kind: 'source', connectionId: 'nope' }, ['pg'], false)).toThrow(expect.objectContaining({ field: 'sourceId' }));
    expect(() => repairSnapshotFrom(DIFF, { kind: 'source', connectionId: 'ref' }, [], false)).toThrow(expect.objectContaining({ field: 'targetIds' }));
    expect(() => repairSnapshotFrom(DIFF, { kind: 'source', connectionId: 'ref' }, ['pg', 'pg'], false)).toThrow(expect.objectContaining({ field: 'targetIds' }));
    expect(() => repairSnapshotFrom({ ...DIFF, others: DIFF.others.slice(0, 1) }, { kind: 'majority' }, ['pg'], false)).toThrow(expect.objectContaining({ field: 'rule' }));
    expect(repairSnapshotFrom(DIFF, { kind: 'newest', column: 'RATIO' }, ['pg'], false).rule).toEqual({ kind: 'newest', column: 'ratio' });
  });
});
